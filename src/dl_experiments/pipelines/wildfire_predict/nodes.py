"""Wildfire scoring nodes: validate new readings, score them, summarise."""

from __future__ import annotations

from typing import Any

import keras
import pandas as pd
from sklearn.compose import ColumnTransformer

from dl_experiments.modelling.scoring import (
    PredictConfig,
    score_binary,
    summarise_classes,
)
from dl_experiments.preprocessing.tabular import class_names
from dl_experiments.validation import parse_params
from dl_experiments.validation.rows import ROW, validate_new_rows


def validate_new_readings(
    readings: pd.DataFrame, schema: dict, target: dict, predict: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check new readings row by row against the training schema (label excluded).

    Bad rows stop the run, or with ``on_invalid: reject`` go to the rejects table.
    """
    config = parse_params(PredictConfig, predict, "predict.wildfire")
    return validate_new_rows(
        readings,
        schema,
        "wildfire.new_readings",
        exclude=[target["column"]],
        id_columns=config.id_columns,
        on_invalid=config.on_invalid,
    )


def predict_fire(  # noqa: PLR0913 - model, data and their settings
    model: keras.Model,
    preprocessor: ColumnTransformer,
    rows: pd.DataFrame,
    versions: dict[str, str],
    target: dict,
    evaluation: dict,
    predict: dict,
) -> pd.DataFrame:
    """Fire probability, predicted class at the evaluation threshold, and versions."""
    config = parse_params(PredictConfig, predict, "predict.wildfire")
    return score_binary(
        model,
        preprocessor,
        rows,
        [ROW, *config.id_columns],
        class_names(target),
        float(evaluation.get("threshold", 0.5)),
        versions,
    )


def summarise_predictions(
    predictions: pd.DataFrame, rejects: pd.DataFrame, target: dict, evaluation: dict
) -> dict[str, Any]:
    """Rows scored and rejected, and the count of each predicted class."""
    return summarise_classes(
        predictions,
        rejects,
        class_names(target),
        float(evaluation.get("threshold", 0.5)),
    )
