"""Fitted scikit-learn objects in skops' format, loaded without running their code.

A pickle runs whatever its bytes ask for while it is read, so a tampered
``preprocessor.pkl`` is arbitrary code. ``skops.io`` stores the object's state as
data (JSON plus NumPy arrays in a zip) and rebuilds only types it is told to trust:
scikit-learn's and NumPy's own, plus the ``trusted`` names listed in the catalog
entry. Anything else, and anything that is not a skops file, is refused with an
error naming the file; nothing from the file is executed.
"""

from __future__ import annotations

import os
import zipfile
from copy import deepcopy
from pathlib import PurePosixPath
from typing import Any

import fsspec
from kedro.io.core import (
    AbstractVersionedDataset,
    DatasetError,
    Version,
    get_filepath_str,
    get_protocol_and_path,
)


class UnsafeArtifactError(DatasetError):
    """A saved artifact holds types that were not declared trusted, or is no skops file."""


class SkopsDataset(AbstractVersionedDataset[Any, Any]):
    """A fitted scikit-learn object saved with ``skops.io``, versioned like any artifact.

    Example:
        ```yaml
        "{namespace}.preprocessor":
          type: dl_experiments.datasets.SkopsDataset
          filepath: data/06_models/{namespace}/preprocessor.skops
          versioned: true
          trusted:
            - dl_experiments.preprocessing.transformers.QuantileClipper
        ```
    """

    def __init__(  # noqa: PLR0913
        self,
        *,
        filepath: str | os.PathLike,
        trusted: list[str] | None = None,
        version: Version | None = None,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Create a skops dataset.

        Args:
            filepath: Path to the file, optionally with an fsspec protocol prefix.
            trusted: Fully qualified names of the types and functions, beyond
                skops' defaults (scikit-learn, NumPy, SciPy), that loading may
                rebuild. Every other type in the file is refused.
            version: Kedro version (load / save timestamps), or ``None``.
            credentials: Passed to the fsspec filesystem.
            fs_args: Passed to the fsspec filesystem constructor.
            metadata: Ignored by Kedro; for plugins such as kedro-viz.
        """
        protocol, path = get_protocol_and_path(str(filepath), version)
        fs_options = deepcopy(fs_args) or {}
        if protocol == "file":
            fs_options.setdefault("auto_mkdir", True)
        self._protocol = protocol
        self._fs = fsspec.filesystem(protocol, **(credentials or {}), **fs_options)
        self._trusted = sorted(trusted or [])
        self.metadata = metadata
        super().__init__(
            filepath=PurePosixPath(path),
            version=version,
            exists_function=self._fs.exists,
            glob_function=self._fs.glob,
        )

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": self._filepath,
            "protocol": self._protocol,
            "trusted": self._trusted,
            "version": self._version,
        }

    def load(self) -> Any:
        """The object, rebuilt from data; untrusted types raise ``UnsafeArtifactError``."""
        import skops.io as sio  # noqa: PLC0415 - only when a model is loaded

        path = get_filepath_str(self._get_load_path(), self._protocol)
        with self._fs.open(path, mode="rb") as file:
            raw = file.read()
        try:
            untrusted = sio.get_untrusted_types(data=raw)
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
            raise UnsafeArtifactError(
                f"'{path}' is not a skops file ({type(exc).__name__}: {exc}); "
                "expected the zip written by skops.io.dump. Nothing in it was run. "
                "Re-create it by running the training pipeline."
            ) from None
        refused = sorted(set(untrusted) - set(self._trusted))
        if refused:
            raise UnsafeArtifactError(
                f"'{path}' holds types that are not trusted: {refused}; expected only "
                f"scikit-learn / NumPy types and {self._trusted}. Nothing in it was "
                "run. If the file is yours, add the names to the catalog entry's "
                "'trusted' list."
            )
        try:
            return sio.loads(raw, trusted=self._trusted)
        except Exception as exc:  # skops raises many kinds for a damaged file
            raise UnsafeArtifactError(
                f"'{path}' cannot be read as a skops file ({type(exc).__name__}: "
                f"{exc}); expected the zip written by skops.io.dump"
            ) from exc

    def save(self, data: Any) -> None:
        """Write ``data`` with ``skops.io.dumps``."""
        import skops.io as sio  # noqa: PLC0415 - only when a model is saved

        path = get_filepath_str(self._get_save_path(), self._protocol)
        with self._fs.open(path, mode="wb") as file:
            file.write(sio.dumps(data))
        self._fs.invalidate_cache(path)

    def _exists(self) -> bool:
        try:
            path = get_filepath_str(self._get_load_path(), self._protocol)
        except DatasetError:
            return False
        return self._fs.exists(path)
