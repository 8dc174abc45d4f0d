"""Housing scoring nodes: validate new districts, derive features, value them."""

from __future__ import annotations

from typing import Any

import keras
import pandas as pd
from sklearn.compose import ColumnTransformer

from dl_experiments.modelling.scoring import (
    PredictConfig,
    score_regression,
    summarise_values,
)
from dl_experiments.preprocessing.coordinates import add_rotated_coordinates
from dl_experiments.validation import parse_params
from dl_experiments.validation.rows import ROW, validate_new_rows


def validate_new_districts(
    districts: pd.DataFrame,
    schema: dict,
    target: dict,
    coordinates: dict,
    predict: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check new districts row by row against the training schema (label excluded),
    then add the derived coordinates the model was trained with."""
    config = parse_params(PredictConfig, predict, "predict.housing")
    rows, rejects = validate_new_rows(
        districts,
        schema,
        "housing.new_districts",
        exclude=[target["column"]],
        id_columns=config.id_columns,
        on_invalid=config.on_invalid,
    )
    return add_rotated_coordinates(rows, coordinates, "housing.coordinates"), rejects


def predict_house_values(
    model: keras.Model,
    preprocessor: ColumnTransformer,
    rows: pd.DataFrame,
    versions: dict[str, str],
    predict: dict,
) -> pd.DataFrame:
    """Predicted median house value per district (target units), and versions."""
    config = parse_params(PredictConfig, predict, "predict.housing")
    return score_regression(
        model, preprocessor, rows, [ROW, *config.id_columns], versions
    )


def summarise_predictions(
    predictions: pd.DataFrame, rejects: pd.DataFrame
) -> dict[str, Any]:
    """Rows scored and rejected, and the distribution of predicted values."""
    return summarise_values(predictions, rejects)
