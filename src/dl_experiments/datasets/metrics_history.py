"""Every saved version of a versioned JSON artifact, loaded at once (read-only)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

import fsspec
from kedro.io import AbstractDataset, DatasetError
from kedro.io.core import get_filepath_str, get_protocol_and_path


class MetricsHistoryDataset(AbstractDataset[None, dict[str, Any]]):
    """All versions of a versioned JSON file, as ``{version: content}``, oldest first.

    Point ``filepath`` at the same path as the versioned ``json.JSONDataset`` (for
    example ``data/08_reporting/wildfire/metrics.json``): Kedro keeps each run's file
    in ``<filepath>/<version>/<file name>``, and this dataset reads them all, so runs
    can be compared without any tracking service. Loading a path with no saved
    version gives an empty dict; saving is not supported.

    Versions of incomplete runs (killed, failed, still running) are left out:
    the project's catalog sets ``exclude_versions`` to a function that names them
    (``dl_experiments.runs``).
    """

    exclude_versions: Callable[[], set[str]] = staticmethod(set)

    def __init__(
        self,
        *,
        filepath: str,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        protocol, path = get_protocol_and_path(filepath)
        self._protocol = protocol
        self._filepath = PurePosixPath(path)
        self._fs = fsspec.filesystem(protocol, **(credentials or {}), **(fs_args or {}))
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "protocol": self._protocol}

    def _version_files(self) -> dict[str, str]:
        """``{version: path of that version's file}`` for every saved version."""
        root = get_filepath_str(self._filepath, self._protocol)
        if not self._fs.isdir(root):
            return {}
        found = {}
        excluded = self.exclude_versions()
        for folder in self._fs.ls(root, detail=False):
            version = PurePosixPath(folder).name
            if version in excluded:
                continue
            path = f"{root}/{version}/{self._filepath.name}"
            if self._fs.isfile(path):
                found[version] = path
        return dict(sorted(found.items()))

    def load(self) -> dict[str, Any]:
        """``{version: parsed JSON}`` for every saved version, oldest first."""
        history = {}
        for version, path in self._version_files().items():
            with self._fs.open(path, mode="r", encoding="utf-8") as file:
                try:
                    history[version] = json.load(file)
                except json.JSONDecodeError as exc:
                    raise DatasetError(
                        f"{path}: version {version} is not valid JSON ({exc}); "
                        "expected the JSON a pipeline run saved"
                    ) from exc
        return history

    def save(self, data: None) -> None:
        """Not supported: the versions are written by the dataset that owns them."""
        raise DatasetError(
            f"{type(self).__name__} is read-only; save {self._filepath} through "
            "its versioned JSON dataset instead"
        )

    def _exists(self) -> bool:
        return bool(self._version_files())
