"""Hostile district tables for housing: each is stopped before training.

The shipped parquet file is read, broken in one way and written into a project
copy; the real housing pipeline must reject it naming the file, the column, what
was found and what was expected, and leave no version of anything.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from kedro.io import DatasetError

from dl_experiments.validation import DataValidationError
from tests.conftest import PROJECT_ROOT
from tests.helpers import assert_rejected, write_input

pytestmark = pytest.mark.e2e

DISTRICTS = PROJECT_ROOT / "data" / "01_raw" / "california_housing.parquet.brotli"
FILE = "{file}"  # stands for the hostile file's path in the expected words


@pytest.fixture(scope="module")
def districts() -> pd.DataFrame:
    """The first 500 shipped districts, to be broken by each test."""
    return pd.read_parquet(DISTRICTS).head(500).reset_index(drop=True)


def corrupt(frame: pd.DataFrame) -> bytes:
    """The parquet file of ``frame`` without its last 200 bytes."""
    whole = io.BytesIO()
    frame.to_parquet(whole)
    return whole.getvalue()[:-200]


def text_in_numeric_column(frame: pd.DataFrame) -> pd.DataFrame:
    broken = frame.astype({"HouseAge": str})  # a text column, as from a CSV export
    broken.loc[3, "HouseAge"] = "old"
    return broken


def missing_and_infinite_values(frame: pd.DataFrame) -> pd.DataFrame:
    broken = frame.copy()
    broken.loc[5, "AveRooms"] = np.nan
    broken.loc[6, "Population"] = np.inf
    return broken


# case: (the hostile content made from the shipped districts, the error, words its
# message must contain)
CASES = {
    "missing_file": (lambda d: None, DatasetError, [FILE]),
    "corrupt_file": (corrupt, DatasetError, [FILE]),
    "missing_column": (
        lambda d: d.drop(columns="MedInc"),
        DataValidationError,
        [FILE, "['MedInc'] not found"],
    ),
    "text_in_numeric_column": (
        text_in_numeric_column,
        DataValidationError,
        [FILE, "column 'HouseAge'", "'old' in data row 4", "expected a number"],
    ),
    "missing_and_infinite_values": (
        missing_and_infinite_values,
        DataValidationError,
        [
            FILE,
            "column 'AveRooms': 1 of 500 rows are missing",
            "column 'Population'",
            "are infinite",
        ],
    ),
    "out_of_range_coordinates": (
        lambda d: d.assign(Latitude=d["Latitude"] + 20),
        DataValidationError,
        [FILE, "column 'Latitude'", "expected 32 <= Latitude <= 42"],
    ),
    "too_few_rows": (
        lambda d: d.head(30),
        DataValidationError,
        [FILE, "30 data rows", "at least 100"],
    ),
}


@pytest.mark.parametrize(("make", "error", "words"), CASES.values(), ids=CASES)
def test_hostile_district_table_is_rejected(project, districts, make, error, words):
    path = write_input(
        project,
        "housing.districts",
        make(districts),
        "districts.parquet",
        {"type": "pandas.ParquetDataset"},
    )
    assert_rejected(
        project, "housing", error, *(w.replace(FILE, str(path)) for w in words)
    )
