"""Every metric a task kind produces, and which way is better: declared once.

Training histories name Keras' metrics (``loss``, ``accuracy``, ``auc``,
``rmse``...; ``val_<name>`` on the validation split); reports name the test-set
metrics (``roc_auc``, ``f1_macro``, ``r2``...). Early stopping, the best epoch,
progress lines, a study's objective, headlines and run comparisons all ask
``direction`` here instead of guessing from a name.
"""

from __future__ import annotations

from typing import Literal

Direction = Literal["higher", "lower", "zero"]

DIRECTIONS: dict[str, Direction] = {
    # Keras training metrics (history keys, with and without ``val_``)
    "loss": "lower",
    "accuracy": "higher",
    "auc": "higher",
    "precision": "higher",
    "recall": "higher",
    "mae": "lower",
    "mse": "lower",
    "rmse": "lower",
    # test-set metrics of the reports
    "roc_auc": "higher",
    "average_precision": "higher",
    "f1": "higher",
    "precision_macro": "higher",
    "recall_macro": "higher",
    "f1_macro": "higher",
    "precision_weighted": "higher",
    "recall_weighted": "higher",
    "f1_weighted": "higher",
    "top_2_accuracy": "higher",
    "top_3_accuracy": "higher",
    "log_loss": "lower",
    "brier": "lower",
    "r2": "higher",
    "mape": "lower",
    "median_absolute_error": "lower",
    "max_error": "lower",
    "mean_error": "zero",
    "bias": "zero",
}

LABELS = {
    "rmse": "RMSE",
    "mae": "MAE",
    "r2": "R²",
    "roc_auc": "ROC AUC",
    "average_precision": "average precision",
    "f1": "F1",
    "accuracy": "accuracy",
    "f1_macro": "macro F1",
    "top_2_accuracy": "top-2 accuracy",
    "log_loss": "log loss",
}


def base_name(metric: str) -> str:
    """``val_auc`` -> ``auc``; ``rmse_dollars`` -> ``rmse`` (a unit suffix);
    ``models.mlp.roc_auc.mean`` -> ``roc_auc`` (a summary of a metric)."""
    parts = [part for part in metric.lower().split(".") if part]
    while len(parts) > 1 and parts[-1] in {"mean", "std", "value", "low", "high"}:
        parts.pop()
    leaf = parts[-1] if parts else metric.lower()
    leaf = leaf.removeprefix("val_")
    if leaf in DIRECTIONS:
        return leaf
    head = leaf.split("_")
    for size in range(len(head) - 1, 0, -1):
        candidate = "_".join(head[:size])
        if candidate in DIRECTIONS:
            return candidate
    return leaf


def direction(metric: str) -> Direction:
    """``"higher"``, ``"lower"`` or ``"zero"`` (best nearest 0) for a metric.

    Raises ``KeyError`` naming the metric when no kind declares it.
    """
    name = base_name(metric)
    if name not in DIRECTIONS:
        raise KeyError(
            f"metric '{metric}' is not one the task kinds declare; known metrics: "
            f"{sorted(DIRECTIONS)}"
        )
    return DIRECTIONS[name]


def is_better(metric: str, value: float, than: float) -> bool:
    """Whether ``value`` of ``metric`` is strictly better than ``than``."""
    way = direction(metric)
    if way == "higher":
        return value > than
    if way == "lower":
        return value < than
    return abs(value) < abs(than)


def label(metric: str) -> str:
    """A metric's name for people (``roc_auc`` -> ``ROC AUC``)."""
    return LABELS.get(metric, metric)
