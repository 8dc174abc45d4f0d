"""Request bodies to predict-pipeline inputs, without a model: what is refused
before the pipeline's own checks, and how every problem is named."""

from __future__ import annotations

import base64
import io

import pytest
from kedro.io import DatasetError
from PIL import Image

from dl_experiments.config.data import ColumnSchema, TableSchema
from dl_experiments.serve.errors import Problem, ServeError
from dl_experiments.serve.experiments import TableInput, expected
from dl_experiments.serve.inputs import (
    files_from_json,
    images_from_files,
    parse_json,
    table_from_records,
)
from dl_experiments.serve.limits import Limits

SCHEMA = TableSchema(
    columns={
        "temp": ColumnSchema(min=-40, max=60),
        "X": ColumnSchema(type="integer", min=1, max=9),
        "month": ColumnSchema(type="categorical", allowed=["jan", "feb"]),
        "rain": ColumnSchema(min=0, impute="median"),
    },
    duplicates="allow",
)
TABLE = TableInput(
    fields=dict(SCHEMA.columns), id_columns=["reading_id"], schema=SCHEMA
)
ROW = {"temp": 8.2, "X": 7, "month": "jan", "rain": 0.0}


def refused(payload: object, limits: Limits = Limits()) -> ServeError:
    with pytest.raises(ServeError) as raised:
        table_from_records(payload, TABLE, limits)
    return raised.value


def png(size: tuple[int, int] = (28, 28), mode: str = "L") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")
    return buffer.getvalue()


def test_records_become_the_table_a_csv_would_be():
    frame = table_from_records(
        [
            {**ROW, "reading_id": "r1", "extra": [1, 2]},
            {**ROW, "rain": None, "temp": "9"},
        ],
        TABLE,
        Limits(),
    )
    assert list(frame.columns) == ["reading_id", "temp", "X", "month", "rain"]
    assert frame["reading_id"].tolist() == ["r1", None]  # optional, null when absent
    assert frame["temp"].tolist() == [8.2, "9"]  # values as sent: "9" reads as 9
    assert frame["rain"].tolist() == [0.0, None]


def test_every_problem_of_a_request_is_named_at_once():
    error = refused(
        [
            ROW,
            {**ROW, "temp": 99, "month": "mars"},
            {"temp": True, "X": [7], "month": {"a": 1}},
            "row",
            {**ROW, "reading_id": {"id": 1}},
        ]
    )
    assert error.status == 422 and error.error == "invalid_input"
    assert error.message == "4 of 5 records are invalid; nothing was scored"
    listed = [(p.row, p.field, p.problem) for p in error.problems]
    assert listed == [
        (2, "month", "is not an allowed value"),
        (2, "temp", "is outside the plausible range"),
        (3, "X", "is an array"),
        (3, "month", "is an object"),
        (3, "rain", "is missing"),
        (3, "temp", "is a boolean"),
        (4, None, "is a string"),
        (5, "reading_id", "is an object"),
    ]
    assert error.problems[1].value == "99"
    assert error.problems[1].expected == "-40 <= temp <= 60"
    assert error.problems[4].expected == "a number, 0 <= rain or null"
    assert error.as_json()["problems"][6] == {
        "row": 4,
        "problem": "is a string",
        "expected": "an object with the fields ['temp', 'X', 'month', 'rain']",
    }


def test_numbers_beyond_a_float_are_infinite_not_a_crash():
    # as a CSV cell of 400 digits reads; the pipeline's checks then say "is infinite"
    frame = table_from_records(
        [{**ROW, "temp": 10**400, "X": -(10**400)}], TABLE, Limits()
    )
    assert frame.loc[0, ["temp", "X"]].tolist() == [float("inf"), float("-inf")]
    nan = refused([{**ROW, "temp": float("nan"), "reading_id": float("inf")}])
    assert [(p.field, p.problem) for p in nan.problems] == [
        ("reading_id", "is not a finite number"),
        ("temp", "is missing"),
    ]


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        ({"temp": 1}, 422, "the body is an object; expected a JSON array of records"),
        ([], 422, "the body has no records; expected at least 1"),
        ([ROW] * 4, 413, "4 records in one request; the limit is 3"),
    ],
)
def test_the_body_as_a_whole(payload: object, status: int, message: str):
    error = refused(payload, Limits(max_rows=3))
    assert (error.status, error.message) == (status, message)


def test_json_that_cannot_be_read_is_a_400():
    for body in (b"[{", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000):
        with pytest.raises(ServeError) as raised:
            parse_json(body)
        assert raised.value.status == 400 and raised.value.error == "malformed_body"
    assert parse_json(b"[NaN, Infinity]")[1] == float("inf")


def test_expected_says_type_range_and_nulls():
    assert expected("RH", ColumnSchema(min=0, max=100)) == "a number, 0 <= RH <= 100"
    assert expected("v", ColumnSchema(min=0, exclusive_min=True)) == "a number, 0 < v"
    assert expected("c", ColumnSchema(type="categorical")) == "a string"
    assert expected("n", ColumnSchema(type="integer")) == "an integer"


def test_images_load_as_the_folder_dataset_loads_them():
    loaders, failures = images_from_files(
        [("shoe.png", png()), ("dir/photo.JPG", png((50, 40), "RGB")), (None, png())],
        Limits(),
    )
    assert list(loaders) == ["shoe", "photo", "image-3"]  # sent order, suffix dropped
    assert loaders["photo"]().size == (50, 40)
    assert failures == {}

    loaders, failures = images_from_files([("cut.png", png()[:40])], Limits())
    with pytest.raises(DatasetError, match="upload 'cut'"):
        loaders["cut"]()
    assert "cut" in failures and "BytesIO" not in failures["cut"]


@pytest.mark.parametrize(
    ("files", "status", "problem"),
    [
        ([], 422, "is empty"),
        ([("a.png", png())] * 3, 413, "holds 3 images"),
        ([("a.png", png()), ("a.jpg", png())], 422, "names more than one image"),
        ([("big.png", png((100, 60)))], 413, "has 100x60 pixels"),
    ],
)
def test_image_requests_over_limits(files: list, status: int, problem: str):
    with pytest.raises(ServeError) as raised:
        images_from_files(files, Limits(max_images=2, max_image_pixels=5000))
    assert raised.value.status == status
    assert raised.value.problems[0].problem == problem


def test_base64_images():
    data = base64.b64encode(png()).decode()
    assert files_from_json(
        {"images": [{"name": "a", "data": data}, {"data": data}]}
    ) == [
        ("a", png()),
        (None, png()),
    ]
    with pytest.raises(ServeError) as raised:
        files_from_json({"images": [{"name": "a", "data": "%%%"}]})
    assert (raised.value.status, raised.value.error) == (400, "undecodable_image")
    for payload in ([data], {"images": [{"name": 3, "data": data}]}, {"images": "x"}):
        with pytest.raises(ServeError) as raised:
            files_from_json(payload)
        assert raised.value.status == 422


def test_problem_json_leaves_out_empty_keys():
    assert Problem(row=1, problem="is missing").as_json() == {
        "row": 1,
        "problem": "is missing",
    }
    error = ServeError(422, "invalid_input", "bad", [Problem(problem="x")], more=3)
    assert error.as_json() == {
        "status": 422,
        "error": "invalid_input",
        "message": "bad",
        "problems": [{"problem": "x"}],
        "more": 3,
    }
