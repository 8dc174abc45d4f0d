"""Reporting nodes shared by the pipelines: metrics dicts and figures, no I/O."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from dl_experiments.evaluation.classification import (
    baseline_scores,
    classification_metrics,
    prediction_scores,
)
from dl_experiments.evaluation.figures import (
    plot_confusion_matrix,
    plot_network,
    plot_roc_pr_curves,
    plot_threshold_calibration,
    plot_training_history,
)
from dl_experiments.modelling import KerasModel


def model_figures(model: KerasModel, history: dict[str, Any]) -> dict[str, Figure]:
    """The training-history plot and the network diagram of a trained model."""
    return {
        "training_history": plot_training_history(history),
        "network": plot_network(model),
    }


def evaluate_classification(
    predictions: pd.DataFrame,
    baseline_predictions: pd.DataFrame | None,
    class_names: list[str],
    threshold: float = 0.5,
) -> dict[str, Any]:
    """Test-set metrics of the model and of each baseline, in one dict.

    ``baseline_predictions`` is laid out as ``classification.baseline_scores``
    reads it, in the row order of ``predictions``.
    """
    y_true = predictions["y_true"].to_numpy()
    metrics: dict[str, Any] = {
        "model": classification_metrics(
            y_true, prediction_scores(predictions), class_names, threshold
        )
    }
    if baseline_predictions is not None:
        metrics["baselines"] = {
            name: classification_metrics(y_true, scores, class_names, threshold)
            for name, scores in baseline_scores(baseline_predictions).items()
        }
    return metrics


def classification_figures(
    predictions: pd.DataFrame,
    baseline_predictions: pd.DataFrame | None,
    class_names: list[str],
    threshold: float = 0.5,
) -> dict[str, Figure]:
    """Confusion matrix, ROC / PR curves (baselines on the same axes) and, for two
    classes, the threshold and calibration plot."""
    y_true = predictions["y_true"].to_numpy()
    scores = prediction_scores(predictions)
    metrics = classification_metrics(y_true, scores, class_names, threshold)
    by_model = {"model": scores}
    if baseline_predictions is not None:
        by_model |= baseline_scores(baseline_predictions)
    figures = {
        "confusion_matrix": plot_confusion_matrix(
            metrics["confusion_matrix"]["matrix"], class_names
        ),
        "roc_pr_curves": plot_roc_pr_curves(y_true, by_model, class_names),
    }
    if len(class_names) == 2:
        figures["threshold_calibration"] = plot_threshold_calibration(
            y_true, scores, threshold
        )
    return figures
