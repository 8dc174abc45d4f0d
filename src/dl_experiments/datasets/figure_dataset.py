"""A versioned PNG figure that can also be loaded back (as PNG bytes)."""

from __future__ import annotations

from kedro_datasets.matplotlib import MatplotlibDataset


class FigureDataset(MatplotlibDataset):
    """``matplotlib.MatplotlibDataset`` that loads what it saved, as PNG bytes.

    kedro-datasets' figure dataset is write-only; reports, notebooks and the
    experiment tracker read the saved PNGs back through the catalog instead of
    opening files themselves. Saving (and versioning) is unchanged.
    """

    def load(self) -> bytes:  # type: ignore[override]
        """The PNG bytes of the saved figure (the latest version unless pinned)."""
        with self._fs.open(self._get_load_path().as_posix(), mode="rb") as file:
            return file.read()
