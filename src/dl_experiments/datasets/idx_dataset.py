"""IDX files (the MNIST / Fashion-MNIST format) as a Kedro dataset.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of
dimensions), one big-endian int32 size per dimension, then the values in C order.
Images are ``0x00000803`` (n x rows x columns, uint8), labels ``0x00000801`` (n).
"""

from __future__ import annotations

import base64
import gzip
import io
import math
import os
import zlib
from typing import Any, Literal

import numpy as np
from kedro.io.core import (
    DatasetError,
    Version,
)
from kedro_datasets._typing import ImagePreview

from dl_experiments.datasets.file_dataset import VersionedFileDataset

GZIP_MAGIC = b"\x1f\x8b"

# IDX type code -> big-endian NumPy dtype.
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
TYPE_CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_TYPES.items()}

# What each kind of file must hold: the number of dimensions (the magic's last byte);
# colour images are (n, rows, cols, 3).
KIND_DIMENSIONS = {"images": 3, "labels": 1}
COLOUR_DIMENSIONS = 4
Kind = Literal["images", "labels"]


def _fits(kind: Kind, ndim: int) -> bool:
    """Whether ``ndim`` dimensions hold ``kind`` (images: grayscale or colour)."""
    return ndim == KIND_DIMENSIONS[kind] or (
        kind == "images" and ndim == COLOUR_DIMENSIONS
    )


class IDXFormatError(DatasetError):
    """A file is not a readable IDX file of the expected kind."""


def _magic(type_code: int, ndim: int) -> str:
    return f"0x0000{type_code:02X}{ndim:02X}"


def decode_idx(raw: bytes, source: str, kind: Kind | None = None) -> np.ndarray:
    """Parse the bytes of an IDX file (already decompressed) into an array.

    Vectorised: the data block becomes an array with one ``np.frombuffer`` call.
    Every error names ``source``, what was found and what was expected.
    """
    where = f"IDX file '{source}'"
    if len(raw) < 4:
        raise IDXFormatError(
            f"{where} is truncated: {len(raw)} byte(s), shorter than the 4-byte "
            "magic number"
        )
    zeros, type_code, ndim = raw[:2], raw[2], raw[3]
    found = f"0x{raw[:4].hex().upper()}"
    if zeros != b"\x00\x00" or type_code not in IDX_TYPES or ndim == 0:
        raise IDXFormatError(
            f"{where} is not an IDX file: magic number {found}; expected 0x0000TTDD "
            f"with a type code TT in {[f'{c:02X}' for c in IDX_TYPES]} and DD >= 1 "
            "dimensions (images 0x00000803, labels 0x00000801)"
        )
    if kind is not None and not _fits(kind, ndim):
        expected = _magic(0x08, KIND_DIMENSIONS[kind])
        actual = {3: "an images file", 1: "a labels file"}.get(ndim, f"{ndim}-D data")
        raise IDXFormatError(
            f"{where} holds {actual} (magic number {found}, {ndim} dimension(s)); "
            f"expected {kind} ({expected}, {KIND_DIMENSIONS[kind]} dimension(s)). "
            "Check that the catalog entry points at the right file."
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXFormatError(
            f"{where} is truncated: {len(raw)} bytes, shorter than its {header}-byte "
            f"header ({ndim} dimension sizes after the magic number)"
        )
    shape = tuple(int(size) for size in np.frombuffer(raw, ">u4", ndim, 4))
    dtype = IDX_TYPES[type_code]
    # Python integers: a header's sizes can multiply past int64 (and wrap to 0).
    expected_bytes = math.prod(shape) * dtype.itemsize
    data_bytes = len(raw) - header
    if data_bytes != expected_bytes:
        problem = "is truncated" if data_bytes < expected_bytes else "is corrupt"
        raise IDXFormatError(
            f"{where} {problem}: the header promises shape {shape} of {dtype.name} "
            f"({expected_bytes:,} data bytes) but the file has {data_bytes:,} data "
            "bytes after the header"
        )
    values = np.frombuffer(raw, dtype, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="), copy=False)


def _idx_integer_dtype(array: np.ndarray) -> np.dtype:
    """The smallest IDX integer type holding every value of an integer array."""
    low, high = (int(array.min()), int(array.max())) if array.size else (0, 0)
    for dtype in (np.uint8, np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return np.dtype(dtype)
    raise DatasetError(
        f"cannot write integers from {low} to {high} as IDX; expected values that "
        "fit in int32"
    )


def encode_idx(data: np.ndarray) -> bytes:
    """The IDX bytes of an array (uint8, int8, int16, int32, float32, float64).

    Other integer arrays (int64 labels, say) are written as the smallest IDX
    integer type that holds their values (uint8 for class indices 0-9).
    """
    array = np.asarray(data)
    if array.dtype.kind in "iub" and array.dtype.newbyteorder("=") not in TYPE_CODES:
        array = array.astype(_idx_integer_dtype(array))
    native = array.dtype.newbyteorder("=")
    if native not in TYPE_CODES or array.ndim == 0 or array.ndim > 255:
        raise DatasetError(
            f"cannot write an array of dtype {array.dtype} with {array.ndim} "
            "dimension(s) as IDX; expected 1-255 dimensions of uint8, int8, int16, "
            "int32, float32 or float64"
        )
    code = TYPE_CODES[native]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    return header + np.ascontiguousarray(array, IDX_TYPES[code]).tobytes()


def decompress(raw: bytes, source: str) -> bytes:
    """Gunzip ``raw`` when it starts with the gzip magic bytes; else return it."""
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise IDXFormatError(
            f"IDX file '{source}' starts like a gzip file but cannot be "
            f"decompressed ({type(exc).__name__}: {exc}); expected a complete "
            "gzip stream (the download may be cut short or damaged)"
        ) from None


class IDXDataset(VersionedFileDataset):
    """An IDX file, gzip-compressed or not, loaded as a NumPy array.

    Compression is recognised by the file's first bytes, not by its name. ``kind``
    (``images`` or ``labels``) makes loading check that the file holds that kind
    of data. Saving writes IDX, gzip-compressed when ``save_args.compress`` is true
    (by default when the path ends in ``.gz``).

    Example:
        ```yaml
        fashion_mnist.train_images:
          type: dl_experiments.datasets.IDXDataset
          filepath: data/01_raw/train-images-idx3-ubyte.gz
          kind: images
        ```
    """

    def __init__(  # noqa: PLR0913
        self,
        *,
        filepath: str | os.PathLike,
        kind: Kind | None = None,
        save_args: dict[str, Any] | None = None,
        version: Version | None = None,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Create an IDX dataset.

        Args:
            filepath: Path to the file, optionally with an fsspec protocol prefix.
            kind: ``images`` (3 dimensions) or ``labels`` (1 dimension); checked
                on load. ``None`` accepts any IDX file.
            save_args: ``compress`` (bool) and ``compresslevel`` (0-9, default 6).
            version: Kedro version (load / save timestamps), or ``None``.
            credentials: Passed to the fsspec filesystem.
            fs_args: Passed to the fsspec filesystem constructor.
            metadata: Ignored by Kedro; for plugins such as kedro-viz.
        """
        if kind is not None and kind not in KIND_DIMENSIONS:
            raise DatasetError(
                f"IDXDataset '{filepath}': kind={kind!r}; expected one of "
                f"{sorted(KIND_DIMENSIONS)} or no kind"
            )
        self._kind = kind
        self._save_args = {
            "compress": str(filepath).endswith(".gz"),
            "compresslevel": 6,
            **(save_args or {}),
        }
        super().__init__(filepath, version, credentials, fs_args, metadata)

    def _describe(self) -> dict[str, Any]:
        return super()._describe() | {"kind": self._kind}

    def load(self) -> np.ndarray:
        """The file's values as an array (uint8 ``(n, rows, cols)`` for images)."""
        raw, path = self._read_bytes()
        return decode_idx(decompress(raw, path), path, self._kind)

    def save(self, data: np.ndarray) -> None:
        """Write ``data`` as IDX (gzip-compressed if configured)."""
        array = np.asarray(data)
        if self._kind is not None and not _fits(self._kind, array.ndim):
            raise DatasetError(
                f"IDX file '{self._filepath}' is for {self._kind} "
                f"({KIND_DIMENSIONS[self._kind]} dimension(s)); got an array of "
                f"shape {array.shape}"
            )
        raw = encode_idx(array)
        if self._save_args["compress"]:
            raw = gzip.compress(
                raw, compresslevel=self._save_args["compresslevel"], mtime=0
            )
        self._write_bytes(raw)

    def preview(self, count: int = 32, columns: int = 8, scale: int = 2) -> ImagePreview:
        """A PNG (base64) for kedro-viz: a grid of the first ``count`` images, or for
        a labels file one bar per label value (its count over the whole file)."""
        data = self.load()
        if data.ndim in (3, COLOUR_DIMENSIONS):
            grid = image_grid(data[:count], columns=columns, scale=scale)
        else:
            grid = label_bars(data)
        return ImagePreview(png_base64(grid))



def _to_uint8(images: np.ndarray) -> np.ndarray:
    if images.dtype == np.uint8:
        return images
    images = images.astype(np.float64)
    low, high = float(images.min(initial=0)), float(images.max(initial=1))
    return ((images - low) / ((high - low) or 1) * 255).astype(np.uint8)


def image_grid(images: np.ndarray, columns: int = 8, scale: int = 2, gap: int = 2) -> np.ndarray:
    """The images side by side, ``columns`` a row, on a white background, each
    enlarged ``scale`` times (nearest neighbour)."""
    images = _to_uint8(np.asarray(images))
    if len(images) == 0:
        return np.full((1, 1), 255, dtype=np.uint8)
    images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    n, height, width = images.shape[:3]
    columns = max(1, min(columns, n))
    rows = -(-n // columns)
    grid = np.full(
        (rows * (height + gap) + gap, columns * (width + gap) + gap, *images.shape[3:]),
        255,
        dtype=np.uint8,
    )
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = gap + row * (height + gap), gap + column * (width + gap)
        grid[top : top + height, left : left + width] = image
    return grid


def label_bars(labels: np.ndarray, height: int = 60, width: int = 16) -> np.ndarray:
    """One dark bar per label value, as tall as its share of the most frequent one."""
    values, counts = np.unique(np.asarray(labels).astype(np.int64), return_counts=True)
    if len(values) == 0:
        return np.full((1, 1), 255, dtype=np.uint8)
    image = np.full((height + 4, len(values) * (width + 4) + 4), 255, dtype=np.uint8)
    for index, count in enumerate(counts):
        bar = max(1, round(height * count / counts.max()))
        left = 4 + index * (width + 4)
        image[4 + height - bar : 4 + height, left : left + width] = 40
    return image


def png_base64(pixels: np.ndarray) -> str:
    """A grayscale ``(rows, cols)`` or colour ``(rows, cols, 3)`` uint8 array as a
    base64-encoded PNG."""
    from PIL import Image  # noqa: PLC0415 - only for previews

    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L" if pixels.ndim == 2 else "RGB").save(  # noqa: PLR2004
        buffer, format="PNG"
    )
    return base64.b64encode(buffer.getvalue()).decode("ascii")
