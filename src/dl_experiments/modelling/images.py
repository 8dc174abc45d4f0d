"""Kedro nodes that train and apply a Keras CNN on labelled uint8 images."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from dl_experiments.config import CNNConfig, TrainingConfig
from dl_experiments.modelling import KerasModel
from dl_experiments.modelling.tabular import PREDICT_BATCH


def with_channel_axis(images: np.ndarray) -> np.ndarray:
    """``(n, rows, cols)`` grayscale images as ``(n, rows, cols, 1)`` (a view)."""
    images = np.asarray(images)
    return images[..., np.newaxis] if images.ndim == 3 else images


def train_image_classifier(  # noqa: PLR0913 - a training node's inputs
    images: np.ndarray,
    labels: np.ndarray,
    split: dict[str, np.ndarray],
    class_names: list[str],
    model: CNNConfig,
    training: TrainingConfig,
    seed: int,
) -> tuple[KerasModel, dict[str, Any]]:
    """Train a CNN on ``split["train"]`` images, validated on ``split["validation"]``.

    One softmax output per entry of ``class_names``.

    Images go in as uint8 (the model rescales them itself); only the index arrays
    select the two parts, so no float copy of the data set is ever made. The
    tf.data pipeline (cache, seeded shuffle, batch, augmentation, prefetch) is the
    shared one of ``train_keras_model``; extra callbacks come from
    ``modelling.callbacks``. With ``model.test_time_shifts`` the returned model
    averages the trained network over the shifted copies of each image, and the
    history records its validation accuracy with and without them. The batch
    normalisation's momentum follows ``model.momentum`` of the steps per epoch.
    """
    from dl_experiments.modelling.augmentation import image_augmenter  # noqa: PLC0415
    from dl_experiments.modelling.builders import (  # noqa: PLC0415
        build_cnn,
        with_test_time_shifts,
    )
    from dl_experiments.modelling.training import train_keras_model  # noqa: PLC0415

    images = with_channel_axis(images)
    labels = np.asarray(labels, dtype=np.int64)
    train, validation = split["train"], split["validation"]
    momentum = model.momentum(math.ceil(len(train) / training.batch_size))
    trained, history = train_keras_model(
        lambda: build_cnn(
            images.shape[1:3], len(class_names), model, images.shape[3], momentum
        ),
        "multiclass",
        (images[train], labels[train]),
        (images[validation], labels[validation]),
        training,
        seed,
        augment=image_augmenter(model.augmentation, seed),
    )
    history["batch_norm_momentum"] = round(momentum, 6)
    if not model.test_time_shifts:
        return trained, history
    shifted = with_test_time_shifts(trained, model.test_time_shifts)
    scores = {}
    for key, scorer in (("without", trained), ("with", shifted)):
        scored = predict_images(scorer, images[validation], labels[validation])
        probabilities = scored.drop(columns="y_true").to_numpy()
        scores[key] = float((probabilities.argmax(axis=1) == scored["y_true"]).mean())
    # What the shifts give, on the validation images (the test images stay unseen).
    history["test_time_shifts"] = {
        "views": len(model.test_time_shifts) + 1,
        "val_accuracy_without": round(scores["without"], 6),
        "val_accuracy_with": round(scores["with"], 6),
    }
    return shifted, history


def predict_images(
    model: KerasModel, images: np.ndarray, labels: np.ndarray | None = None
) -> pd.DataFrame:
    """Class probabilities ``proba_0 .. proba_<k-1>`` per image, in batches.

    ``y_true`` is added first when ``labels`` are given, so the table can be
    evaluated by ``evaluation.reporting``; the index is the image's position.
    """
    from dl_experiments.modelling.training import predict_in_batches  # noqa: PLC0415

    probabilities = predict_in_batches(
        model, with_channel_axis(images), PREDICT_BATCH
    ).astype(np.float64)
    predictions = pd.DataFrame(
        probabilities, columns=[f"proba_{i}" for i in range(probabilities.shape[1])]
    )
    predictions.index.name = "image_index"
    if labels is not None:
        predictions.insert(0, "y_true", np.asarray(labels, dtype=np.int64))
    return predictions
