"""The "not drawn" figure: what a run saves where a figure does not apply to its
data (an error map without map columns), and how to tell it from a real one.

No matplotlib at import: the report reads the reason from the PNG's text.
"""

from __future__ import annotations

import zlib
from typing import Any

# The PNG text key that marks a figure as not drawn; its value says why.
NOT_DRAWN_KEY = "dl_experiments.not_drawn"


def not_drawn(reason: str) -> Any:
    """A small figure saying why a figure was not drawn (for example an error map
    when the data has no map columns). The report and the tracker show the reason
    instead of an image; kedro-viz previews the text."""
    from matplotlib.figure import Figure  # noqa: PLC0415

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


