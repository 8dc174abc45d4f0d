"""The data catalog that resolves "latest" to complete runs only.

Kedro finds a versioned dataset's latest version by globbing
``<filepath>/*/<name>`` and taking the newest folder; ``RunAwareDataCatalog``
hands every versioned dataset it returns a listing that leaves out the version
folders of incomplete runs (``runs.records``), read afresh at each resolution
(``kedro_internals.skip_versions``, with the project's other uses of Kedro
internals). So ``catalog.load("wildfire.model")``, a
``--tags=reporting`` run, a predict pipeline and a notebook all get the newest
version written by a complete run, and the model and preprocessor of one
experiment come from the same run. A pinned version (``--load-versions``,
``catalog.load(name, version=...)``) is used as given. The running run itself may
load what it has saved.

Registered as ``DATA_CATALOG_CLASS`` in ``settings.py``; the project's context
(``kedro_internals.ExperimentContext``) builds it for ``context.catalog`` too
(notebooks, ``kedro ipython``, kedro-viz), where Kedro 1.7 would build a plain
``DataCatalog``.
``RunRecordHook`` tells the catalog where the project's run records live
(``runs_folder``); without that (a catalog built by hand) it behaves as Kedro's own.

A save that fails (a full disk, an I/O error) leaves nothing half-written that a
later load could pick up: the failing run's version folder of that dataset, or the
unversioned file the save had begun to overwrite, is removed at once, and
``DatasetSaveError`` names the dataset, the path, the system's error and the
version that stays the latest.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from kedro.framework.context import CatalogCommandsMixin
from kedro.io import (
    AbstractDataset,
    AbstractVersionedDataset,
    DataCatalog,
    DatasetError,
)
from kedro.io.core import Version

from dl_experiments.kedro_internals import (
    built_datasets,
    catalog_save_version,
    clear_version_cache,
    dataset_filepath,
    filesystem,
    is_versioned,
    save_version,
    saved_path,
    skip_versions,
    version_folder,
)
from dl_experiments.runs.records import RunStore, incomplete_versions


class DatasetSaveError(DatasetError):
    """A save that failed; nothing half-written is left where a load would look."""


def os_error(error: BaseException) -> OSError | None:
    """The ``OSError`` behind ``error`` (itself, a cause or a context), or None."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError):
            return current
        current = current.__cause__ or current.__context__
    return None


def _state(fs: Any, path: str) -> tuple | None:
    """What a later check compares to see whether a save touched ``path``."""
    try:
        info = fs.info(path)
    except (FileNotFoundError, OSError):
        return None
    return (info.get("type"), info.get("size"), info.get("mtime"))


class RunAwareDataCatalog(DataCatalog, CatalogCommandsMixin):
    """Kedro's ``DataCatalog`` whose unpinned loads come from complete runs only."""

    runs_folder: Path | None = None

    def use_run_records(self, project_path: Path | str) -> None:
        """Resolve "latest" against the run records of ``project_path``."""
        self.runs_folder = Path(project_path)
        for dataset in built_datasets(self):
            self._filter(dataset)

    def excluded_versions(self) -> set[str]:
        """Run ids whose versions are not loaded unpinned (incomplete runs)."""
        if self.runs_folder is None:
            return set()
        return incomplete_versions(
            RunStore(self.runs_folder).records(), catalog_save_version(self)
        )

    def _filter(self, dataset: AbstractDataset) -> None:
        if self.runs_folder is None:
            return
        if isinstance(dataset, AbstractVersionedDataset):
            skip_versions(dataset, self.excluded_versions)
        elif hasattr(dataset, "exclude_versions"):
            dataset.exclude_versions = self.excluded_versions

    def get(
        self,
        key: str,
        fallback_to_runtime_pattern: bool = False,
        version: Version | None = None,
    ) -> AbstractDataset | None:
        """Kedro's ``get``, with the dataset's versions limited to complete runs."""
        dataset = super().get(key, fallback_to_runtime_pattern, version)
        if dataset is not None:
            self._filter(dataset)
        return dataset

    def save(self, ds_name: str, data: Any) -> None:
        """Kedro's ``save``; when it fails, what it began to write is removed and a
        failure of the system (``OSError``) becomes ``DatasetSaveError``."""
        dataset = self[ds_name]
        fs = filesystem(dataset)
        target = self._target(dataset)
        before = _state(fs, target) if fs is not None and target else None
        try:
            super().save(ds_name, data)
        except Exception as error:
            removed = self._remove_partial(dataset, target, before)
            cause = os_error(error)
            if cause is None:
                raise
            raise DatasetSaveError(
                self._save_failure(ds_name, dataset, target, cause, removed)
            ) from error

    @staticmethod
    def _target(dataset: AbstractDataset) -> str | None:
        """The file a save of ``dataset`` writes: this run's version of it, or the
        dataset's own file when it is not versioned."""
        if is_versioned(dataset):
            try:
                return saved_path(dataset)
            except DatasetError:  # already saved in this run: Kedro says so itself
                return None
        return dataset_filepath(dataset)

    @staticmethod
    def _remove_partial(
        dataset: AbstractDataset, target: str | None, before: tuple | None
    ) -> str | None:
        """Remove what a failed save wrote; the path removed, or None."""
        fs = filesystem(dataset)
        if fs is None or not target:
            return None
        if is_versioned(dataset):
            version = save_version(dataset)
            folder = version_folder(dataset, version) if version else None
            if folder is None or not fs.exists(folder):
                return None
            fs.rm(folder, recursive=True)  # this run's folder: it held this save only
            clear_version_cache(dataset)
            return folder
        if _state(fs, target) in (before, None) or fs.isdir(target):
            return None  # untouched, or a folder another writer may own
        fs.rm(target)
        return target

    def _relative(self, path: str) -> str:
        if self.runs_folder is not None:
            try:
                return Path(path).relative_to(self.runs_folder).as_posix()
            except ValueError:
                pass
        return path

    def _save_failure(
        self,
        name: str,
        dataset: AbstractDataset,
        target: str | None,
        cause: OSError,
        removed: str | None,
    ) -> str:
        where = f" to '{self._relative(target)}'" if target else ""
        parts = [f"Could not save '{name}'{where}: {cause}."]
        if removed:
            parts.append(
                f"What it had written ({self._relative(removed)}) was removed, so no "
                "later load can pick up a half-written file."
            )
        if is_versioned(dataset):
            clear_version_cache(dataset)
            try:
                latest = dataset.resolve_load_version()
            except DatasetError:
                latest = None
            parts.append(
                f"The latest version of '{name}' stays {latest} (the last complete "
                "run's)."
                if latest
                else f"'{name}' has no complete version yet."
            )
        if cause.errno in (errno.ENOSPC, errno.EDQUOT):
            parts.append("Free space on that disk and run again.")
        else:
            parts.append("Fix the cause and run again.")
        return " ".join(parts)


def loaded_versions(
    catalog: DataCatalog, names: Iterable[str]
) -> dict[str, tuple[str, PurePosixPath]]:
    """``{name: (version, folder)}`` the versioned ``names`` resolve to for loading.

    Names without a saved version yet are left out (Kedro reports them when a node
    needs them).
    """
    found = {}
    for name in sorted(names):
        dataset = catalog.get(name)
        if not is_versioned(dataset):
            continue
        try:
            version = dataset.resolve_load_version()
        except Exception:  # noqa: BLE001 - Kedro raises several kinds for "none yet"
            continue
        if version is not None:
            found[name] = (version, PurePosixPath(version_folder(dataset, version)))
    return found


def output_folders(
    catalog: DataCatalog, names: Iterable[str]
) -> dict[str, tuple[str, PurePosixPath]]:
    """``{name: (version, folder)}`` the versioned ``names`` will be saved to."""
    found = {}
    for name in sorted(names):
        dataset = catalog.get(name)
        if not isinstance(dataset, AbstractVersionedDataset):
            continue
        version = save_version(dataset)
        if version is not None:
            found[name] = (version, PurePosixPath(version_folder(dataset, version)))
    return found
