"""Binary classification: one sigmoid unit, the positive class's probability."""

from __future__ import annotations

from typing import Any

import numpy as np

from dl_experiments.tasks.kind import TaskKind


def baselines(seed: int) -> dict[str, Any]:
    """Majority class and logistic regression."""
    from sklearn.dummy import DummyClassifier  # noqa: PLC0415
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    return {
        "majority_class": DummyClassifier(strategy="prior"),
        "logistic_regression": LogisticRegression(max_iter=2000, random_state=seed),
    }


def prediction_columns(raw: np.ndarray) -> dict[str, np.ndarray]:
    """``probability``: the positive class's."""
    return {"probability": np.asarray(raw, dtype=np.float64).reshape(len(raw), -1)[:, 0]}


def row_answer(
    columns: dict[str, np.ndarray],
    class_names: list[str],
    threshold: float = 0.5,
    top_k: int | None = None,
) -> dict[str, Any]:
    """Both class probabilities, the predicted label and class at ``threshold``."""
    scores = np.asarray(columns["probability"], dtype=np.float64)
    positive = scores >= threshold
    return {
        f"probability_{class_names[0]}": 1.0 - scores,
        f"probability_{class_names[1]}": scores,
        "predicted_label": positive.astype(np.int64),
        "predicted_class": np.where(positive, class_names[1], class_names[0]),
        "threshold": np.full(len(scores), float(threshold)),
    }


def encode_target(label: Any, target: Any) -> tuple[Any, list[str]]:
    """1 where the rule holds (``greater_than`` a number, or ``positive_value``),
    else 0; a problem when every row falls in one class."""
    import pandas as pd  # noqa: PLC0415

    if target.greater_than is not None:
        y = (pd.to_numeric(label) > target.greater_than).astype("int64")
        rule = f"> {target.greater_than}"
    else:
        y = (label.astype(str) == str(target.positive_value)).astype("int64")
        rule = f"== {target.positive_value!r}"
    if y.nunique() < 2:
        only = int(y.iloc[0]) if len(y) else None
        return y, [
            f"target column '{target.column}': all {len(y)} rows fall in one class "
            f"({only}) under the rule {rule}; expected both classes to train a "
            "classifier"
        ]
    return y, []


KIND = TaskKind(
    name="binary",
    summary="two classes: one sigmoid unit, the positive class's probability",
    activation="sigmoid",
    output_name="probability",
    loss="binary_crossentropy",
    label_dtype=np.int64,
    training_metrics=("accuracy", "auc"),
    default_monitor="val_loss",
    headline=("roc_auc", "average_precision", "f1", "accuracy"),
    baselines=baselines,
    figures=("confusion_matrix", "roc_pr_curves", "threshold_calibration"),
    charts=("confusion_matrix", "roc_curve", "pr_curve"),
    has_classes=True,
    prediction_columns=prediction_columns,
    row_answer=row_answer,
    encode_target=encode_target,
    cross_validation_metrics=(
        "accuracy",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "average_precision",
    ),
    min_classes=2,
    max_classes=2,
)
