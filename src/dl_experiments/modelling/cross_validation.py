"""Stratified k-fold estimates for small data sets: the MLP and its baselines."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split

from dl_experiments import tasks
from dl_experiments.config import TabularClassification
from dl_experiments.evaluation.classification import (
    baseline_scores,
    classification_metrics,
    prediction_scores,
)
from dl_experiments.modelling.progress import format_duration, progress_label
from dl_experiments.modelling.tabular import predict_tabular, train_tabular_model
from dl_experiments.preprocessing.tabular import TARGET, fit_preprocessor, transform
from dl_experiments.validation import DataValidationError

logger = logging.getLogger(__name__)


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


def _log_fold(
    label: str, mlp: dict[str, list], done: int, n_splits: int, elapsed: float
) -> None:
    auc = mlp["roc_auc"][-1]
    per_fold = elapsed / done
    logger.info(
        "%s done: MLP accuracy %.4f, ROC AUC %s | %.1f s/fold | ETA %s",
        label,
        mlp["accuracy"][-1],
        "n/a" if auc is None else f"{auc:.4f}",
        per_fold,
        format_duration(per_fold * (n_splits - done)),
    )


def cross_validate_classifier(
    model_input: pd.DataFrame, params: TabularClassification
) -> dict[str, Any]:
    """Stratified k-fold CV over all rows for the MLP and the task kind's baselines.

    In each fold the preprocessing is fitted on the fold's training rows only, the
    MLP early-stops on a stratified ``split.validation_size`` slice of them, and
    every model is scored on the held-out fold with the kind's
    ``cross_validation_metrics``. Returns mean, std and per-fold values.
    """
    n_splits, seed, target = params.evaluation.cv_folds, params.seed, params.target
    kind = tasks.kind(target.task)
    _check_fold_sizes(model_input, n_splits)
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    quiet = params.training.model_copy(update={"verbose": 0})
    class_names = target.labels
    scores: dict[str, dict[str, list]] = {}
    y = model_input[TARGET].to_numpy()
    started = time.perf_counter()
    for fold, (dev_idx, held_idx) in enumerate(folds.split(model_input, y)):
        label = f"cross-validation fold {fold + 1}/{n_splits}"
        dev, held = model_input.iloc[dev_idx], model_input.iloc[held_idx]
        fit, early_stop = train_test_split(
            dev,
            test_size=params.split.validation_size,
            random_state=seed + fold,
            stratify=dev[TARGET],
        )
        schema = params.data.table_schema
        preprocessor = fit_preprocessor(fit, params.features, schema)
        with progress_label(label):
            mlp, _ = train_tabular_model(
                fit, early_stop, preprocessor, target, params.model, quiet, seed + fold
            )
        fold_scores = {
            "mlp": prediction_scores(predict_tabular(mlp, preprocessor, held, target.task))
        }
        dev_preprocessor = fit_preprocessor(dev, params.features, schema)
        x_dev, x_held = transform(dev_preprocessor, dev), transform(dev_preprocessor, held)
        for name, baseline in kind.baselines(seed).items():
            baseline.fit(x_dev, dev[TARGET].to_numpy())
            columns = kind.baseline_columns(name, baseline, x_held, len(class_names))
            fold_scores[name] = baseline_scores(pd.DataFrame(columns))[name]
        for name, probability in fold_scores.items():
            metrics = classification_metrics(
                held[TARGET].to_numpy(),
                np.asarray(probability),
                class_names,
                params.evaluation.threshold,
            )
            for metric in kind.cross_validation_metrics:
                scores.setdefault(name, {}).setdefault(metric, []).append(metrics[metric])
        _log_fold(label, scores["mlp"], fold + 1, n_splits, time.perf_counter() - started)
    return {
        "n_splits": n_splits,
        "n_rows": len(model_input),
        "models": {
            name: {metric: _summary(values) for metric, values in by_metric.items()}
            for name, by_metric in scores.items()
        },
    }
