"""Wildfire-specific nodes; the rest of the pipeline is shared tabular machinery."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from dl_experiments.evaluation.reporting import (
    classification_figures,
    evaluate_classification,
)
from dl_experiments.modelling.cross_validation import cross_validate_classifier
from dl_experiments.pipelines.wildfire.params import EvaluationConfig
from dl_experiments.preprocessing.tabular import class_names, make_model_input
from dl_experiments.validation import parse_params, validate_table


def validate_sensor_readings(readings: pd.DataFrame, schema: dict) -> pd.DataFrame:
    """Check the raw sensor CSV against the schema declared in parameters."""
    return validate_table(readings, schema, dataset="wildfire.sensor_readings")


def make_fire_target(
    readings: pd.DataFrame, target: dict, features: dict
) -> pd.DataFrame:
    """Feature columns plus the binary fire target defined in parameters."""
    return make_model_input(readings, target, features, name="wildfire")


def cross_validate(
    model_input: pd.DataFrame,
    params: dict,
) -> dict[str, Any]:
    """k-fold estimate of the MLP and the baselines over all rows (small data)."""
    evaluation = parse_params(EvaluationConfig, params.get("evaluation", {}), "wildfire.evaluation")
    return cross_validate_classifier(
        model_input,
        features=params["features"],
        schema=params["data"]["schema"],
        target=params["target"],
        model=params["model"],
        training=params["training"],
        validation_size=params["split"]["validation_size"],
        n_splits=evaluation.cv_folds,
        seed=params["seed"],
        class_names=class_names(params["target"]),
        threshold=evaluation.threshold,
    )


def evaluate(
    predictions: pd.DataFrame,
    baseline_predictions: pd.DataFrame,
    cross_validation: dict[str, Any],
    target: dict,
    evaluation: dict,
) -> dict[str, Any]:
    """Test-set metrics for the MLP and the baselines, plus the CV estimate."""
    config = parse_params(EvaluationConfig, evaluation, "wildfire.evaluation")
    metrics = evaluate_classification(
        predictions, baseline_predictions, class_names(target), config.threshold
    )
    return metrics | {"cross_validation": cross_validation}


def plot_evaluation(
    predictions: pd.DataFrame,
    baseline_predictions: pd.DataFrame,
    target: dict,
    evaluation: dict,
) -> dict[str, Figure]:
    """Confusion matrix, ROC / PR with baselines, threshold and calibration plots."""
    config = parse_params(EvaluationConfig, evaluation, "wildfire.evaluation")
    return classification_figures(
        predictions, baseline_predictions, class_names(target), config.threshold
    )
