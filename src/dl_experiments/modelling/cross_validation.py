"""Stratified k-fold estimates for small data sets: the MLP and its baselines."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split

from dl_experiments.config import (
    FeatureConfig,
    MLPConfig,
    TableSchema,
    TargetConfig,
    TrainingConfig,
)
from dl_experiments.evaluation.classification import classification_metrics
from dl_experiments.modelling.baselines import classification_baselines
from dl_experiments.modelling.tabular import predict_tabular, train_tabular_model
from dl_experiments.preprocessing.tabular import TARGET, fit_preprocessor, transform
from dl_experiments.validation import DataValidationError

CV_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc", "average_precision")


def _summary(values: list[float | None]) -> dict[str, Any]:
    finite = np.array([v for v in values if v is not None], dtype=np.float64)
    return {
        "mean": round(float(finite.mean()), 6) if len(finite) else None,
        "std": round(float(finite.std(ddof=1)), 6) if len(finite) > 1 else None,
        "folds": values,
    }


def _check_fold_sizes(model_input: pd.DataFrame, n_splits: int) -> None:
    """Fail before any training when a class is too small for stratified folds.

    Each class needs a row in every held-out fold, and two rows in every fold's
    training part so the early-stopping slice can be stratified too.
    """

    def enough(rows: int) -> bool:
        return rows >= n_splits and rows - int(np.ceil(rows / n_splits)) >= 2

    counts = model_input[TARGET].value_counts().sort_index()
    if not enough(int(counts.min()) if len(counts) else 0):
        needed = next(
            rows for rows in range(n_splits, 4 * n_splits + 4) if enough(rows)
        )
        by_class = {label: int(rows) for label, rows in counts.items()}
        raise DataValidationError(
            "model_input",
            [
                f"has {len(model_input)} rows with class counts {by_class}, too few for "
                f"{n_splits}-fold stratified cross-validation; expected at least "
                f"{needed} rows of each class"
            ],
        )


def cross_validate_classifier(  # noqa: PLR0913 - one experiment's settings
    model_input: pd.DataFrame,
    features: FeatureConfig,
    schema: TableSchema,
    target: TargetConfig,
    model: MLPConfig,
    training: TrainingConfig,
    validation_size: float,
    n_splits: int,
    seed: int,
    threshold: float = 0.5,
) -> dict[str, Any]:
    """Stratified k-fold CV over all rows for the MLP and the baselines.

    In each fold the preprocessing is fitted on the fold's training rows only, the
    MLP early-stops on a stratified ``validation_size`` slice of them, and every
    model is scored on the held-out fold. Returns mean, std and per-fold values.
    """
    _check_fold_sizes(model_input, n_splits)
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    quiet = training.model_copy(update={"verbose": 0})
    class_names = target.labels
    scores: dict[str, dict[str, list]] = {}
    y = model_input[TARGET].to_numpy()
    for fold, (dev_idx, held_idx) in enumerate(folds.split(model_input, y)):
        dev, held = model_input.iloc[dev_idx], model_input.iloc[held_idx]
        fit, early_stop = train_test_split(
            dev,
            test_size=validation_size,
            random_state=seed + fold,
            stratify=dev[TARGET],
        )
        preprocessor = fit_preprocessor(fit, features, schema)
        mlp, _ = train_tabular_model(
            fit, early_stop, preprocessor, target, model, quiet, seed + fold
        )
        fold_scores = {
            "mlp": predict_tabular(mlp, preprocessor, held, "binary")["probability"]
        }
        dev_preprocessor = fit_preprocessor(dev, features, schema)
        x_dev, x_held = transform(dev_preprocessor, dev), transform(dev_preprocessor, held)
        for name, baseline in classification_baselines(seed).items():
            baseline.fit(x_dev, dev[TARGET].to_numpy())
            fold_scores[name] = baseline.predict_proba(x_held)[:, 1]
        for name, probability in fold_scores.items():
            metrics = classification_metrics(
                held[TARGET].to_numpy(), np.asarray(probability), class_names, threshold
            )
            for metric in CV_METRICS:
                scores.setdefault(name, {}).setdefault(metric, []).append(metrics[metric])
    return {
        "n_splits": n_splits,
        "n_rows": len(model_input),
        "models": {
            name: {metric: _summary(values) for metric, values in by_metric.items()}
            for name, by_metric in scores.items()
        },
    }
