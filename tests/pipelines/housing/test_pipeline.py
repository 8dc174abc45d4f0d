"""End-to-end runs of the housing pipeline in the test environment (2,000 rows)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from dl_experiments.validation import DataValidationError, ParameterValidationError
from tests.conftest import run_kedro
from tests.helpers import single_versions, trained_copy, version_files

pytestmark = pytest.mark.e2e

FIGURES = [
    "training_history",
    "network",
    "predicted_vs_actual",
    "residuals",
    "residual_histogram",
    "error_map",
    "error_by_decile",
]
ARTIFACTS = [
    "data/05_model_input/housing/train_set.parquet",
    "data/05_model_input/housing/test_set.parquet",
    "data/06_models/housing/model.keras",
    "data/06_models/housing/preprocessor.skops",
    "data/07_model_output/housing/training_history.json",
    "data/07_model_output/housing/test_predictions.parquet",
    "data/07_model_output/housing/baseline_predictions.parquet",
    "data/08_reporting/housing/metrics.json",
    *(f"data/08_reporting/housing/{figure}.png" for figure in FIGURES),
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def housing_run(project_factory) -> Path:
    """One project in which the housing pipeline ran once in the test environment."""
    return trained_copy(project_factory, "housing", "housing")


def test_every_artifact_is_saved_as_one_version(housing_run):
    saved = single_versions(housing_run, ARTIFACTS)
    for figure in FIGURES:
        path = saved[f"data/08_reporting/housing/{figure}.png"]
        assert path.read_bytes().startswith(PNG_SIGNATURE), figure


def test_split_is_a_seeded_partition_of_the_subsample(housing_run):
    parts = {
        name: pd.read_parquet(
            version_files(housing_run, f"data/05_model_input/housing/{name}.parquet")[0]
        )
        for name in ("train_set", "validation_set", "test_set")
    }
    sizes = {name: len(part) for name, part in parts.items()}
    assert sizes == {"train_set": 1300, "validation_set": 300, "test_set": 400}
    ids = pd.Index(np.concatenate([part.index for part in parts.values()]))
    assert ids.is_unique and len(ids) == 2000
    assert "coord_rot_40" in parts["train_set"].columns


def test_metrics_report_the_model_and_the_baselines(housing_run):
    metrics = json.loads(
        version_files(housing_run, "data/08_reporting/housing/metrics.json")[0].read_text()
    )
    predictions = pd.read_parquet(
        version_files(housing_run, "data/07_model_output/housing/test_predictions.parquet")[
            0
        ]
    )
    assert set(metrics["baselines"]) == {
        "mean_predictor",
        "linear_regression",
        "hist_gradient_boosting",
    }
    residual = predictions["prediction"] - predictions["y_true"]
    model = metrics["model"]
    assert model["n_samples"] == len(predictions) == 400
    assert model["rmse"] == pytest.approx(np.sqrt(np.mean(residual**2)), abs=1e-5)
    assert model["mae_dollars"] == pytest.approx(model["mae"] * 100_000, rel=1e-6)
    for name, result in metrics["baselines"].items():
        assert result["n_samples"] == 400, name
        assert result["rmse"] == pytest.approx(np.sqrt(result["mse"]), abs=1e-5)
    baselines = metrics["baselines"]
    assert baselines["mean_predictor"]["r2"] <= 0.01
    assert (
        baselines["hist_gradient_boosting"]["rmse"]
        < baselines["mean_predictor"]["rmse"]
    )
    deciles = metrics["error_by_true_value_bin"]
    assert len(deciles) == 10 and sum(row["n_samples"] for row in deciles) == 400
    at_cap = int((predictions["y_true"] >= 5.00001).sum())
    assert metrics["target_cap"]["test_rows_at_cap"] == at_cap


def test_training_history_records_loss_and_mae(housing_run):
    history = json.loads(
        version_files(housing_run, "data/07_model_output/housing/training_history.json")[
            0
        ].read_text()
    )
    assert {"loss", "val_loss", "mae", "val_mae"} <= set(history["history"])
    assert 1 <= history["best_epoch"] <= history["epochs_run"] <= 3
    assert history["train_samples"] == 1300


def _point_raw_data_at(project: Path, table: pd.DataFrame) -> Path:
    path = project / "data" / "bad_districts.parquet"
    table.to_parquet(path)
    catalog = project / "conf" / "base" / "catalog_housing.yml"
    entries = yaml.safe_load(catalog.read_text())
    entries["housing.districts"]["filepath"] = str(path)
    catalog.write_text(yaml.safe_dump(entries))
    return path


def test_bad_raw_data_stops_the_run_before_training(project):
    table = pd.read_parquet(
        Path(__file__).resolve().parents[3]
        / "data/01_raw/california_housing.parquet.brotli"
    )
    table.loc[5, "Latitude"] = 49.0
    path = _point_raw_data_at(project, table)
    with pytest.raises(DataValidationError) as info:
        run_kedro(project, "housing")
    message = str(info.value)
    assert str(path) in message
    assert "column 'Latitude': 1 of 20640 rows, e.g. 49.0 in data row 6" in message
    assert not version_files(project, "data/06_models/housing/model.keras")


def test_invalid_parameters_stop_the_run_before_reading_data(project):
    with pytest.raises(ParameterValidationError, match="cannot be stratified"):
        run_kedro(project, "housing", params={"housing": {"split": {"stratify": True}}})
    assert not (project / "data" / "05_model_input" / "housing").exists()
