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
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from kedro.framework.context import CatalogCommandsMixin
from kedro.io import AbstractDataset, AbstractVersionedDataset, DataCatalog
from kedro.io.core import Version

from dl_experiments.kedro_internals import (
    is_versioned,
    save_version,
    skip_versions,
    version_folder,
)
from dl_experiments.runs.records import RunStore, incomplete_versions


class RunAwareDataCatalog(DataCatalog, CatalogCommandsMixin):
    """Kedro's ``DataCatalog`` whose unpinned loads come from complete runs only."""

    runs_folder: Path | None = None

    def use_run_records(self, project_path: Path | str) -> None:
        """Resolve "latest" against the run records of ``project_path``."""
        self.runs_folder = Path(project_path)
        for dataset in self._datasets.values():
            self._filter(dataset)

    def excluded_versions(self) -> set[str]:
        """Run ids whose versions are not loaded unpinned (incomplete runs)."""
        if self.runs_folder is None:
            return set()
        return incomplete_versions(
            RunStore(self.runs_folder).records(), self._save_version
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
