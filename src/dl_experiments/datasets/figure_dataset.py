"""A versioned PNG figure that can also be loaded back (as PNG bytes), and the
"not drawn" figure a run saves where a figure does not apply to its data."""

from __future__ import annotations

import io
import zlib

from kedro.io.core import get_filepath_str
from kedro_datasets.matplotlib import MatplotlibDataset
from matplotlib.figure import Figure

# The PNG text key that marks a figure as not drawn; its value says why.
NOT_DRAWN_KEY = "dl_experiments.not_drawn"


def not_drawn(reason: str) -> Figure:
    """A small figure saying why a figure was not drawn (for example an error map
    when the data has no map columns). The report and the tracker show the reason
    instead of an image; kedro-viz previews the text."""
    figure = Figure(figsize=(6, 0.8))
    figure.text(0.5, 0.5, f"Not drawn: {reason}", ha="center", va="center", wrap=True)
    figure.not_drawn = reason  # type: ignore[attr-defined]
    return figure


def not_drawn_reason(png: bytes) -> str | None:
    """The reason stored in a "not drawn" PNG, or ``None`` for a real figure."""
    position = 8  # after the PNG signature: chunks of length, type, data, CRC
    while position + 8 <= len(png):
        length = int.from_bytes(png[position : position + 4], "big")
        kind = png[position + 4 : position + 8]
        data = png[position + 8 : position + 8 + length]
        if kind == b"tEXt":
            key, _, value = data.partition(b"\0")
            if key.decode("latin-1") == NOT_DRAWN_KEY:
                return value.decode("latin-1")
        elif kind == b"zTXt":
            key, _, rest = data.partition(b"\0")
            if key.decode("latin-1") == NOT_DRAWN_KEY:
                return zlib.decompress(rest[1:]).decode("latin-1")
        elif kind == b"IEND":
            break
        position += 12 + length
    return None


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
