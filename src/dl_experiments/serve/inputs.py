"""Request bodies to what a predict pipeline reads: a table, or image files.

Records become the table a CSV file would have been: one column per schema field
(and identifier column), one row per record, values as sent; the predict
pipeline's own validation then checks every cell. Only what a CSV cannot hold is
refused here: a record that is not an object, a missing field, and JSON values
that are not scalars (arrays, objects, booleans).

Images become what the folder dataset hands the predict pipeline: a mapping of
name (the file name without its suffix) to a loader that opens the bytes as
``pillow.ImageDataset`` opens a file (``Image.open(...).copy()``), failures
wrapped as Kedro wraps a dataset's (``DatasetError``), so the pipeline's
conversion and its message for an unreadable file apply unchanged.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath
from typing import Any

import pandas as pd
from kedro.io import DatasetError
from PIL import Image

from dl_experiments.config.data import ColumnSchema
from dl_experiments.serve.errors import Problem, ServeError
from dl_experiments.serve.experiments import (
    MAX_PROBLEMS,
    TableInput,
    expected,
    invalid_rows,
)
from dl_experiments.serve.limits import Limits

JSON_TYPES = {list: "an array", dict: "an object", bool: "a boolean", str: "a string"}


def parse_json(body: bytes) -> Any:
    """The JSON document in ``body``; a 400 when it is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        detail = str(error) if isinstance(error, ValueError) else "nested too deeply"
        raise ServeError(
            400,
            "malformed_body",
            f"the body is not a JSON document ({detail[:200]})",
            [Problem(problem="is not valid JSON", expected="a JSON document")],
        ) from None


def _kind(value: Any) -> str:
    return JSON_TYPES.get(type(value), "null" if value is None else "a number")


def _cell(value: Any, spec: Any) -> tuple[Any, bool]:
    """The value a CSV cell would give (ints too large for a float are infinite),
    and whether a JSON value of its type can be such a cell at all."""
    if value is None or isinstance(value, str):
        return value, True
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value, False
    if spec is not None and spec.type != "categorical" and isinstance(value, int):
        try:
            float(value)
        except OverflowError:  # what a CSV cell of that many digits reads as
            return (math.inf if value > 0 else -math.inf), True
    return value, True


def _field_problem(
    row: int, name: str, record: dict[str, Any], spec: ColumnSchema | None
) -> Problem | None:
    """What is wrong with field ``name`` of a record before its value is checked
    (missing, or a JSON value no CSV cell can be); None if nothing."""
    if name not in record:
        if spec is None:  # an identifier column left out: null
            return None
        return Problem(
            row=row, field=name, problem="is missing", expected=expected(name, spec)
        )
    value, scalar = _cell(record[name], spec)
    if not scalar:
        return Problem(
            row=row,
            field=name,
            problem=f"is {_kind(value)}",
            expected=expected(name, spec) if spec else "a string or a number",
        )
    if spec is None and isinstance(value, float) and not math.isfinite(value):
        return Problem(
            row=row,
            field=name,
            value=str(value),
            problem="is not a finite number",
            expected="a string or a number",
        )
    return None


def table_from_records(payload: Any, table: TableInput, limits: Limits) -> pd.DataFrame:
    """The records of ``payload`` as the table the predict pipeline reads.

    Every record needs every field of the schema (``null`` where the schema
    imputes missing values); the identifier columns are optional (``null`` when
    left out); other keys are ignored, as a CSV's other columns are.
    """
    if not isinstance(payload, list):
        raise ServeError(
            422,
            "invalid_input",
            f"the body is {_kind(payload)}; expected a JSON array of records",
            [Problem(problem=f"is {_kind(payload)}", expected="an array of objects")],
        )
    if not payload:
        raise ServeError(
            422,
            "invalid_input",
            "the body has no records; expected at least 1",
            [Problem(problem="is an empty array", expected="at least 1 record")],
        )
    if len(payload) > limits.max_rows:
        raise ServeError(
            413,
            "payload_too_large",
            f"{len(payload)} records in one request; the limit is {limits.max_rows}",
            [
                Problem(
                    problem=f"holds {len(payload)} records",
                    expected=f"at most {limits.max_rows}",
                )
            ],
        )
    columns: dict[str, list[Any]] = {
        name: [] for name in [*table.id_columns, *table.fields]
    }
    problems: list[Problem] = []
    for row, record in enumerate(payload, start=1):
        is_object = isinstance(record, dict)
        if not is_object:
            problems.append(
                Problem(
                    row=row,
                    problem=f"is {_kind(record)}",
                    expected=f"an object with the fields {list(table.fields)}",
                )
            )
        values = record if is_object else {}
        for name, column in columns.items():
            problem = _field_problem(row, name, values, table.fields.get(name))
            if problem is None:
                column.append(_cell(values.get(name), table.fields.get(name))[0])
                continue
            if is_object:  # a record that is no object is one problem, not one a field
                problems.append(problem)
            column.append(None)
    frame = pd.DataFrame(
        {name: pd.Series(values, dtype=object) for name, values in columns.items()}
    )
    if problems:
        raise invalid_rows(frame, table, problems)
    return frame


def _stem(filename: str | None, position: int) -> str:
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    return PurePosixPath(name).stem or f"image-{position}"


def _loader(name: str, data: bytes, failures: dict[str, str]) -> Callable[[], Any]:
    def load() -> Image.Image:
        file = io.BytesIO(data)
        try:
            with file:
                return Image.open(file).copy()
        except Exception as error:
            # Pillow names the file it read; here that is the upload's name
            reason = str(error).replace(repr(file), repr(name)) or type(error).__name__
            failures[name] = reason.splitlines()[-1]
            raise DatasetError(
                f"Failed while loading data from upload '{name}'.\n{reason}"
            ) from error

    return load


def _pixels(name: str, row: int, data: bytes, limits: Limits) -> Problem | None:
    """An image over the pixel limit (read from its header alone), as a problem."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Image.DecompressionBombError:
        width = height = None
    except Exception:  # noqa: BLE001 - unreadable: the pipeline's conversion says so
        return None
    if width is not None and width * height <= limits.max_image_pixels:
        return None
    size = "too many" if width is None else f"{width}x{height}"
    return Problem(
        row=row,
        field="images",
        image=name,
        problem=f"has {size} pixels",
        expected=f"at most {limits.max_image_pixels} pixels",
    )


def images_from_files(
    files: Sequence[tuple[str | None, bytes]], limits: Limits
) -> tuple[dict[str, Callable[[], Any]], dict[str, str]]:
    """``(name -> loader, failures)`` for uploaded ``(file name, bytes)``, in the
    order sent; ``failures`` fills with the reason of each file that cannot be read."""
    if not files:
        raise ServeError(
            422,
            "invalid_input",
            "no images in the request; expected at least 1",
            [Problem(field="images", problem="is empty", expected="at least 1 image")],
        )
    if len(files) > limits.max_images:
        raise ServeError(
            413,
            "payload_too_large",
            f"{len(files)} images in one request; the limit is {limits.max_images}",
            [
                Problem(
                    field="images",
                    problem=f"holds {len(files)} images",
                    expected=f"at most {limits.max_images}",
                )
            ],
        )
    names = [
        _stem(filename, position) for position, (filename, _) in enumerate(files, 1)
    ]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ServeError(
            422,
            "invalid_input",
            f"image names {repeated} are used more than once",
            [
                Problem(
                    field="images",
                    image=name,
                    problem="names more than one image",
                    expected="a distinct file name per image",
                )
                for name in repeated
            ],
        )
    large = [
        problem
        for row, (name, (_, data)) in enumerate(zip(names, files, strict=True), 1)
        if (problem := _pixels(name, row, data, limits)) is not None
    ]
    if large:
        raise ServeError(413, "payload_too_large", "images over the pixel limit", large)
    failures: dict[str, str] = {}
    loaders = {
        name: _loader(name, data, failures)
        for name, (_, data) in zip(names, files, strict=True)
    }
    return loaders, failures


def files_from_json(payload: Any) -> list[tuple[str | None, bytes]]:
    """``(name, bytes)`` of ``{"images": [{"name": ..., "data": <base64>}, ...]}``."""
    items = payload.get("images") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise ServeError(
            422,
            "invalid_input",
            'expected {"images": [{"name": ..., "data": <base64>}, ...]}',
            [
                Problem(
                    field="images",
                    problem="is missing or not an array",
                    expected="an array of {name, data} objects",
                )
            ],
        )
    files, problems = [], []
    for row, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("data"), str):
            problems.append(
                Problem(
                    row=row,
                    field="images",
                    problem=f"is {_kind(item)}"
                    if not isinstance(item, dict)
                    else "has no base64 text under 'data'",
                    expected='{"name": <text, optional>, "data": <base64 text>}',
                )
            )
            continue
        name = item.get("name")
        if name is not None and not isinstance(name, str):
            problems.append(
                Problem(
                    row=row,
                    field="name",
                    problem=f"is {_kind(name)}",
                    expected="a string",
                )
            )
            continue
        try:
            data = base64.b64decode(item["data"], validate=True)
        except (binascii.Error, ValueError):
            problems.append(
                Problem(
                    row=row,
                    field="data",
                    image=name,
                    problem="is not base64",
                    expected="the image file's bytes in base64",
                )
            )
            continue
        files.append((name, data))
    if problems:
        undecodable = all(problem.problem == "is not base64" for problem in problems)
        raise ServeError(
            400 if undecodable else 422,
            "undecodable_image" if undecodable else "invalid_input",
            f"{len(problems)} of {len(items)} images are not usable; nothing was scored",
            problems[:MAX_PROBLEMS],
            more=max(0, len(problems) - MAX_PROBLEMS),
        )
    return files
