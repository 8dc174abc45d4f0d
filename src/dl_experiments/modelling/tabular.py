"""Kedro nodes that train and apply a Keras MLP on preprocessed tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dl_experiments import tasks
from dl_experiments.annotations import Preprocessor
from dl_experiments.config import MLPConfig, TargetConfig, TrainingConfig
from dl_experiments.config.base import Task
from dl_experiments.modelling import KerasModel
from dl_experiments.preprocessing.tabular import TARGET, transform

PREDICT_BATCH = 4096


def balanced_class_weight(y: np.ndarray) -> dict[int, float]:
    """Weights inversely proportional to class frequency (scikit-learn's 'balanced')."""
    from sklearn.utils.class_weight import compute_class_weight  # noqa: PLC0415

    classes = np.unique(y)
    weights = compute_class_weight("balanced", classes=classes, y=y)
    return {int(c): float(w) for c, w in zip(classes, weights, strict=True)}


def train_tabular_model(  # noqa: PLR0913 - a training node's inputs
    train: pd.DataFrame,
    validation: pd.DataFrame,
    preprocessor: Preprocessor,
    target: TargetConfig,
    model: MLPConfig,
    training: TrainingConfig,
    seed: int,
) -> tuple[KerasModel, dict[str, Any]]:
    """Train an MLP on the preprocessed training rows, early-stopped on validation.

    Extra Keras callbacks (experiment tracking, a study's pruning) come from
    ``modelling.callbacks``; the node itself knows nothing of trackers. With
    ``model.members`` > 1 the history's losses are the members' mean, and the
    returned model predicts the members' mean.
    """
    from dl_experiments.modelling.builders import (  # noqa: PLC0415
        build_mlp,
        ensemble_mean,
        in_target_units,
    )
    from dl_experiments.modelling.training import train_keras_model  # noqa: PLC0415

    kind = tasks.kind(target.task)
    x_train = transform(preprocessor, train)
    x_validation = transform(preprocessor, validation)
    y_train = train[TARGET].to_numpy(kind.label_dtype)
    y_validation = validation[TARGET].to_numpy(kind.label_dtype)
    if target.standardised:
        mean, std = float(np.mean(y_train)), float(np.std(y_train)) or 1.0
        y_train = ((y_train - mean) / std).astype(np.float32)
        y_validation = ((y_validation - mean) / std).astype(np.float32)
    if model.members > 1:  # one column, broadcast against the members' columns
        y_train, y_validation = y_train[:, np.newaxis], y_validation[:, np.newaxis]
    class_weight = None
    if training.class_weight == "balanced" and kind.has_classes:
        class_weight = balanced_class_weight(y_train)
    trained, history = train_keras_model(
        lambda: build_mlp(x_train.shape[1], model, target.task, len(target.labels)),
        target.task,
        (x_train, y_train),
        (x_validation, y_validation),
        training,
        seed,
        class_weight=class_weight,
    )
    if model.members > 1:
        trained = ensemble_mean(trained)
    if target.standardised:
        trained = in_target_units(trained, std, mean)
        history["target_scaling"] = {"mean": mean, "std": std}
    return trained, history


def predict_tabular(
    model: KerasModel, preprocessor: Preprocessor, frame: pd.DataFrame, task: Task
) -> pd.DataFrame:
    """Score rows in batches, in the columns the task kind declares
    (``probability``, ``proba_<i>`` or ``prediction``).

    The row ids (index) are kept, and ``y_true`` is added when the frame has the
    target, so the result can be evaluated or joined back to its inputs.
    """
    from dl_experiments.modelling.training import predict_in_batches  # noqa: PLC0415

    scores = predict_in_batches(model, transform(preprocessor, frame), PREDICT_BATCH)
    predictions = pd.DataFrame(
        tasks.kind(task).prediction_columns(scores), index=frame.index
    )
    if TARGET in frame.columns:
        predictions.insert(0, "y_true", frame[TARGET].to_numpy())
    return predictions
