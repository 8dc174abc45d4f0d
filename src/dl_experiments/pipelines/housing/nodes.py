"""Housing-specific nodes; training and reporting reuse the shared tabular machinery."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from plotly import graph_objects as go

from dl_experiments.evaluation.interactive import error_map_figure
from dl_experiments.evaluation.regression import evaluate_regression, regression_figures
from dl_experiments.pipelines.housing.params import EvaluationConfig
from dl_experiments.preprocessing.coordinates import (
    CoordinatesConfig,
    add_rotated_coordinates,
)
from dl_experiments.preprocessing.tabular import make_model_input
from dl_experiments.validation import parse_params, validate_table


def validate_districts(districts: pd.DataFrame, schema: dict) -> pd.DataFrame:
    """Check the raw district table against the schema declared in parameters."""
    return validate_table(districts, schema, dataset="housing.districts")


def add_coordinate_features(districts: pd.DataFrame, coordinates: dict) -> pd.DataFrame:
    """Append each district's position along the rotated map axes set in parameters."""
    return add_rotated_coordinates(districts, coordinates, "housing.coordinates")


def model_features(features: dict, coordinates: dict) -> dict:
    """The feature parameters with the derived coordinate columns added to the
    numeric features (each once), so they are scaled and fed like any other."""
    derived = parse_params(
        CoordinatesConfig, coordinates, "housing.coordinates"
    ).columns
    numeric = list(features.get("numeric", []))
    return {**features, "numeric": numeric + [c for c in derived if c not in numeric]}


def make_house_value_target(
    districts: pd.DataFrame, target: dict, features: dict
) -> pd.DataFrame:
    """Feature columns plus the median house value as the regression target."""
    return make_model_input(districts, target, features, name="housing")


def evaluate(
    predictions: pd.DataFrame,
    baseline_predictions: pd.DataFrame,
    evaluation: dict,
) -> dict[str, Any]:
    """Test-set metrics of the MLP and the baselines (target units and dollars),
    and the MLP's error by decile of the true value."""
    config = parse_params(EvaluationConfig, evaluation, "housing.evaluation")
    metrics = evaluate_regression(
        predictions,
        baseline_predictions,
        unit_value=config.unit_value,
        unit_name=config.unit_name,
        n_bins=config.n_bins,
    )
    y_true = predictions["y_true"].to_numpy()
    if config.target_cap is not None:
        capped = y_true >= config.target_cap
        metrics["target_cap"] = {
            "value": config.target_cap,
            "test_rows_at_cap": int(capped.sum()),
            "fraction": round(float(capped.mean()), 6),
        }
    return metrics


def plot_evaluation(
    predictions: pd.DataFrame,
    baseline_predictions: pd.DataFrame,
    test: pd.DataFrame,
    evaluation: dict,
) -> dict[str, Figure]:
    """Predicted vs actual, residuals, residual histogram, error map and error by
    decile of the true value (the MLP, with the baselines where they fit)."""
    config = parse_params(EvaluationConfig, evaluation, "housing.evaluation")
    return regression_figures(
        predictions,
        baseline_predictions,
        test[[config.map.x, config.map.y]],
        cap=config.target_cap,
        unit=config.target_unit,
        n_bins=config.n_bins,
    )


def plot_interactive_error_map(
    predictions: pd.DataFrame, test: pd.DataFrame, evaluation: EvaluationConfig
) -> go.Figure:
    """The error map as an interactive Plotly figure: hover a district for its true
    and predicted value."""
    place = [evaluation.map.x, evaluation.map.y]
    return error_map_figure(predictions, test.loc[predictions.index, place], evaluation.target_unit)
