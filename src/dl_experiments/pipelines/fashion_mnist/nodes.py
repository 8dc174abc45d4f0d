"""Fashion-MNIST-specific nodes; training and reporting are the shared ones."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_experiments.evaluation.reporting import (
    classification_figures,
    evaluate_classification,
)
from dl_experiments.pipelines.fashion_mnist.params import (
    ImageDataConfig,
    ValidationSplitConfig,
)
from dl_experiments.preprocessing.image_sets import (
    stratified_split_indices,
    stratified_subsample,
)
from dl_experiments.validation import parse_params
from dl_experiments.validation.images import validate_labelled_images

NAMESPACE = "fashion_mnist"


def _validate(
    images: np.ndarray, labels: np.ndarray, data: dict, part: str
) -> tuple[np.ndarray, np.ndarray]:
    config = parse_params(ImageDataConfig, data, f"{NAMESPACE}.data")
    return validate_labelled_images(
        images,
        labels,
        image_shape=config.image_shape,
        n_classes=len(config.class_names),
        images_name=f"{NAMESPACE}.{part}_images",
        labels_name=f"{NAMESPACE}.{part}_labels",
    )


def validate_train_images(
    images: np.ndarray, labels: np.ndarray, data: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Check the training images and labels belong together (count, shape, 0-9)."""
    return _validate(images, labels, data, "train")


def validate_test_images(
    images: np.ndarray, labels: np.ndarray, data: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Check the test images and labels belong together (count, shape, 0-9)."""
    return _validate(images, labels, data, "test")


def split_training_images(
    labels: np.ndarray, data: dict, split: dict, seed: int
) -> dict[str, np.ndarray]:
    """Indices of the training and validation images (seeded, stratified).

    With ``data.max_train_images`` set, a stratified subsample of that size is
    split instead of all images. Indices refer to the training file's order.
    """
    data_config = parse_params(ImageDataConfig, data, f"{NAMESPACE}.data")
    split_config = parse_params(ValidationSplitConfig, split, f"{NAMESPACE}.split")
    positions = np.arange(len(labels))
    positions, _ = stratified_subsample(
        positions, labels, data_config.max_train_images, seed
    )
    parts = stratified_split_indices(
        labels[positions], split_config.validation_size, seed
    )
    return {name: positions[index] for name, index in parts.items()}


def select_test_images(
    images: np.ndarray, labels: np.ndarray, data: dict, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The test images the model is judged on: all, or a stratified subsample."""
    config = parse_params(ImageDataConfig, data, f"{NAMESPACE}.data")
    return stratified_subsample(images, labels, config.max_test_images, seed)


def evaluate(
    predictions: pd.DataFrame, training_history: dict[str, Any], data: dict
) -> dict[str, Any]:
    """Test-set metrics with class names, and what the training cost."""
    config = parse_params(ImageDataConfig, data, f"{NAMESPACE}.data")
    metrics = evaluate_classification(predictions, None, list(config.class_names))
    keys = (
        "epochs_run",
        "best_epoch",
        "training_seconds",
        "training_cpu_seconds",
        "samples_per_second",
    )
    training = {key: training_history[key] for key in keys if key in training_history}
    return metrics | {"training": training}


def plot_evaluation(
    predictions: pd.DataFrame, class_names: list[str]
) -> dict[str, Figure]:
    """Confusion matrix (counts and row-normalised) and one-vs-rest ROC / PR curves
    for every class, with per-class AUC in the legend."""
    return classification_figures(predictions, None, list(class_names))
