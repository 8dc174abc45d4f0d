"""Simple models trained in the same run, so every metric has something to beat."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from dl_experiments.annotations import Preprocessor
from dl_experiments.config.base import Task
from dl_experiments.preprocessing.tabular import TARGET, transform


def classification_baselines(seed: int) -> dict:
    """The classification baselines: majority class and logistic regression."""
    from sklearn.dummy import DummyClassifier  # noqa: PLC0415
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    return {
        "majority_class": DummyClassifier(strategy="prior"),
        "logistic_regression": LogisticRegression(max_iter=2000, random_state=seed),
    }


def regression_baselines(seed: int) -> dict:
    """The regression baselines: the training mean, linear regression and
    scikit-learn's histogram gradient boosting with its default settings."""
    from sklearn.dummy import DummyRegressor  # noqa: PLC0415
    from sklearn.ensemble import HistGradientBoostingRegressor  # noqa: PLC0415
    from sklearn.linear_model import LinearRegression  # noqa: PLC0415

    return {
        "mean_predictor": DummyRegressor(strategy="mean"),
        "linear_regression": LinearRegression(),
        "hist_gradient_boosting": HistGradientBoostingRegressor(random_state=seed),
    }


def _positive_probability(model: Any, x: np.ndarray) -> np.ndarray:
    return model.predict_proba(x)[:, 1]


def _prediction(model: Any, x: np.ndarray) -> np.ndarray:
    return model.predict(x)


# Per task: the baselines and how each scores a row.
BASELINES: dict[str, tuple[Callable[[int], dict], Callable[[Any, np.ndarray], Any]]] = {
    "binary": (classification_baselines, _positive_probability),
    "regression": (regression_baselines, _prediction),
}


def fit_baselines(  # noqa: PLR0913 - the splits, their features and settings
    train: pd.DataFrame,
    validation: pd.DataFrame,
    test: pd.DataFrame,
    preprocessor: Preprocessor,
    seed: int,
    task: Task,
) -> pd.DataFrame:
    """Fit the task's baselines on training + validation rows; score the test rows.

    Baselines need no early stopping, so they see every non-test row (gradient
    boosting holds out its own early-stopping slice internally), on the same
    preprocessed features as the network. Returns one column per baseline (index:
    row id): the positive-class probability (binary) or the prediction
    (regression).
    """
    make, score = BASELINES[task]
    return _fit_and_score(make(seed), score, train, validation, test, preprocessor)


def _fit_and_score(
    models: dict[str, Any],
    score: Callable[[Any, np.ndarray], np.ndarray],
    train: pd.DataFrame,
    validation: pd.DataFrame,
    test: pd.DataFrame,
    preprocessor: Preprocessor,
) -> pd.DataFrame:
    """Fit each model on the training + validation rows; one score column per model
    for the test rows (index: row id)."""
    fit_rows = pd.concat([train, validation])
    x_fit, y_fit = transform(preprocessor, fit_rows), fit_rows[TARGET].to_numpy()
    x_test = transform(preprocessor, test)
    scores = {
        name: np.asarray(score(model.fit(x_fit, y_fit), x_test), dtype=np.float64)
        for name, model in models.items()
    }
    return pd.DataFrame(scores, index=test.index)
