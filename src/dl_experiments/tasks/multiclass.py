"""Multi-class classification: one softmax unit per class."""

from __future__ import annotations

from typing import Any

import numpy as np

from dl_experiments.tasks.kind import TaskKind


def baselines(seed: int) -> dict[str, Any]:
    """Majority class, multinomial logistic regression and gradient boosting."""
    from sklearn.dummy import DummyClassifier  # noqa: PLC0415
    from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: PLC0415
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    return {
        "majority_class": DummyClassifier(strategy="prior"),
        "logistic_regression": LogisticRegression(max_iter=2000, random_state=seed),
        "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=seed),
    }


def prediction_columns(raw: np.ndarray) -> dict[str, np.ndarray]:
    """``proba_<i>``: the probability of class ``i``."""
    raw = np.asarray(raw, dtype=np.float64)
    return {f"proba_{i}": raw[:, i] for i in range(raw.shape[1])}


def probabilities(columns: dict[str, np.ndarray]) -> np.ndarray:
    """The ``(n, n_classes)`` matrix of ``proba_<i>`` columns, in class order."""
    names = sorted(
        (name for name in columns if name.startswith("proba_")),
        key=lambda name: int(name.removeprefix("proba_")),
    )
    return np.column_stack([np.asarray(columns[name], np.float64) for name in names])


def row_answer(
    columns: dict[str, np.ndarray],
    class_names: list[str],
    threshold: float | None = None,
    top_k: int | None = None,
) -> dict[str, Any]:
    """Each class's probability, the predicted label and class, and the ``top_k``
    classes with their probabilities (when asked)."""
    matrix = probabilities(columns)
    if matrix.shape[1] != len(class_names):
        raise ValueError(
            f"the model outputs {matrix.shape[1]} classes but {len(class_names)} "
            f"class names are configured: {class_names}"
        )
    classes = np.asarray(class_names, dtype=object)
    order = np.argsort(-matrix, axis=1, kind="stable")
    answer: dict[str, Any] = {}
    if top_k is None:
        answer |= {
            f"probability_{name}": matrix[:, i] for i, name in enumerate(class_names)
        }
    answer["predicted_label"] = order[:, 0].astype(np.int64)
    answer["predicted_class"] = classes[order[:, 0]]
    if top_k is not None:
        k = min(top_k, len(class_names))
        top = np.take_along_axis(matrix, order[:, :k], axis=1)
        for rank in range(k):
            answer[f"top{rank + 1}_class"] = classes[order[:, rank]]
            answer[f"top{rank + 1}_probability"] = top[:, rank]
    return answer


def encode_target(label: Any, target: Any) -> tuple[Any, list[str]]:
    """The index of each row's value in ``class_names``; problems name values that
    are not class names and classes without rows."""
    names = list(target.class_names or [])
    index = {name: i for i, name in enumerate(names)}
    text = label.astype(str)
    unknown = sorted(set(text) - set(index))
    if unknown:
        return label, [
            f"target column '{target.column}': values {unknown[:10]} are not class "
            f"names; expected one of {names}"
        ]
    y = text.map(index).astype("int64")
    empty = [name for name in names if name not in set(text)]
    if empty:
        return y, [
            f"target column '{target.column}': classes {empty} have no rows; "
            "expected rows of every class in target.class_names"
        ]
    return y, []


KIND = TaskKind(
    name="multiclass",
    summary="three or more classes: one softmax unit per class",
    activation="softmax",
    output_name="probabilities",
    loss="sparse_categorical_crossentropy",
    label_dtype=np.int64,
    training_metrics=("accuracy",),
    default_monitor="val_loss",
    headline=("accuracy", "f1_macro", "top_2_accuracy", "log_loss"),
    baselines=baselines,
    figures=("confusion_matrix", "roc_pr_curves"),
    charts=("confusion_matrix", "roc_curve", "pr_curve"),
    has_classes=True,
    prediction_columns=prediction_columns,
    row_answer=row_answer,
    encode_target=encode_target,
    cross_validation_metrics=(
        "accuracy",
        "f1_macro",
        "roc_auc",
        "average_precision",
        "log_loss",
    ),
    min_classes=3,
)
