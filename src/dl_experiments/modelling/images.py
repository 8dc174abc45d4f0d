"""Kedro nodes that train and apply a Keras CNN on labelled uint8 images."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import pandas as pd

from dl_experiments.modelling.builders import build_cnn
from dl_experiments.modelling.tabular import PREDICT_BATCH
from dl_experiments.modelling.training import predict_in_batches, train_keras_model
from dl_experiments.validation import parse_params
from dl_experiments.validation.params import CNNConfig, TrainingConfig


def with_channel_axis(images: np.ndarray) -> np.ndarray:
    """``(n, rows, cols)`` grayscale images as ``(n, rows, cols, 1)`` (a view)."""
    images = np.asarray(images)
    return images[..., np.newaxis] if images.ndim == 3 else images


def train_image_classifier(  # noqa: PLR0913 - a training node's inputs
    images: np.ndarray,
    labels: np.ndarray,
    split: dict[str, np.ndarray],
    class_names: list[str],
    model: dict,
    training: dict,
    seed: int,
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> tuple[keras.Model, dict[str, Any]]:
    """Train a CNN on ``split["train"]`` images, validated on ``split["validation"]``.

    One softmax output per entry of ``class_names``.

    Images go in as uint8 (the model rescales them itself); only the index arrays
    select the two parts, so no float copy of the data set is ever made. The
    tf.data pipeline (cache, seeded shuffle, batch, prefetch) is the shared one of
    ``train_keras_model``. ``callbacks`` are filled by the project's hooks.
    """
    cnn = parse_params(CNNConfig, model, "model")
    config = parse_params(TrainingConfig, training, "training")
    images = with_channel_axis(images)
    labels = np.asarray(labels, dtype=np.int64)
    train, validation = split["train"], split["validation"]
    return train_keras_model(
        lambda: build_cnn(images.shape[1:3], len(class_names), cnn),
        "multiclass",
        (images[train], labels[train]),
        (images[validation], labels[validation]),
        config,
        seed,
        callbacks=callbacks or (),
    )


def predict_images(
    model: keras.Model, images: np.ndarray, labels: np.ndarray | None = None
) -> pd.DataFrame:
    """Class probabilities ``proba_0 .. proba_<k-1>`` per image, in batches.

    ``y_true`` is added first when ``labels`` are given, so the table can be
    evaluated by ``evaluation.reporting``; the index is the image's position.
    """
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
