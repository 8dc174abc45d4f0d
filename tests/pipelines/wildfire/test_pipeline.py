"""End-to-end runs of the wildfire pipeline in the test environment.

Tests that need a finished run and not one of their own read ``trained_wildfire``
or change a ``wildfire_copy`` of it (tests/conftest.py)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.conftest import run_kedro
from tests.helpers import version_files

pytestmark = pytest.mark.e2e

ARTIFACTS = [
    "data/06_models/wildfire/model.keras",
    "data/06_models/wildfire/preprocessor.skops",
    "data/07_model_output/wildfire/training_history.json",
    "data/08_reporting/wildfire/metrics.json",
    "data/08_reporting/wildfire/training_history.png",
    "data/08_reporting/wildfire/network.png",
    "data/08_reporting/wildfire/confusion_matrix.png",
    "data/08_reporting/wildfire/roc_pr_curves.png",
    "data/08_reporting/wildfire/threshold_calibration.png",
]


def test_two_runs_leave_two_versions_of_every_artifact(wildfire_copy):
    run_kedro(wildfire_copy, "wildfire")  # the second run in this project
    for artifact in ARTIFACTS:
        found = version_files(wildfire_copy, artifact)
        assert len(found) == 2, f"{artifact}: {found}"
        assert found[0].parent.name != found[1].parent.name


def test_metrics_report_model_baselines_and_cross_validation(trained_wildfire):
    project = trained_wildfire
    (path,) = version_files(project, "data/08_reporting/wildfire/metrics.json")
    metrics = json.loads(path.read_text())
    (test_set,) = version_files(project, "data/05_model_input/wildfire/test_set.parquet")
    test_rows = pd.read_parquet(test_set)
    for name, result in [("model", metrics["model"]), *metrics["baselines"].items()]:
        assert result["n_samples"] == len(test_rows), name
        for key in ("accuracy", "precision", "recall", "f1", "roc_auc", "average_precision"):
            assert 0.0 <= result[key] <= 1.0, (name, key)
        matrix = result["confusion_matrix"]["matrix"]
        assert sum(map(sum, matrix)) == len(test_rows)
    assert set(metrics["baselines"]) == {"majority_class", "logistic_regression"}
    majority = metrics["baselines"]["majority_class"]
    assert majority["roc_auc"] == 0.5
    fire_share = test_rows["target"].mean()
    assert majority["accuracy"] == pytest.approx(max(fire_share, 1 - fire_share), abs=1e-6)
    cv = metrics["cross_validation"]
    assert cv["n_splits"] == 2 and cv["n_rows"] == 517
    assert set(cv["models"]) == {"mlp", "majority_class", "logistic_regression"}
    assert len(cv["models"]["mlp"]["roc_auc"]["folds"]) == 2


def test_reporting_stage_reruns_from_the_saved_model(wildfire_copy):
    project = wildfire_copy  # one complete run
    run_kedro(project, "wildfire", tags=["reporting"])
    assert len(version_files(project, "data/06_models/wildfire/model.keras")) == 1
    assert len(version_files(project, "data/08_reporting/wildfire/metrics.json")) == 2


def test_broken_csv_stops_the_run_before_training_and_names_the_file(project, tmp_path):
    broken = pd.read_csv(project / "data/01_raw/forestfires.csv")
    broken.loc[2, "RH"] = 250
    csv = tmp_path / "readings.csv"
    broken.to_csv(csv, index=False)
    catalog = project / "conf/base/catalog_wildfire.yml"
    catalog.write_text(catalog.read_text().replace("data/01_raw/forestfires.csv", str(csv)))

    from dl_experiments.validation import DataValidationError

    with pytest.raises(DataValidationError) as error:
        run_kedro(project, "wildfire")
    message = str(error.value)
    assert str(csv) in message
    assert "column 'RH'" in message and "250" in message and "0 <= RH <= 100" in message
    assert not (project / "data/06_models/wildfire/model.keras").exists()
