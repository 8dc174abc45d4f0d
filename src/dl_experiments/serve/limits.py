"""What one request may hold (``--max-*`` options); over a limit, the answer is 413."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Per request: the body's bytes, records, images, and one image's pixels."""

    max_body_bytes: int = 16 * 1024 * 1024
    max_rows: int = 10_000
    max_images: int = 256
    max_image_pixels: int = 4096 * 4096
