"""Regression: one linear unit, a value in the target's units."""

from __future__ import annotations

from typing import Any

import numpy as np

from dl_experiments.tasks.kind import TaskKind


def baselines(seed: int) -> dict[str, Any]:
    """The training mean, linear regression and scikit-learn's histogram gradient
    boosting with its default settings."""
    from sklearn.dummy import DummyRegressor  # noqa: PLC0415
    from sklearn.ensemble import HistGradientBoostingRegressor  # noqa: PLC0415
    from sklearn.linear_model import LinearRegression  # noqa: PLC0415

    return {
        "mean_predictor": DummyRegressor(strategy="mean"),
        "linear_regression": LinearRegression(),
        "hist_gradient_boosting": HistGradientBoostingRegressor(random_state=seed),
    }


def prediction_columns(raw: np.ndarray) -> dict[str, np.ndarray]:
    """``prediction``: the value in the target's units."""
    return {"prediction": np.asarray(raw, dtype=np.float64).reshape(len(raw), -1)[:, 0]}


def row_answer(
    columns: dict[str, np.ndarray],
    class_names: list[str] | None = None,
    threshold: float | None = None,
    top_k: int | None = None,
) -> dict[str, Any]:
    """The predicted value."""
    return {"prediction": np.asarray(columns["prediction"], dtype=np.float64)}


def encode_target(label: Any, target: Any) -> tuple[Any, list[str]]:
    """The column as float values."""
    import pandas as pd  # noqa: PLC0415

    return pd.to_numeric(label).astype("float64"), []


KIND = TaskKind(
    name="regression",
    summary="a continuous target: one linear unit",
    activation="linear",
    output_name="prediction",
    loss="mean_squared_error",
    label_dtype=np.float32,
    training_metrics=("mae", "rmse"),
    default_monitor="val_loss",
    headline=("rmse", "mae", "r2"),
    baselines=baselines,
    figures=(
        "predicted_vs_actual",
        "residuals",
        "residual_histogram",
        "error_map",
        "error_by_decile",
    ),
    charts=("predicted_vs_true",),
    has_classes=False,
    prediction_columns=prediction_columns,
    row_answer=row_answer,
    encode_target=encode_target,
)
