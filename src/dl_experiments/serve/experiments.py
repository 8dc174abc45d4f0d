"""What the service scores with: each experiment's own predict pipeline, per request.

An experiment is served when the project registers ``<experiment>_predict``. Its
nodes tagged ``ingestion`` (read and validate) and ``scoring`` are run in-process
on the request's data, with the same parameters as ``kedro run`` and the artifacts
of one bundle (``serve.bundles``), so a row or an image scores exactly as the
predict pipeline scores it; the ``reporting`` node (the summary) is left out.

Inputs of those nodes: the new data (the catalog entry the predict pipeline reads,
e.g. ``wildfire.new_readings``), the versioned artifacts (``wildfire.model``,
``wildfire.preprocessor``), ``<experiment>.artifact_versions`` and ``params:``
entries. Outputs: the predictions table, and the rejects table the service turns
into a 4xx error when it is not empty (it never answers part of a request).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from kedro.pipeline import Pipeline
from PIL import Image

from dl_experiments.config.data import (
    ColumnSchema,
    ImageDataConfig,
    TableDataConfig,
    TableSchema,
)
from dl_experiments.serve.errors import Problem, ServeError
from dl_experiments.validation import DataValidationError
from dl_experiments.validation.rows import ROW, row_problems, scoring_schema

logger = logging.getLogger(__name__)

PREDICT_SUFFIX = "_predict"
SCORING_TAGS = ("ingestion", "scoring")
VERSIONS_SUFFIX = ".artifact_versions"
MAX_PROBLEMS = 100
Kind = Literal["table", "images"]


@dataclass(frozen=True)
class TableInput:
    """What a table experiment's records must hold: the training schema without
    the label (``fields``), and the optional identifier columns."""

    fields: dict[str, ColumnSchema]
    id_columns: list[str]
    schema: TableSchema

    def describe(self) -> dict[str, Any]:
        """The fields with their types, ranges and allowed values."""
        return {
            "input": "table",
            "fields": {
                name: {
                    **spec.model_dump(),
                    "required": True,
                    "nullable": spec.impute is not None,
                    "expected": expected(name, spec),
                }
                for name, spec in self.fields.items()
            },
            "id_columns": list(self.id_columns),
        }


@dataclass(frozen=True)
class ImageInput:
    """What an image experiment converts uploads to, and what it answers."""

    image_shape: tuple[int, int]
    class_names: list[str]
    settings: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """The training size, the classes and the predict settings."""
        return {
            "input": "images",
            "image_shape": list(self.image_shape),
            "class_names": list(self.class_names),
            "predict": dict(self.settings),
            "formats": "PNG, JPEG or another format Pillow reads; any size, "
            "grayscale or colour (converted to the training size in grayscale)",
        }


def expected(name: str, spec: ColumnSchema) -> str:
    """What a field of ``spec`` must hold, in words: ``a number, 0 <= RH <= 100``."""
    if spec.type == "categorical":
        what = (
            f"one of {sorted(str(value) for value in spec.allowed)}"
            if spec.allowed is not None
            else "a string"
        )
    else:
        what = "an integer" if spec.type == "integer" else "a number"
        low = (
            ""
            if spec.min is None
            else f"{spec.min:g} {'<' if spec.exclusive_min else '<='} "
        )
        high = "" if spec.max is None else f" <= {spec.max:g}"
        if low or high:
            what += f", {low}{name}{high}"
    return what + (" or null" if spec.impute is not None else "")


@dataclass(frozen=True)
class Experiment:
    """One served experiment: its predict pipeline's ingestion and scoring nodes
    and everything they need besides the request's data and the artifacts."""

    name: str
    pipeline: Pipeline
    new_data: str
    artifacts: tuple[str, ...]
    versions_input: str | None
    predictions: str
    rejects: tuple[str, ...]
    parameters: dict[str, Any]
    input: TableInput | ImageInput

    @property
    def kind(self) -> Kind:
        """``table`` (JSON records) or ``images`` (files)."""
        return "table" if isinstance(self.input, TableInput) else "images"

    def warm_up(
        self, artifacts: Mapping[str, Any], versions: Mapping[str, str]
    ) -> None:
        """Score one made-up input (a record in the middle of the schema's ranges,
        or a blank image) so TensorFlow traces the model before a request waits
        for it; an input the schema refuses only skips this."""
        if isinstance(self.input, TableInput):
            record = {name: _typical(spec) for name, spec in self.input.fields.items()}
            ids = {name: None for name in self.input.id_columns}
            data: Any = pd.DataFrame([ids | record], dtype=object)
        else:
            height, width = self.input.image_shape
            blank = Image.new("L", (width, height))
            data = {"warm-up": blank.copy}
        try:
            self.score(data, artifacts, versions)
        except ServeError as error:
            logger.debug("%s: no warm-up (%s)", self.name, error)
        except Exception:  # noqa: BLE001 - requests will say it too; serve anyway
            logger.warning(
                "%s: scoring a made-up input failed", self.name, exc_info=True
            )

    def score(
        self,
        data: pd.DataFrame | Mapping[str, Any],
        artifacts: Mapping[str, Any],
        versions: Mapping[str, str],
        failures: Mapping[str, str] | None = None,
    ) -> pd.DataFrame:
        """The predictions table for ``data`` (a frame of records, or image name ->
        loader), as the predict pipeline writes it; a ``ServeError`` naming each
        bad row or image when any is invalid."""
        values: dict[str, Any] = {**self.parameters, **artifacts, self.new_data: data}
        if self.versions_input:
            values[self.versions_input] = dict(versions)
        try:
            for node in self.pipeline.nodes:
                values.update(node.run({name: values[name] for name in node.inputs}))
        except DataValidationError as error:
            raise self._invalid(data, error.problems, failures or {}) from None
        if any(len(values[name]) for name in self.rejects):
            # on_invalid: reject in the parameters; still never a partial answer
            raise self._invalid(data, [], failures or {})
        predictions = values[self.predictions]
        _check_finite(predictions)
        return predictions

    def _invalid(
        self, data: Any, problems: list[str], failures: Mapping[str, str]
    ) -> ServeError:
        if isinstance(self.input, TableInput):
            error = invalid_rows(data, self.input)
            if not error.problems:  # not a cell's fault: the pipeline's own words
                error.problems = [Problem(problem=line) for line in problems]
            return error
        positions = {name: position for position, name in enumerate(data, start=1)}
        listed = [
            Problem(
                row=positions[name],
                field="images",
                image=name,
                problem=f"cannot be read as an image ({reason})",
                expected="a PNG, JPEG or another format Pillow reads",
            )
            for name, reason in failures.items()
        ]
        return ServeError(
            400,
            "undecodable_image",
            f"{len(listed) or 'some'} of {len(data)} images cannot be read; nothing "
            "was scored",
            listed or [Problem(problem=line) for line in problems],
        )


def _typical(spec: ColumnSchema) -> Any:
    """A value ``spec`` accepts: the middle of its range, or its first category."""
    if spec.type == "categorical":
        return str(spec.allowed[0]) if spec.allowed else "a"
    low = spec.min if spec.min is not None else (spec.max - 1 if spec.max else 0.0)
    high = spec.max if spec.max is not None else low + 2
    value = (low + high) / 2
    return float(round(value)) if spec.type == "integer" else value


def invalid_rows(
    frame: pd.DataFrame, table: TableInput, known: list[Problem] | None = None
) -> ServeError:
    """A 422 naming every bad cell of ``frame`` (the predict pipeline's checks,
    ``row_problems``) besides the ``known`` problems of the same request, by row."""
    known = list(known or [])
    whole = {problem.row for problem in known if problem.field is None}
    cells = {(problem.row, problem.field) for problem in known}
    found = row_problems(frame, table.schema)
    problems = known + [
        problem
        for problem in map(_cell_problem, found.itertuples())
        if problem.row not in whole and (problem.row, problem.field) not in cells
    ]
    problems.sort(key=lambda problem: (problem.row or 0, str(problem.field)))
    bad = len({problem.row for problem in problems})
    return ServeError(
        422,
        "invalid_input",
        f"{bad} of {len(frame)} records are invalid; nothing was scored",
        problems[:MAX_PROBLEMS],
        more=max(0, len(problems) - MAX_PROBLEMS),
    )


def _cell_problem(line: Any) -> Problem:
    """One line of ``row_problems`` (or a rejects table): ``problem; expected``."""
    problem, _, wanted = str(line.problem).partition("; ")
    value = None if line.value is None or pd.isna(line.value) else str(line.value)
    return Problem(
        row=int(getattr(line, ROW)),
        field=str(line.column),
        value=value if value is None or len(value) <= 100 else value[:100] + "...",
        problem=problem,
        expected=wanted.removeprefix("expected ") or None,
    )


def _check_finite(predictions: pd.DataFrame) -> None:
    """A non-finite score (a model that overflows on an extreme but valid value)
    is an error naming the rows, never a NaN in an answer."""
    numbers = predictions.select_dtypes(include="number")
    bad = ~np.isfinite(numbers.to_numpy(dtype=np.float64)).all(axis=1)
    if bad.any():
        rows = [int(position) + 1 for position in np.flatnonzero(bad)]
        raise ServeError(
            422,
            "invalid_input",
            f"the model gives no finite score for {len(rows)} record(s)",
            [
                Problem(
                    row=row,
                    problem="scores to a non-finite number",
                    expected="values the model can score",
                )
                for row in rows[:MAX_PROBLEMS]
            ],
        )


def discover(catalog: Any, pipelines: Mapping[str, Pipeline]) -> dict[str, Experiment]:
    """Every experiment with a ``<experiment>_predict`` pipeline, described from
    that pipeline, the catalog and the validated parameters."""
    found = {}
    for pipeline_name in sorted(pipelines):
        if not pipeline_name.endswith(PREDICT_SUFFIX):
            continue
        name = pipeline_name.removesuffix(PREDICT_SUFFIX)
        found[name] = _experiment(name, pipelines[pipeline_name], catalog)
    return found


def _experiment(name: str, predict: Pipeline, catalog: Any) -> Experiment:
    pipeline = predict.only_nodes_with_tags(*SCORING_TAGS)
    ingestion = predict.only_nodes_with_tags(SCORING_TAGS[0])
    scoring = predict.only_nodes_with_tags(SCORING_TAGS[1])
    free = {item for item in pipeline.inputs() if not item.startswith("params:")}
    (new_data,) = sorted(
        item for item in ingestion.inputs() if not item.startswith("params:")
    )
    versions_input = next((i for i in free if i.endswith(VERSIONS_SUFFIX)), None)
    artifacts = tuple(sorted(free - {new_data, versions_input}))
    (predictions,) = sorted(scoring.all_outputs() & pipeline.outputs())
    rejects = tuple(sorted(pipeline.outputs() - {predictions}))
    parameters = {
        item: catalog.load(item)
        for item in pipeline.inputs()
        if item.startswith("params:")
    }
    tree = catalog.load(f"params:{name}")
    if isinstance(tree.data, TableDataConfig):
        spec: TableInput | ImageInput = TableInput(
            fields=dict(
                scoring_schema(tree.data.table_schema, [tree.target.column]).columns
            ),
            id_columns=list(tree.predict.id_columns),
            schema=scoring_schema(tree.data.table_schema, [tree.target.column]),
        )
    elif isinstance(tree.data, ImageDataConfig):
        spec = ImageInput(
            image_shape=tuple(tree.data.image_shape),
            class_names=list(tree.data.class_names),
            settings=tree.predict.model_dump(exclude={"on_invalid"}),
        )
    else:
        raise TypeError(
            f"experiment '{name}': params:{name}.data is a {type(tree.data).__name__}; "
            "the service scores tables (TableDataConfig) and images (ImageDataConfig)"
        )
    return Experiment(
        name=name,
        pipeline=pipeline,
        new_data=new_data,
        artifacts=artifacts,
        versions_input=versions_input,
        predictions=predictions,
        rejects=rejects,
        parameters=parameters,
        input=spec,
    )


def records(predictions: pd.DataFrame) -> list[dict[str, Any]]:
    """The predictions table as JSON-ready records (NumPy scalars as Python's)."""
    rows = predictions.to_dict(orient="records")
    return [
        {
            key: (
                None if isinstance(value, float) and not math.isfinite(value) else value
            )
            for key, value in row.items()
        }
        for row in rows
    ]
