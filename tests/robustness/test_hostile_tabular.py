"""Hostile sensor CSVs: each is stopped before training with one clear message.

Every test generates its broken file from the shipped data, runs the real wildfire
pipeline on it in a project copy, and checks that the error names the file (or
parameter), what was found and what was expected, and that the run left no new
version of anything (no model, no metrics, no intermediate table).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from kedro.io import DatasetError

from dl_experiments.pipelines.wildfire.nodes import validate_sensor_readings
from dl_experiments.validation import DataValidationError, ParameterValidationError
from tests.conftest import run_kedro
from tests.robustness.conftest import derived_files, with_value
from tests.robustness.test_bad_parameters import load_parameters, nested

pytestmark = pytest.mark.e2e


def rejected(
    project: Path, error: type[Exception], *words: str, params: dict | None = None
) -> str:
    """Run wildfire on the hostile input; return the message after checking it."""
    with pytest.raises(error) as raised:
        run_kedro(project, "wildfire", params=nested(params or {}))
    message = str(raised.value)
    for word in words:
        assert word in message, f"{word!r} not in:\n{message}"
    assert derived_files(project) == [], "a rejected run left versions behind"
    return message


def test_missing_file(project, sensor_csv):
    path = sensor_csv(None, name="not_there.csv")
    rejected(project, DatasetError, str(path), "No such file")


def test_empty_file(project, sensor_csv):
    path = sensor_csv(b"")
    rejected(project, DatasetError, str(path), "No columns to parse")


def test_header_only_file(project, sensor_csv, forestfires):
    path = sensor_csv(forestfires.head(0))
    rejected(project, DataValidationError, str(path), "0 data rows", "at least 20")


def test_wrong_delimiter(project, sensor_csv, forestfires):
    path = sensor_csv(forestfires.to_csv(sep=";", index=False).encode())
    rejected(
        project,
        DataValidationError,
        str(path),
        "required column(s)",
        "'X;Y;month",
        "check the delimiter",
    )


def test_wrong_encoding(project, sensor_csv, forestfires):
    path = sensor_csv(forestfires.to_csv(index=False).encode("utf-16"))
    rejected(
        project,
        DatasetError,
        str(path),
        "'utf-8' codec can't decode",
        "'encoding': 'utf-8'",
    )


def test_missing_column(project, sensor_csv, forestfires):
    path = sensor_csv(forestfires.drop(columns="RH"))
    rejected(project, DataValidationError, str(path), "['RH'] not found", "'temp'")


def test_renamed_column(project, sensor_csv, forestfires):
    path = sensor_csv(forestfires.rename(columns={"temp": "temperature"}))
    rejected(
        project, DataValidationError, str(path), "['temp'] not found", "'temperature'"
    )


def test_text_in_numeric_column(project, sensor_csv, forestfires):
    path = sensor_csv(with_value(forestfires, "wind", 4, "calm"))
    rejected(
        project,
        DataValidationError,
        str(path),
        "column 'wind'",
        "'calm' in data row 5",
        "expected a number",
    )


def test_missing_value(project, sensor_csv, forestfires):
    path = sensor_csv(with_value(forestfires, "RH", 9, np.nan))
    rejected(
        project,
        DataValidationError,
        str(path),
        "column 'RH'",
        "1 of 517 rows are missing (first in data row 10)",
        "set 'impute'",
    )


def test_infinite_value(project, sensor_csv, forestfires):
    path = sensor_csv(with_value(forestfires, "temp", 0, "inf"))
    rejected(
        project,
        DataValidationError,
        str(path),
        "column 'temp'",
        "are infinite",
        "finite",
    )


def test_out_of_range_value(project, sensor_csv, forestfires):
    path = sensor_csv(with_value(forestfires, "RH", 2, 150))
    rejected(
        project,
        DataValidationError,
        str(path),
        "column 'RH'",
        "150",
        "expected 0 <= RH <= 100",
    )


def test_fraction_in_integer_column(project, sensor_csv, forestfires):
    path = sensor_csv(with_value(forestfires, "X", 3, 2.5))
    rejected(
        project, DataValidationError, str(path), "column 'X'", "expected an integer"
    )


def test_unknown_category(project, sensor_csv, forestfires):
    path = sensor_csv(with_value(forestfires, "month", 7, "Janvier"))
    rejected(
        project,
        DataValidationError,
        str(path),
        "column 'month'",
        "'Janvier'",
        "expected one of",
    )


def test_truncated_file(project, sensor_csv, forestfires):
    text = forestfires.to_csv(index=False)
    cut = text.rindex(",", 0, len(text) // 2)  # the middle of a row
    path = sensor_csv(text[:cut].encode())
    rejected(project, DataValidationError, str(path), "are missing", "set 'impute'")


def test_duplicated_rows_fail_when_configured(project, sensor_csv, forestfires):
    doubled = pd.concat([forestfires, forestfires.iloc[[10, 11]]], ignore_index=True)
    count = int(doubled.duplicated().sum())  # the shipped data has a few already
    assert count == forestfires.duplicated().sum() + 2
    path = sensor_csv(doubled)
    rejected(
        project,
        DataValidationError,
        str(path),
        f"{count} of 519 rows duplicate an earlier row",
        "expected unique rows",
        params={"wildfire.data.schema.duplicates": "fail"},
    )


def test_duplicated_rows_warn_by_default(forestfires, caplog):
    doubled = pd.concat([forestfires, forestfires.iloc[[10]]], ignore_index=True)
    schema = load_parameters("base")["wildfire"]["data"]["schema"]
    assert schema["duplicates"] == "warn"
    with caplog.at_level(logging.WARNING):
        validated = validate_sensor_readings(doubled, schema)
    assert len(validated) == len(doubled)
    count = int(doubled.duplicated().sum())
    assert count == forestfires.duplicated().sum() + 1
    assert f"{count} of 518 rows duplicate an earlier row" in caplog.text


def test_single_class(project, sensor_csv, forestfires):
    path = sensor_csv(forestfires.assign(area=0.0))
    rejected(
        project,
        DataValidationError,
        "target column 'area'",
        "all 517 rows fall in one class",
        "expected both classes",
    )
    assert path.exists()


def test_too_few_rows_for_the_split(project, sensor_csv, forestfires):
    two = forestfires.iloc[[0, 200]]  # one fire, one not
    assert set(two["area"] > 0) == {True, False}
    sensor_csv(two)
    rejected(
        project,
        DataValidationError,
        "has 2 rows",
        "too few for",
        "expected at least",
        params={"wildfire.data.schema.min_rows": 1},
    )


def test_too_few_rows_per_class_to_stratify(project, sensor_csv, forestfires):
    """The model input saved before the class counts are checked is removed too."""
    fires = forestfires[forestfires["area"] > 0].head(2)
    others = forestfires[forestfires["area"] == 0].head(20)
    sensor_csv(pd.concat([others, fires]))
    rejected(
        project,
        DataValidationError,
        "22 rows with class counts",
        "expected",
        "rows of each class",
    )


def test_feature_column_missing_from_the_file(project, sensor_csv, forestfires):
    """A feature declared in the schema but absent from the file names the column."""
    sensor_csv(forestfires)
    with_humidity = load_parameters("test")["wildfire"]
    rejected(
        project,
        ParameterValidationError,
        "features ['humidity'] are not columns of data.schema",
        params={
            "wildfire.features.numeric": [
                *with_humidity["features"]["numeric"],
                "humidity",
            ]
        },
    )
