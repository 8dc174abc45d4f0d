"""New images to score: a folder of image files or an IDX array, as one uint8 batch.

A folder is read by kedro-datasets' ``partitions.PartitionedDataset`` of
``pillow.ImageDataset`` (a dict of file name -> loader); an IDX file by
``dl_experiments.datasets.IDXDataset`` (an ``(n, rows, cols)`` array). Either way
the result is what the image models are trained on: ``(n, height, width, 1)``
uint8 grayscale, or ``(n, height, width, 3)`` colour. Images of another size or
mode are converted (by Pillow: grayscale by luminance, colour as RGB, then resized
with a Lanczos filter), never refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from kedro.io import DatasetError
from PIL import Image

from dl_experiments.validation import DataValidationError
from dl_experiments.validation.rows import OnInvalid

logger = logging.getLogger(__name__)

IMAGE = "image"
UINT8_MAX = 255
GRAYSCALE_NDIM = 3
COLOUR_CHANNELS = 3


def _convert(
    image: Image.Image, size: tuple[int, int], invert: bool, mode: str = "L"
) -> np.ndarray:
    """A PIL image as a uint8 array of ``size`` in ``mode`` (``L``: (height,
    width); ``RGB``: (height, width, 3))."""
    gray = image.convert(mode)
    height, width = size
    if gray.size != (width, height):
        gray = gray.resize((width, height), Image.Resampling.LANCZOS)
    array = np.asarray(gray, dtype=np.uint8)
    return UINT8_MAX - array if invert else array


def _from_files(
    images: Mapping[str, Callable[[], Image.Image]],
    size: tuple[int, int],
    invert: bool,
    mode: str = "L",
) -> tuple[list[str], list[np.ndarray], list[dict[str, str]], int]:
    names, arrays, problems, converted = [], [], [], 0
    height, width = size
    for name in sorted(images):
        try:
            image = images[name]()
            image.load()
        except (DatasetError, OSError, ValueError) as exc:  # unreadable or truncated
            problems.append(
                {
                    IMAGE: name,
                    "problem": "cannot be read as an image "
                    f"({str(exc).splitlines()[-1]}); expected a "
                    "PNG, JPEG or another format Pillow reads",
                }
            )
            continue
        if image.mode != mode or image.size != (width, height):
            converted += 1
        names.append(name)
        arrays.append(_convert(image, size, invert, mode))
    return names, arrays, problems, converted


def _from_array(
    images: np.ndarray, size: tuple[int, int], invert: bool, dataset: str, mode: str
) -> np.ndarray:
    array = np.asarray(images)
    colour = mode == "RGB"
    if not colour and array.ndim == GRAYSCALE_NDIM + 1 and array.shape[-1] == 1:
        array = array[..., 0]
    ndim = GRAYSCALE_NDIM + colour
    if (
        array.ndim != ndim
        or (colour and array.shape[-1] != COLOUR_CHANNELS)
        or not np.issubdtype(array.dtype, np.integer)
    ):
        expected = (
            "(n, rows, cols, 3) integer colour"
            if colour
            else "(n, rows, cols) integer grayscale"
        )
        raise DataValidationError(
            dataset,
            [
                f"holds an array of shape {array.shape} and dtype {array.dtype}; "
                f"expected {expected} images"
            ],
        )
    if array.size and (array.min() < 0 or array.max() > UINT8_MAX):
        raise DataValidationError(
            dataset,
            [f"pixel values range {array.min()}..{array.max()}; expected 0..255"],
        )
    array = array.astype(np.uint8, copy=False)
    if array.shape[1:3] != size:
        logger.info(
            "Dataset '%s': resizing %d images from %s to %s",
            dataset,
            len(array),
            array.shape[1:],
            size,
        )
        array = np.stack(
            [_convert(Image.fromarray(image), size, False, mode) for image in array]
        )
    return UINT8_MAX - array if invert else array


def image_batch(
    images: Mapping[str, Callable[[], Image.Image]] | np.ndarray,
    size: tuple[int, int],
    dataset: str,
    *,
    invert: bool = False,
    on_invalid: OnInvalid = "fail",
    channels: int = 1,
) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    """Turn a folder of images or an IDX array into one batch to score.

    Returns ``(batch, ids, rejects)``: ``batch`` is ``(n, height, width, channels)``
    uint8;
    ``ids`` has one ``image`` column (the file name without its suffix, or the
    0-based position in the IDX file); ``rejects`` lists files that could not be
    read (with ``on_invalid="reject"``; otherwise they raise one error naming
    every such file). ``invert`` turns dark-on-light photos into the light-on-dark
    look of Fashion-MNIST.
    """
    size = (int(size[0]), int(size[1]))
    mode = "RGB" if channels == COLOUR_CHANNELS else "L"
    rejects = pd.DataFrame(columns=[IMAGE, "problem"])
    if isinstance(images, Mapping):
        names, arrays, problems, converted = _from_files(images, size, invert, mode)
        if problems and (on_invalid == "fail" or not arrays):
            raise DataValidationError(
                dataset,
                [f"file '{line[IMAGE]}' {line['problem']}" for line in problems]
                + ([] if arrays else ["no readable image left to score"]),
            )
        if problems:
            rejects = pd.DataFrame(problems, columns=[IMAGE, "problem"])
            logger.warning(
                "Dataset '%s': %d unreadable file(s) rejected; %d scored",
                dataset,
                len(problems),
                len(arrays),
            )
        if converted:
            logger.info(
                "Dataset '%s': %d of %d images converted to %dx%d %s",
                dataset,
                converted,
                len(arrays),
                *size,
                mode,
            )
        if not arrays:
            raise DataValidationError(dataset, ["holds no images; expected at least 1"])
        batch = np.stack(arrays)
        ids = pd.DataFrame({IMAGE: names})
    else:
        batch = _from_array(images, size, invert, dataset, mode)
        if not len(batch):
            raise DataValidationError(dataset, ["holds no images; expected at least 1"])
        ids = pd.DataFrame({IMAGE: np.arange(len(batch))})
    return (batch if mode == "RGB" else batch[..., np.newaxis]), ids, rejects
