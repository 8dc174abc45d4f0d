"""Seeded, stratified subsets and splits of labelled images, as index arrays.

Images stay uint8 and are never copied to float here: the model's own
``Rescaling`` layer scales them, so the saved model scores raw images.
"""

from __future__ import annotations

import math

import numpy as np

from dl_experiments.validation import DataValidationError


def stratified_subsample(
    images: np.ndarray, labels: np.ndarray, max_samples: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_samples`` images, every class in its original proportion.

    ``None`` (or a number at least the data's size) returns the data unchanged.
    The chosen images keep their original order.
    """
    if max_samples is None or max_samples >= len(labels):
        return images, labels
    from sklearn.model_selection import train_test_split  # noqa: PLC0415

    keep, _ = train_test_split(
        np.arange(len(labels)),
        train_size=max_samples,
        stratify=labels,
        random_state=seed,
    )
    keep = np.sort(keep)
    return images[keep], labels[keep]


def _check_split_sizes(
    labels: np.ndarray,
    validation_size: float,
    setting: str = "validation_size",
    held_out: str = "validation",
    dataset: str = "labels",
) -> None:
    """Fail with a clear message when the images are too few to stratify.

    Both parts need every class: at least one image per class in each, hence two
    images of every class and as many images in each part as there are classes.
    """
    classes, counts = np.unique(labels, return_counts=True)
    n_validation = math.ceil(len(labels) * validation_size)
    n_train = len(labels) - n_validation
    if (
        len(classes)
        and min(n_validation, n_train) >= len(classes)
        and counts.min() >= 2
    ):
        return
    by_class = {
        int(label): int(count) for label, count in zip(classes, counts, strict=True)
    }
    raise DataValidationError(
        dataset,
        [
            f"{len(labels)} images with class counts {by_class} are too few for a "
            f"stratified split with {setting}={validation_size} ({n_train} "
            f"training, {n_validation} {held_out} images for {len(classes)} "
            "classes); expected at least one image of every class in each part"
        ],
    )


def stratified_split_indices(
    labels: np.ndarray,
    validation_size: float,
    seed: int,
    *,
    held_out: tuple[str, str, str] = ("validation_size", "validation", "labels"),
) -> dict[str, np.ndarray]:
    """Indices of a seeded, stratified train / validation split of ``labels``.

    ``held_out`` names, for the message when the images are too few, the setting,
    the part held out and the dataset.

    Returns:
        ``{"train": ..., "validation": ...}``, sorted int64 index arrays that
        together cover every sample once.
    """
    _check_split_sizes(labels, validation_size, *held_out)
    from sklearn.model_selection import train_test_split  # noqa: PLC0415

    train, validation = train_test_split(
        np.arange(len(labels)),
        test_size=validation_size,
        stratify=labels,
        random_state=seed,
    )
    return {
        "train": np.sort(train).astype(np.int64),
        "validation": np.sort(validation).astype(np.int64),
    }
