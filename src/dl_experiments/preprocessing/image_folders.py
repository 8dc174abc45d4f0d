"""Labelled image files (``datasets.ImageFolderDataset``) as uint8 arrays.

The class of a file is its folder; label i is ``class_names[i]``. Every file is
decoded by Pillow and checked before anything is trained on it: a file that
cannot be read (truncated, not an image), or of another size or mode than the
parameters say (unless ``data.convert``), is an error naming the file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from kedro.io import DatasetError
from PIL import Image

from dl_experiments.config import ImageDataConfig
from dl_experiments.validation import DataValidationError

MODES = {1: "L", 3: "RGB"}
LISTED = 10  # files named in one message


def folder_labels(
    folders: Sequence[str], class_names: list[str], dataset: str
) -> np.ndarray:
    """Each file's class folder as its index in ``class_names`` (int64)."""
    folders = np.asarray(folders, dtype=object)
    found = sorted(set(folders.tolist()))
    unknown = [name for name in found if name not in class_names]
    missing = [name for name in class_names if name not in found]
    problems = []
    if unknown:
        problems.append(
            f"class folders {unknown} are not in data.class_names {class_names}; "
            "expected one folder per class name"
        )
    if missing:
        problems.append(f"has no folder for the classes {missing}; expected a folder each")
    if problems:
        raise DataValidationError(dataset, problems)
    index = {name: position for position, name in enumerate(class_names)}
    return np.array([index[name] for name in folders], dtype=np.int64)


def _problem(name: str, image: Image.Image, data: ImageDataConfig) -> str | None:
    height, width = data.image_shape
    wanted = MODES[data.channels]
    found = []
    if image.mode != wanted:
        found.append(f"mode {image.mode}")
    if image.size != (width, height):
        found.append(f"size {image.size[1]}x{image.size[0]}")
    if not found:
        return None
    return (
        f"file '{name}' has {' and '.join(found)}; expected {height}x{width} "
        f"{wanted} (data.image_shape, data.channels), or data.convert: true"
    )


def decode_files(
    files: Mapping[str, Callable[[], Image.Image]],
    names: Sequence[str],
    data: ImageDataConfig,
    dataset: str,
) -> np.ndarray:
    """The files ``names`` as one uint8 array, ``(n, rows, cols)`` for grayscale
    and ``(n, rows, cols, 3)`` for colour; every problem found is raised at once."""
    height, width = data.image_shape
    shape = (len(names), height, width) + ((3,) if data.channels == 3 else ())  # noqa: PLR2004
    images = np.empty(shape, dtype=np.uint8)
    problems: list[str] = []
    for position, name in enumerate(names):
        try:
            image = files[name]()
            image.load()
        except (DatasetError, OSError, ValueError, SyntaxError) as exc:
            problems.append(
                f"file '{name}' cannot be read as an image "
                f"({str(exc).splitlines()[-1]}); expected a PNG, JPEG or another "
                "format Pillow reads"
            )
            continue
        problem = _problem(name, image, data)
        if problem and not data.convert:
            problems.append(problem)
            continue
        if problem:
            image = image.convert(MODES[data.channels])
            if image.size != (width, height):
                image = image.resize((width, height), Image.Resampling.LANCZOS)
        images[position] = np.asarray(image, dtype=np.uint8)
    if problems:
        more = len(problems) - LISTED
        raise DataValidationError(
            dataset,
            problems[:LISTED] + ([f"... and {more} more such files"] if more > 0 else []),
        )
    return images
