"""End-to-end: train housing in the test environment, then value new districts."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dl_experiments.validation import DataValidationError
from tests.conftest import PROJECT_ROOT, run_kedro
from tests.helpers import (
    held_out_rows_as_new_data,
    latest,
    predict_artifacts,
    score_table,
    trained_copy,
    versions,
)

pytestmark = pytest.mark.e2e

RAW = PROJECT_ROOT / "data" / "01_raw" / "california_housing.parquet.brotli"
EXAMPLE = PROJECT_ROOT / "data" / "09_predict_examples" / "housing_districts.csv"
MODEL, PREDICTIONS, REJECTS, SUMMARY = predict_artifacts("housing")


# score(project, districts, env, **run_args): housing_predict on a table of districts
score = partial(score_table, pipeline="housing_predict", dataset="housing.new_districts")


@pytest.fixture(scope="module")
def trained(project_factory) -> Path:
    """A housing model trained in the test environment, with its test predictions."""
    return trained_copy(
        project_factory, "housing_predict", "housing", to_outputs=["housing.test_predictions"]
    )


def test_example_districts_are_valued_with_the_latest_model(trained):
    run_kedro(trained, "housing_predict")
    predictions = pd.read_csv(latest(trained, PREDICTIONS))
    example = pd.read_csv(EXAMPLE)
    assert predictions["district_id"].tolist() == example["district_id"].tolist()
    assert predictions["prediction"].notna().all()
    (version,) = versions(trained, MODEL)
    assert (predictions["model_version"] == version).all()
    assert (predictions["preprocessor_version"] == version).all()

    summary = json.loads(latest(trained, SUMMARY).read_text())
    assert summary["n_scored"] == len(example) and summary["n_rejected"] == 0
    assert summary["versions"] == {"model": version, "preprocessor": version}
    distribution = summary["prediction_distribution"]
    assert distribution["mean"] == pytest.approx(
        predictions["prediction"].mean(), abs=1e-5
    )
    assert distribution["min"] <= distribution["q50"] <= distribution["max"]
    assert distribution["max"] == pytest.approx(
        predictions["prediction"].max(), abs=1e-5
    )


def test_test_set_rows_score_as_the_evaluation_step_scored_them(trained):
    districts, evaluated = held_out_rows_as_new_data(
        trained, "housing", pd.read_parquet(RAW), "MedHouseVal", "district_id"
    )
    score(trained, districts, "test_rows")

    predictions = pd.read_csv(latest(trained, PREDICTIONS))
    assert len(predictions) == len(evaluated)
    assert predictions["district_id"].tolist() == districts["district_id"].tolist()
    np.testing.assert_allclose(
        predictions["prediction"].to_numpy(),
        evaluated["prediction"].to_numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


def test_bad_rows_are_named_by_row_and_column(trained):
    districts = pd.read_csv(EXAMPLE)
    districts.loc[1, "Latitude"] = 51.5
    districts.loc[6, "MedInc"] = np.nan
    with pytest.raises(DataValidationError) as caught:
        score(trained, districts, "bad_rows")
    message = str(caught.value)
    assert "inputs/bad_rows.csv" in message
    assert (
        "data row 2, column 'Latitude': '51.5' is outside the plausible range"
        in message
    )
    assert "data row 7, column 'MedInc': (empty) is missing" in message


def test_rejected_rows_are_listed_and_the_rest_scored(trained):
    districts = pd.read_csv(EXAMPLE)
    districts.loc[1, "Latitude"] = 51.5
    score(
        trained,
        districts,
        "reject_rows",
        params={"housing": {"predict": {"on_invalid": "reject"}}},
    )
    rejects = pd.read_csv(latest(trained, REJECTS))
    assert rejects[["row", "district_id", "column"]].values.tolist() == [
        [2, "district-002", "Latitude"]
    ]
    predictions = pd.read_csv(latest(trained, PREDICTIONS))
    assert len(predictions) == 19
    assert "district-002" not in set(predictions["district_id"])
    summary = json.loads(latest(trained, SUMMARY).read_text())
    assert summary["n_scored"] == 19 and summary["n_rejected"] == 1
