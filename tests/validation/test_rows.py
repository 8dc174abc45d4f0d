"""Row-by-row validation of new data against a training schema."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dl_experiments.config import TableSchema
from dl_experiments.validation import DataValidationError, validate_table
from dl_experiments.validation.rows import (
    row_problems,
    scoring_schema,
    validate_new_rows,
)

SCHEMA = TableSchema.model_validate({
    "duplicates": "fail",
    "min_rows": 50,
    "columns": {
        "temp": {"min": -40, "max": 60},
        "count": {"type": "integer", "min": 0},
        "month": {"type": "categorical", "allowed": ["jan", "feb"]},
        "rain": {"min": 0, "impute": "median"},
        "price": {"min": 0, "exclusive_min": True},
        "label": {"min": 0},
    },
})


def rows(changes: dict | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "temp": [10.0, 12.5, -3.0, 30.0],
            "count": [1, 2, 3, 4],
            "month": ["jan", "feb", "jan", "feb"],
            "rain": [0.0, np.nan, 1.5, 0.2],
            "price": [1.0, 2.0, 3.0, 4.0],
        }
    ).astype({"temp": object, "count": object, "price": object})
    for (column, position), value in (changes or {}).items():
        frame.loc[position, column] = value
    return frame


def test_each_bad_cell_is_one_line_with_row_column_value_and_expectation():
    frame = rows(
        {
            ("temp", 1): 99.0,
            ("count", 2): 1.5,
            ("month", 3): "smarch",
            ("price", 0): 0.0,
            ("temp", 3): "warm",
        }
    )
    problems = row_problems(frame, scoring_schema(SCHEMA, ["label"]))
    found = problems[["row", "column", "value"]].values.tolist()
    assert found == [
        [1, "price", "0.0"],
        [2, "temp", "99.0"],
        [3, "count", "1.5"],
        [4, "month", "smarch"],
        [4, "temp", "warm"],
    ]
    text = dict(zip(problems["column"], problems["problem"], strict=True))
    assert text["price"] == "is outside the plausible range; expected 0 < price <= inf"
    assert text["temp"] == "is not a number; expected a number"
    assert text["count"] == "is not a whole number; expected an integer"
    assert "expected one of ['feb', 'jan']" in text["month"]


def test_a_column_with_impute_may_be_missing_others_may_not():
    problems = row_problems(
        rows({("temp", 0): None}), scoring_schema(SCHEMA, ["label"])
    )
    assert problems[["row", "column", "problem"]].values.tolist() == [
        [1, "temp", "is missing; expected a value"]
    ]


def test_valid_rows_come_back_typed_as_for_training_with_their_ids():
    frame = rows()
    scored, rejects = validate_new_rows(
        frame, SCHEMA, "new", exclude=["label"], id_columns=["id"]
    )
    assert rejects.empty
    assert scored["row"].tolist() == [1, 2, 3, 4]
    assert scored["id"].tolist() == ["a", "b", "c", "d"]
    schema = TableSchema(
        columns={k: v for k, v in SCHEMA.columns.items() if k != "label"}
    )
    expected = validate_table(frame, schema, "new")
    pd.testing.assert_frame_equal(scored[expected.columns], expected)


def test_fail_mode_names_every_bad_row_and_the_way_out():
    with pytest.raises(DataValidationError) as caught:
        validate_new_rows(
            rows({("temp", 1): 99.0, ("month", 2): "mar"}),
            SCHEMA,
            "new",
            exclude=["label"],
        )
    message = str(caught.value)
    assert "dataset 'new'" in message
    assert "data row 2, column 'temp': '99.0' is outside the plausible range" in message
    assert "data row 3, column 'month': 'mar' is not an allowed value" in message
    assert "2 of 4 rows are invalid" in message and "on_invalid: reject" in message


def test_reject_mode_sets_bad_rows_aside_with_their_ids():
    scored, rejects = validate_new_rows(
        rows({("temp", 1): 99.0, ("count", 1): -1}),
        SCHEMA,
        "new",
        exclude=["label"],
        id_columns=["id"],
        on_invalid="reject",
    )
    assert scored["id"].tolist() == ["a", "c", "d"]
    assert scored["row"].tolist() == [1, 3, 4]
    assert rejects[["row", "id", "column"]].values.tolist() == [
        [2, "b", "count"],
        [2, "b", "temp"],
    ]


def test_all_rows_bad_is_an_error_even_when_rejecting():
    frame = rows({("temp", i): 99.0 for i in range(4)})
    with pytest.raises(DataValidationError, match="all 4 rows are invalid"):
        validate_new_rows(frame, SCHEMA, "new", exclude=["label"], on_invalid="reject")


def test_missing_training_or_id_columns_are_named():
    with pytest.raises(DataValidationError, match=r"\['id', 'price'\] not found"):
        validate_new_rows(
            rows().drop(columns=["id", "price"]),
            SCHEMA,
            "new",
            exclude=["label"],
            id_columns=["id"],
        )


def test_no_rows_is_an_error():
    with pytest.raises(DataValidationError, match="has 0 data rows"):
        validate_new_rows(rows().iloc[:0], SCHEMA, "new", exclude=["label"])


def test_an_id_column_that_is_also_a_feature_is_kept_once():
    scored, rejects = validate_new_rows(
        rows({("temp", 0): 99.0}),
        SCHEMA,
        "new",
        exclude=["label"],
        id_columns=["id", "month"],
        on_invalid="reject",
    )
    assert list(scored.columns).count("month") == 1
    assert scored[["row", "id", "month"]].values.tolist()[0] == [2, "b", "feb"]
    assert rejects[["row", "id", "month", "column"]].values.tolist() == [
        [1, "a", "jan", "temp"]
    ]
