"""Same seed and data give identical results on the CPU; another seed does not.

Python, NumPy and TensorFlow are seeded from the pipeline's ``seed`` parameter and
TensorFlow's op determinism is on (``modelling.training.seed_everything``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dl_experiments.config import TabularClassification
from dl_experiments.modelling.tabular import train_tabular_model
from dl_experiments.preprocessing.tabular import (
    fit_preprocessor,
    make_model_input,
    split_data,
)
from dl_experiments.validation import validate_table
from tests.conftest import make_project, run_kedro
from tests.helpers import experiment_packages, load_parameters, versions

# Keys whose values measure the machine (wall time, throughput), not the model.
TIMING = re.compile(r"seconds|time|duration|per_second|throughput|timestamp")


def without_timings(value: Any) -> Any:
    """``value`` with every timing entry removed, at any depth."""
    if isinstance(value, dict):
        return {
            key: without_timings(item)
            for key, item in value.items()
            if not TIMING.search(str(key))
        }
    if isinstance(value, list):
        return [without_timings(item) for item in value]
    return value


def run_results(project: Path, namespace: str) -> list[dict[str, Any]]:
    """Metrics and test predictions of every saved run, oldest first."""
    results = []
    metrics = f"data/08_reporting/{namespace}/metrics.json"
    predictions = f"data/07_model_output/{namespace}/test_predictions.parquet"
    for metrics_version, predictions_version in zip(
        versions(project, metrics), versions(project, predictions), strict=True
    ):
        folder = project / metrics / metrics_version
        results.append(
            {
                "metrics": without_timings(
                    json.loads((folder / "metrics.json").read_text())
                ),
                "predictions": pd.read_parquet(
                    project
                    / predictions
                    / predictions_version
                    / "test_predictions.parquet"
                ),
            }
        )
    return results


@pytest.fixture(scope="module", params=experiment_packages())
def three_runs(request, tmp_path_factory) -> tuple[str, list[dict[str, Any]]]:
    """One experiment run to its metrics three times: seed, same seed, seed + 1.

    One epoch is enough to tell: the runs differ from the first batch on.
    """
    namespace = request.param
    project = make_project(tmp_path_factory.mktemp(f"repro_{namespace}") / "project")
    seed = load_parameters("test")[namespace]["seed"]
    for run_seed in (seed, seed, seed + 1):
        run_kedro(
            project,
            namespace,
            params={namespace: {"seed": run_seed, "training": {"epochs": 1}}},
            to_outputs=[f"{namespace}.metrics"],
        )
    return namespace, run_results(project, namespace)


@pytest.mark.e2e
def test_same_seed_gives_identical_metrics(three_runs):
    namespace, (first, second, _) = three_runs
    assert first["metrics"] == second["metrics"], namespace
    pd.testing.assert_frame_equal(first["predictions"], second["predictions"])


@pytest.mark.e2e
def test_another_seed_gives_different_results(three_runs):
    namespace, (first, _, other) = three_runs
    assert first["metrics"] != other["metrics"], namespace
    assert not first["predictions"].equals(other["predictions"])


@pytest.fixture(scope="module")
def wildfire_split() -> tuple[pd.DataFrame, pd.DataFrame, Any, dict]:
    """The wildfire training and validation rows with a fitted preprocessor."""
    params = TabularClassification.model_validate(load_parameters("test")["wildfire"])
    table = validate_table(
        pd.read_csv(Path(__file__).parents[2] / "data/01_raw/forestfires.csv"),
        params.data.table_schema,
        "wildfire.sensor_readings",
    )
    model_input = make_model_input(table, params.target, params.features)
    train, validation, _ = split_data(model_input, params.split, params.seed)
    return train, validation, fit_preprocessor(train, params.features), params


def trained_weights(split: tuple, seed: int) -> list[np.ndarray]:
    train, validation, preprocessor, params = split
    model, _ = train_tabular_model(
        train,
        validation,
        preprocessor,
        params.target,
        params.model,
        params.training.model_copy(update={"epochs": 2}),
        seed,
    )
    return model.get_weights()


def test_training_seed_alone_decides_the_weights(wildfire_split):
    """Same rows, same split: the TensorFlow seed alone makes or changes the model."""
    first = trained_weights(wildfire_split, 1)
    again = trained_weights(wildfire_split, 1)
    other = trained_weights(wildfire_split, 2)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))
