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
from typing import Any

from kedro.io.core import (
    DatasetError,
    Version,
)

from dl_experiments.datasets.file_dataset import VersionedFileDataset


class UnsafeArtifactError(DatasetError):
    """A saved artifact holds types that were not declared trusted, or is no skops file."""


class SkopsDataset(VersionedFileDataset):
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
        self._trusted = sorted(trusted or [])
        super().__init__(filepath, version, credentials, fs_args, metadata)

    def _describe(self) -> dict[str, Any]:
        return super()._describe() | {"trusted": self._trusted}

    def load(self) -> Any:
        """The object, rebuilt from data; untrusted types raise ``UnsafeArtifactError``."""
        import skops.io as sio  # noqa: PLC0415 - only when a model is loaded

        raw, path = self._read_bytes()
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

        self._write_bytes(sio.dumps(data))
