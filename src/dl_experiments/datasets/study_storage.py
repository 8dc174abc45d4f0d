"""Where a study's default storage lives: a folder the catalog names."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from kedro.io import AbstractDataset, DatasetError


class StudyStorageDataset(AbstractDataset[None, str]):
    """Loads the absolute path of the folder that holds a study's journal file.

    Kedro makes the catalog's relative ``filepath`` absolute against the project,
    so a study finds its storage from any working directory. Loading returns the
    path only; the study opens the file itself, through Optuna. Not savable.
    """

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None) -> None:
        self._filepath = PurePosixPath(filepath)
        self.metadata = metadata

    def load(self) -> str:
        """The folder's path (it may not exist yet)."""
        return str(self._filepath)

    def save(self, data: None) -> None:
        """Not supported: a study's storage is written by Optuna."""
        raise DatasetError(
            f"StudyStorageDataset '{self._filepath}' is read-only: Optuna writes it"
        )

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}

    def _exists(self) -> bool:
        return True
