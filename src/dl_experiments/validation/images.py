"""Checks for labelled image arrays, run before anything is trained on them."""

from __future__ import annotations

import numpy as np

from dl_experiments.validation.errors import DataValidationError


def validate_labelled_images(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    image_shape: tuple[int, int] | list[int],
    n_classes: int,
    channels: int = 1,
    images_name: str,
    labels_name: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Check that images and labels belong together; return them (labels as int64).

    Checks: images are ``(n, rows, cols)`` uint8 (colour: ``(n, rows, cols, 3)``)
    with the expected ``image_shape`` and ``channels``,
    labels are a vector of integers, both hold the same number of samples, and every
    label is a class index in ``0 .. n_classes - 1``. All problems are reported at
    once in a ``DataValidationError`` for ``images_name`` (a labels-only problem for
    ``labels_name``), naming what was found and what was expected. Vectorised.

    Args:
        images: The image array as loaded.
        labels: The label vector as loaded.
        image_shape: Expected ``(rows, cols)``.
        n_classes: Number of classes; labels must lie in ``[0, n_classes)``.
        channels: 1 (grayscale) or 3 (colour).
        images_name: Catalog name of the images, for messages.
        labels_name: Catalog name of the labels, for messages.
    """
    images = np.asarray(images)
    labels = np.asarray(labels)
    expected_shape = tuple(int(size) for size in image_shape)
    if channels != 1:
        expected_shape = (*expected_shape, channels)
    image_problems: list[str] = []
    if images.ndim != len(expected_shape) + 1 or images.shape[1:] != expected_shape:
        image_problems.append(
            f"images have shape {images.shape}; expected "
            f"(n, {', '.join(str(size) for size in expected_shape)})"
            + (" (data.channels: 3)" if channels != 1 else "")
        )
    if images.dtype != np.uint8:
        image_problems.append(
            f"images have dtype {images.dtype}; expected uint8 pixels (0-255)"
        )
    if len(images) == 0:
        image_problems.append("there are no images; expected at least one")
    if labels.ndim == 1 and len(labels) != len(images):
        image_problems.append(
            f"{len(images):,} images but {len(labels):,} labels in '{labels_name}'; "
            "expected one label per image (are the two files from the same split?)"
        )
    if image_problems:
        raise DataValidationError(images_name, image_problems)

    label_problems: list[str] = []
    if labels.ndim != 1:
        label_problems.append(f"labels have shape {labels.shape}; expected (n,)")
    elif not np.issubdtype(labels.dtype, np.integer):
        label_problems.append(f"labels have dtype {labels.dtype}; expected integers")
    else:
        outside = (labels < 0) | (labels >= n_classes)
        if outside.any():
            first = int(np.flatnonzero(outside)[0])
            label_problems.append(
                f"{int(outside.sum()):,} of {len(labels):,} labels are outside "
                f"0-{n_classes - 1}, e.g. {int(labels[first])} at position {first}; "
                f"expected class indices 0-{n_classes - 1}"
            )
    if label_problems:
        raise DataValidationError(labels_name, label_problems)
    return images, labels.astype(np.int64)
