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

from dl_experiments.config import TabularClassification, parse_params
from dl_experiments.templates.tabular import validate_classification_table
from dl_experiments.validation import DataValidationError, ParameterValidationError
from tests.helpers import assert_rejected, load_parameters, with_value

pytestmark = pytest.mark.e2e

FILE = "{file}"  # stands for the hostile file's path in the expected words


def rejected(
    project: Path, error: type[Exception], *words: str, params: dict | None = None
) -> str:
    """Run wildfire on the hostile input; return the message after checking it."""
    return assert_rejected(project, "wildfire", error, *words, params=params)


def truncated(frame: pd.DataFrame) -> bytes:
    """The CSV text of ``frame`` cut in the middle of a row."""
    text = frame.to_csv(index=False)
    return text[: text.rindex(",", 0, len(text) // 2)].encode()


def one_fire_one_not(frame: pd.DataFrame) -> pd.DataFrame:
    two = frame.iloc[[0, 200]]
    assert set(two["area"] > 0) == {True, False}
    return two


def few_fires(frame: pd.DataFrame) -> pd.DataFrame:
    fires = frame[frame["area"] > 0].head(2)
    others = frame[frame["area"] == 0].head(20)
    return pd.concat([others, fires])


# case: (the hostile content made from the shipped table, the error, words its
# message must contain, dotted parameters of the run)
CASES = {
    "missing_file": (lambda f: None, DatasetError, [FILE, "No such file"], None),
    "empty_file": (lambda f: b"", DatasetError, [FILE, "No columns to parse"], None),
    "header_only_file": (
        lambda f: f.head(0),
        DataValidationError,
        [FILE, "0 data rows", "at least 20"],
        None,
    ),
    "wrong_delimiter": (
        lambda f: f.to_csv(sep=";", index=False).encode(),
        DataValidationError,
        [FILE, "required column(s)", "'X;Y;month", "check the delimiter"],
        None,
    ),
    "wrong_encoding": (
        lambda f: f.to_csv(index=False).encode("utf-16"),
        DatasetError,
        [FILE, "'utf-8' codec can't decode", "'encoding': 'utf-8'"],
        None,
    ),
    "missing_column": (
        lambda f: f.drop(columns="RH"),
        DataValidationError,
        [FILE, "['RH'] not found", "'temp'"],
        None,
    ),
    "renamed_column": (
        lambda f: f.rename(columns={"temp": "temperature"}),
        DataValidationError,
        [FILE, "['temp'] not found", "'temperature'"],
        None,
    ),
    "text_in_numeric_column": (
        lambda f: with_value(f, "wind", 4, "calm"),
        DataValidationError,
        [FILE, "column 'wind'", "'calm' in data row 5", "expected a number"],
        None,
    ),
    "missing_value": (
        lambda f: with_value(f, "RH", 9, np.nan),
        DataValidationError,
        [
            FILE,
            "column 'RH'",
            "1 of 517 rows are missing (first in data row 10)",
            "set 'impute'",
        ],
        None,
    ),
    "infinite_value": (
        lambda f: with_value(f, "temp", 0, "inf"),
        DataValidationError,
        [FILE, "column 'temp'", "are infinite", "finite"],
        None,
    ),
    "out_of_range_value": (
        lambda f: with_value(f, "RH", 2, 150),
        DataValidationError,
        [FILE, "column 'RH'", "150", "expected 0 <= RH <= 100"],
        None,
    ),
    "fraction_in_integer_column": (
        lambda f: with_value(f, "X", 3, 2.5),
        DataValidationError,
        [FILE, "column 'X'", "expected an integer"],
        None,
    ),
    "unknown_category": (
        lambda f: with_value(f, "month", 7, "Janvier"),
        DataValidationError,
        [FILE, "column 'month'", "'Janvier'", "expected one of"],
        None,
    ),
    "truncated_file": (
        truncated,
        DataValidationError,
        [FILE, "are missing", "set 'impute'"],
        None,
    ),
    "single_class": (
        lambda f: f.assign(area=0.0),
        DataValidationError,
        [
            "target column 'area'",
            "all 517 rows fall in one class",
            "expected both classes",
        ],
        None,
    ),
    "too_few_rows_for_the_split": (
        one_fire_one_not,
        DataValidationError,
        ["has 2 rows", "too few for", "expected at least"],
        {"wildfire.data.schema.min_rows": 1},
    ),
    # the model input saved before the class counts are checked is removed too
    "too_few_rows_per_class_to_stratify": (
        few_fires,
        DataValidationError,
        ["22 rows with class counts", "expected", "rows of each class"],
        None,
    ),
}


@pytest.mark.parametrize(("make", "error", "words", "params"), CASES.values(), ids=CASES)
def test_hostile_csv_is_rejected(  # noqa: PLR0913 - the case's four fields
    project, sensor_csv, forestfires, make, error, words, params
):
    content = make(forestfires)
    path = sensor_csv(content)
    rejected(project, error, *(w.replace(FILE, str(path)) for w in words), params=params)
    assert path.exists() == (content is not None)


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
    raw = load_parameters("base")["wildfire"]
    assert raw["data"]["schema"]["duplicates"] == "warn"
    params = parse_params(TabularClassification, raw, "wildfire")
    with caplog.at_level(logging.WARNING):
        validated = validate_classification_table(doubled, params, "sensor_readings")
    assert len(validated) == len(doubled)
    count = int(doubled.duplicated().sum())
    assert count == forestfires.duplicated().sum() + 1
    assert f"{count} of 518 rows duplicate an earlier row" in caplog.text


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
