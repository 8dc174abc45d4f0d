"""A versioned PNG figure that can also be loaded back (as PNG bytes), saving a
"not drawn" figure (``dl_experiments.not_drawn``) with its reason."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from kedro.io.core import get_filepath_str
from kedro_datasets.matplotlib import MatplotlibDataset

from dl_experiments.not_drawn import NOT_DRAWN_KEY, not_drawn, not_drawn_reason

if TYPE_CHECKING:  # matplotlib loads when a figure is drawn, not with the catalog
    from matplotlib.figure import Figure

class FigureDataset(MatplotlibDataset):
    """``matplotlib.MatplotlibDataset`` that loads what it saved, as PNG bytes.

    kedro-datasets' figure dataset is write-only; reports, notebooks and the
    experiment tracker read the saved PNGs back through the catalog instead of
    opening files themselves. Saving (and versioning) is unchanged, except that a
    ``not_drawn(reason)`` figure is saved with the reason in the PNG's text.
    """

    def save(self, data: Figure) -> None:
        """Save the figure as a new version (a "not drawn" one with its reason)."""
        reason = getattr(data, "not_drawn", None)
        if reason is None:
            super().save(data)
            return
        buffer = io.BytesIO()
        data.savefig(buffer, format="png", metadata={NOT_DRAWN_KEY: reason})
        path = get_filepath_str(self._get_save_path(), self._protocol)
        with self._fs.open(path, mode="wb") as file:
            file.write(buffer.getvalue())
        self._invalidate_cache()

    def load(self) -> bytes:  # type: ignore[override]
        """The PNG bytes of the saved figure (the latest version unless pinned)."""
        with self._fs.open(self._get_load_path().as_posix(), mode="rb") as file:
            return file.read()


__all__ = ["FigureDataset", "not_drawn", "not_drawn_reason"]
