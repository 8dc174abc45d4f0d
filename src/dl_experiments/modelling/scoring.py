"""Score new data with a saved model: batched predictions and their summaries.

Shared by the predict pipelines. The tabular scorers call ``predict_tabular``, the
function the reporting stage uses on the test set, so a row scores the same in
both. Every predictions table carries the version of each saved artifact used
(``model_version``, ``preprocessor_version``), filled in by the project's hook.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dl_experiments import tasks
from dl_experiments.annotations import KerasModel, Preprocessor
from dl_experiments.config.data import TargetConfig
from dl_experiments.modelling.images import predict_images
from dl_experiments.modelling.tabular import predict_tabular

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _with_versions(predictions: pd.DataFrame, versions: dict[str, str]) -> pd.DataFrame:
    for artifact, version in sorted(versions.items()):
        predictions[f"{artifact}_version"] = version
    return predictions


def score_rows(  # noqa: PLR0913 - one scoring call
    model: KerasModel,
    preprocessor: Preprocessor,
    rows: pd.DataFrame,
    id_columns: list[str],
    target: TargetConfig,
    versions: dict[str, str],
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Per row: identifiers, the task kind's answer (class probabilities, the
    predicted label and class, at ``threshold`` for a binary target; or the
    predicted value) and the artifact versions.

    The scores come from ``predict_tabular``, the function the reporting stage
    scores the test set with.
    """
    kind = tasks.kind(target.task)
    scores = predict_tabular(model, preprocessor, rows, target.task)
    columns = {name: scores[name].to_numpy() for name in scores.columns}
    predictions = rows[id_columns].copy()
    for name, values in kind.row_answer(columns, target.labels, threshold).items():
        predictions[name] = values
    return _with_versions(predictions, versions)


def score_images(
    model: KerasModel,
    images: np.ndarray,
    ids: pd.DataFrame,
    names: list[str],
    versions: dict[str, str],
    top_k: int = 3,
) -> pd.DataFrame:
    """Per image: identifiers, the predicted class, the ``top_k`` classes with
    their probabilities, and the artifact versions.

    The probabilities come from ``predict_images``, the function the reporting
    stage scores the test set with (batched ``model.predict``).
    """
    probabilities = predict_images(model, images)
    columns = {name: probabilities[name].to_numpy() for name in probabilities.columns}
    answer = tasks.kind("image_classification").row_answer(columns, names, top_k=top_k)
    predictions = ids.reset_index(drop=True).copy()
    for name, values in answer.items():
        predictions[name] = values
    return _with_versions(predictions, versions)


def summarise_classes(
    predictions: pd.DataFrame,
    rejects: pd.DataFrame | None,
    names: list[str],
    threshold: float | None = None,
) -> dict[str, Any]:
    """Counts and shares per predicted class, rows scored and rejected, versions."""
    counts = predictions["predicted_class"].value_counts()
    n_scored = len(predictions)
    summary: dict[str, Any] = {
        "n_scored": n_scored,
        "n_rejected": _n_rejected(rejects),
        "versions": _versions(predictions),
    }
    if threshold is not None:
        summary["threshold"] = float(threshold)
    summary["predicted_class_counts"] = {
        name: int(counts.get(name, 0)) for name in names
    }
    summary["predicted_class_shares"] = {
        name: round(int(counts.get(name, 0)) / n_scored, 6) if n_scored else None
        for name in names
    }
    return summary


def summarise_values(
    predictions: pd.DataFrame, rejects: pd.DataFrame | None, column: str = "prediction"
) -> dict[str, Any]:
    """Distribution of predicted values: count, mean, std, min, quantiles, max."""
    values = predictions[column].to_numpy(dtype=np.float64)
    distribution = {
        "mean": float(values.mean()),
        "std": float(values.std(ddof=0)),
        "min": float(values.min()),
        **{f"q{int(q * 100):02d}": float(np.quantile(values, q)) for q in QUANTILES},
        "max": float(values.max()),
    }
    return {
        "n_scored": len(values),
        "n_rejected": _n_rejected(rejects),
        "versions": _versions(predictions),
        "prediction_distribution": {
            key: round(value, 6) for key, value in distribution.items()
        },
    }


def _n_rejected(rejects: pd.DataFrame | None) -> int:
    if rejects is None or rejects.empty:
        return 0
    return int(rejects.iloc[:, 0].nunique())  # first column: the row or image id


def _versions(predictions: pd.DataFrame) -> dict[str, str]:
    columns = [column for column in predictions.columns if column.endswith("_version")]
    return {
        column.removesuffix("_version"): str(predictions[column].iloc[0])
        for column in columns
        if len(predictions)
    }
