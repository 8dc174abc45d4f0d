"""End-to-end: train wildfire in the test environment, then score new readings."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, DatasetError

from dl_experiments.modelling.tabular import predict_tabular
from dl_experiments.validation import DataValidationError
from tests.conftest import PROJECT_ROOT, make_project, run_kedro
from tests.helpers import (
    held_out_rows_as_new_data,
    latest,
    predict_artifacts,
    score_table,
    versions,
)

pytestmark = pytest.mark.e2e

RAW = PROJECT_ROOT / "data" / "01_raw" / "forestfires.csv"
EXAMPLE = PROJECT_ROOT / "data" / "09_predict_examples" / "wildfire_readings.csv"
MODEL, PREDICTIONS, REJECTS, SUMMARY = predict_artifacts("wildfire")


# score(project, readings, env, **run_args): wildfire_predict on a table of readings
score = partial(score_table, pipeline="wildfire_predict", dataset="wildfire.new_readings")


@pytest.fixture(scope="module")
def trained(project_factory) -> Path:
    """Two wildfire models, trained with different seeds (versions v1 < v2)."""
    root = project_factory("wildfire_predict")
    run_kedro(root, "wildfire", to_outputs=["wildfire.model", "wildfire.preprocessor"])
    run_kedro(
        root,
        "wildfire",
        params={"wildfire": {"seed": 7}},
        to_outputs=["wildfire.test_predictions"],
    )
    assert len(versions(root, MODEL)) == 2
    return root


def test_example_readings_are_scored_with_the_latest_model(trained):
    run_kedro(trained, "wildfire_predict")
    predictions = pd.read_csv(latest(trained, PREDICTIONS))
    example = pd.read_csv(EXAMPLE)
    assert predictions["reading_id"].tolist() == example["reading_id"].tolist()
    assert predictions["row"].tolist() == list(range(1, len(example) + 1))
    probabilities = predictions[["probability_no_fire", "probability_fire"]]
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-9)
    fire = predictions["probability_fire"] >= predictions["threshold"]
    assert (predictions["predicted_class"] == np.where(fire, "fire", "no_fire")).all()
    assert (predictions["threshold"] == 0.5).all()
    newest = versions(trained, MODEL)[-1]
    assert (predictions["model_version"] == newest).all()
    assert (predictions["preprocessor_version"] == newest).all()

    summary = json.loads(latest(trained, SUMMARY).read_text())
    assert summary["n_scored"] == len(example) and summary["n_rejected"] == 0
    assert summary["versions"] == {"model": newest, "preprocessor": newest}
    counts = predictions["predicted_class"].value_counts()
    assert summary["predicted_class_counts"] == {
        name: int(counts.get(name, 0)) for name in ("no_fire", "fire")
    }


def test_test_set_rows_score_as_the_evaluation_step_scored_them(trained):
    readings, evaluated = held_out_rows_as_new_data(
        trained, "wildfire", pd.read_csv(RAW), "area", "reading_id"
    )
    score(trained, readings, "test_rows")

    predictions = pd.read_csv(latest(trained, PREDICTIONS))
    assert predictions["reading_id"].tolist() == readings["reading_id"].tolist()
    np.testing.assert_allclose(
        predictions["probability_fire"].to_numpy(),
        evaluated["probability"].to_numpy(),
        rtol=1e-6,
        atol=1e-7,
    )


def test_pinned_version_is_used_and_recorded(trained):
    first, second = versions(trained, MODEL)
    run_kedro(
        trained,
        "wildfire_predict",
        load_versions={"wildfire.model": first, "wildfire.preprocessor": first},
    )
    pinned = pd.read_csv(latest(trained, PREDICTIONS))
    assert (pinned["model_version"] == first).all()
    assert (pinned["preprocessor_version"] == first).all()
    summary = json.loads(latest(trained, SUMMARY).read_text())
    assert summary["versions"] == {"model": first, "preprocessor": first}

    run_kedro(trained, "wildfire_predict")
    newest = pd.read_csv(latest(trained, PREDICTIONS))
    assert (newest["model_version"] == second).all()
    # different seeds, different models: the pinned run really used the first one
    assert not np.allclose(pinned["probability_fire"], newest["probability_fire"])

    catalog = DataCatalog.from_config(
        {
            "model": {
                "type": "tensorflow.TensorFlowModelDataset",
                "filepath": str(trained / MODEL),
                "versioned": True,
            },
            "preprocessor": {
                "type": "dl_experiments.datasets.SkopsDataset",
                "filepath": str(trained / "data/06_models/wildfire/preprocessor.skops"),
                "versioned": True,
                "trusted": ["dl_experiments.preprocessing.tabular._log1p"],
            },
        },
        load_versions={"model": first, "preprocessor": first},
    )
    example = pd.read_csv(EXAMPLE)
    expected = predict_tabular(
        catalog.load("model"), catalog.load("preprocessor"), example, "binary"
    )
    np.testing.assert_allclose(
        pinned["probability_fire"], expected["probability"], rtol=1e-6, atol=1e-7
    )


def test_mixing_artifacts_of_different_runs_is_warned_about(trained, caplog):
    first, second = versions(trained, MODEL)
    run_kedro(trained, "wildfire_predict", load_versions={"wildfire.model": first})
    predictions = pd.read_csv(latest(trained, PREDICTIONS))
    assert (predictions["model_version"] == first).all()
    assert (predictions["preprocessor_version"] == second).all()
    assert "come from different runs" in caplog.text


def test_bad_rows_are_named_by_row_column_and_file(trained):
    readings = pd.read_csv(EXAMPLE)
    readings.loc[2, "RH"] = 140
    readings.loc[4, "month"] = "smarch"
    with pytest.raises(DataValidationError) as caught:
        score(trained, readings, "bad_rows")
    message = str(caught.value)
    assert "inputs/bad_rows.csv" in message
    assert "data row 3, column 'RH': '140' is outside the plausible range" in message
    assert "expected 0 <= RH <= 100" in message
    assert "data row 5, column 'month': 'smarch' is not an allowed value" in message
    assert "2 of 20 rows are invalid" in message


def test_rejected_rows_are_listed_and_the_rest_scored(trained):
    readings = pd.read_csv(EXAMPLE)
    readings.loc[2, "RH"] = 140
    readings["wind"] = readings["wind"].astype(object)
    readings.loc[4, "wind"] = "calm"
    score(
        trained,
        readings,
        "reject_rows",
        params={"wildfire": {"predict": {"on_invalid": "reject"}}},
    )
    rejects = pd.read_csv(latest(trained, REJECTS))
    assert rejects[["row", "reading_id", "column"]].values.tolist() == [
        [3, "reading-003", "RH"],
        [5, "reading-005", "wind"],
    ]
    assert rejects["problem"].str.contains("expected").all()
    predictions = pd.read_csv(latest(trained, PREDICTIONS))
    assert len(predictions) == 18
    assert not predictions["reading_id"].isin(["reading-003", "reading-005"]).any()
    summary = json.loads(latest(trained, SUMMARY).read_text())
    assert summary["n_scored"] == 18 and summary["n_rejected"] == 2


def test_missing_column_is_named(trained):
    readings = pd.read_csv(EXAMPLE).drop(columns=["temp"])
    with pytest.raises(DataValidationError, match=r"required column\(s\) \['temp'\]"):
        score(trained, readings, "missing_column")


def test_scoring_without_a_trained_model_says_to_train_first(tmp_path):
    fresh = make_project(tmp_path / "fresh")
    with pytest.raises(
        DatasetError,
        match=r"No saved version of 'wildfire\.model'.*--pipeline=wildfire",
    ):
        run_kedro(fresh, "wildfire_predict")


def test_pinning_a_missing_version_lists_the_saved_ones(trained):
    with pytest.raises(DatasetError, match="does not exist; saved versions"):
        run_kedro(
            trained,
            "wildfire_predict",
            load_versions={"wildfire.model": "2000-01-01T00.00.00.000Z"},
        )
