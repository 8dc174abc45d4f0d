"""Kedro nodes that train and apply a Keras MLP on preprocessed tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.utils.class_weight import compute_class_weight

from dl_experiments.modelling.builders import build_mlp
from dl_experiments.modelling.training import predict_in_batches, train_keras_model
from dl_experiments.preprocessing.tabular import TARGET, TargetConfig, transform
from dl_experiments.validation import parse_params
from dl_experiments.validation.params import MLPConfig, TrainingConfig

PREDICT_BATCH = 4096


def balanced_class_weight(y: np.ndarray) -> dict[int, float]:
    """Weights inversely proportional to class frequency (scikit-learn's 'balanced')."""
    classes = np.unique(y)
    weights = compute_class_weight("balanced", classes=classes, y=y)
    return {int(c): float(w) for c, w in zip(classes, weights, strict=True)}


def train_tabular_model(
    train: pd.DataFrame,
    validation: pd.DataFrame,
    preprocessor: ColumnTransformer,
    target: dict,
    model: dict,
    training: dict,
    seed: int,
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> tuple[keras.Model, dict[str, Any]]:
    """Train an MLP on the preprocessed training rows, early-stopped on validation.

    ``callbacks`` is filled by the project's hooks (experiment tracking); the node
    itself knows nothing of trackers.
    """
    task = parse_params(TargetConfig, target, "target").task
    mlp = parse_params(MLPConfig, model, "model")
    config = parse_params(TrainingConfig, training, "training")
    x_train = transform(preprocessor, train)
    x_validation = transform(preprocessor, validation)
    dtype = np.float32 if task == "regression" else np.int64
    y_train = train[TARGET].to_numpy(dtype)
    y_validation = validation[TARGET].to_numpy(dtype)
    class_weight = None
    if config.class_weight == "balanced" and task != "regression":
        class_weight = balanced_class_weight(y_train)
    return train_keras_model(
        lambda: build_mlp(x_train.shape[1], mlp, task),
        task,
        (x_train, y_train),
        (x_validation, y_validation),
        config,
        seed,
        callbacks=callbacks or (),
        class_weight=class_weight,
    )


def predict_tabular(
    model: keras.Model, preprocessor: ColumnTransformer, frame: pd.DataFrame
) -> pd.DataFrame:
    """Score rows in batches: ``probability`` (binary) or ``prediction`` (regression).

    The row ids (index) are kept, and ``y_true`` is added when the frame has the
    target, so the result can be evaluated or joined back to its inputs.
    """
    scores = predict_in_batches(model, transform(preprocessor, frame), PREDICT_BATCH)
    column = "prediction" if model.output_shape[-1] == 1 and _is_linear(model) else "probability"
    predictions = pd.DataFrame({column: scores[:, 0].astype(np.float64)}, index=frame.index)
    if TARGET in frame.columns:
        predictions.insert(0, "y_true", frame[TARGET].to_numpy())
    return predictions


def _is_linear(model: keras.Model) -> bool:
    activation = getattr(model.layers[-1], "activation", None)
    return getattr(activation, "__name__", "") == "linear"
