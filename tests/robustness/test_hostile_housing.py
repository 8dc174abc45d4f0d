"""Hostile district tables for housing: each is stopped before training.

The shipped parquet file is read, broken in one way and written into a project
copy; the real housing pipeline must reject it naming the file, the column, what
was found and what was expected, and leave no version of anything.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from kedro.io import DatasetError

from dl_experiments.validation import DataValidationError
from tests.conftest import PROJECT_ROOT, run_kedro
from tests.robustness.conftest import derived_files, point_catalog

pytestmark = pytest.mark.e2e

DISTRICTS = PROJECT_ROOT / "data" / "01_raw" / "california_housing.parquet.brotli"


@pytest.fixture(scope="module")
def districts() -> pd.DataFrame:
    """The first 500 shipped districts, to be broken by each test."""
    return pd.read_parquet(DISTRICTS).head(500).reset_index(drop=True)


@pytest.fixture
def districts_file(project: Path):
    """Write a frame (or raw bytes) as the housing table the project copy reads."""

    def write(content: pd.DataFrame | bytes | None) -> Path:
        path = project / "hostile" / "districts.parquet"
        path.parent.mkdir(exist_ok=True)
        if isinstance(content, pd.DataFrame):
            content.to_parquet(path, index=False)
        elif content is not None:
            path.write_bytes(content)
        point_catalog(
            project,
            "housing.districts",
            {"type": "pandas.ParquetDataset", "filepath": str(path)},
        )
        return path

    return write


def rejected(project: Path, error: type[Exception], *words: str) -> None:
    with pytest.raises(error) as raised:
        run_kedro(project, "housing")
    message = str(raised.value)
    for word in words:
        assert word in message, f"{word!r} not in:\n{message}"
    assert derived_files(project) == [], "a rejected run left versions behind"


def test_missing_file(project, districts_file):
    path = districts_file(None)
    rejected(project, DatasetError, str(path))


def test_corrupt_file(project, districts_file, districts):
    whole = (project / "whole.parquet").resolve()
    districts.to_parquet(whole)
    path = districts_file(whole.read_bytes()[:-200])
    rejected(project, DatasetError, str(path))


def test_missing_column(project, districts_file, districts):
    path = districts_file(districts.drop(columns="MedInc"))
    rejected(project, DataValidationError, str(path), "['MedInc'] not found")


def test_text_in_numeric_column(project, districts_file, districts):
    broken = districts.astype({"HouseAge": str})  # a text column, as from a CSV export
    broken.loc[3, "HouseAge"] = "old"
    path = districts_file(broken)
    rejected(
        project,
        DataValidationError,
        str(path),
        "column 'HouseAge'",
        "'old' in data row 4",
        "expected a number",
    )


def test_missing_and_infinite_values(project, districts_file, districts):
    broken = districts.copy()
    broken.loc[5, "AveRooms"] = np.nan
    broken.loc[6, "Population"] = np.inf
    path = districts_file(broken)
    rejected(
        project,
        DataValidationError,
        str(path),
        "column 'AveRooms': 1 of 500 rows are missing",
        "column 'Population'",
        "are infinite",
    )


def test_out_of_range_coordinates(project, districts_file, districts):
    path = districts_file(districts.assign(Latitude=districts["Latitude"] + 20))
    rejected(
        project,
        DataValidationError,
        str(path),
        "column 'Latitude'",
        "expected 32 <= Latitude <= 42",
    )


def test_too_few_rows(project, districts_file, districts):
    path = districts_file(districts.head(30))
    rejected(project, DataValidationError, str(path), "30 data rows", "at least 100")
