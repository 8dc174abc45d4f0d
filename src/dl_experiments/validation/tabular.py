"""Declarative table schemas and a validator whose errors say what, where and why."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from dl_experiments.validation.errors import DataValidationError
from dl_experiments.validation.params import Strict, parse_params

logger = logging.getLogger(__name__)

ImputeStrategy = Literal["median", "mean", "most_frequent"]


class ColumnSchema(Strict):
    """What one column must hold.

    ``numeric`` and ``integer`` columns are coerced to numbers; text that is not a
    number, NaN and +/-inf are errors; ``exclusive_min`` makes ``min`` itself out of
    range (a value must be above it). ``categorical`` columns may list ``allowed``
    values. A column may have missing values only when ``impute`` names how the
    preprocessing fills them.
    """

    type: Literal["numeric", "integer", "categorical"] = "numeric"
    min: float | None = None
    max: float | None = None
    exclusive_min: bool = False
    allowed: list[str | int | float] | None = None
    impute: ImputeStrategy | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ColumnSchema:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        if self.type != "categorical" and self.allowed is not None:
            raise ValueError("'allowed' is only for categorical columns")
        if self.type == "categorical" and self.impute not in (None, "most_frequent"):
            raise ValueError("a categorical column can only impute 'most_frequent'")
        return self


class TableSchema(Strict):
    """A table's columns, and how strict to be about rows as a whole."""

    columns: dict[str, ColumnSchema] = Field(min_length=1)
    duplicates: Literal["allow", "warn", "fail"] = "warn"
    min_rows: Annotated[int, Field(ge=1)] = 1


def _rows(mask: pd.Series | np.ndarray, frame: pd.DataFrame) -> tuple[int, int]:
    """Count of flagged rows and the first one as a 1-based data-row number."""
    positions = np.flatnonzero(np.asarray(mask))
    return len(positions), int(positions[0]) + 1 if len(positions) else 0


def _describe(mask: pd.Series, values: pd.Series, frame: pd.DataFrame) -> str:
    count, first = _rows(mask, frame)
    example = values[np.asarray(mask)].iloc[0]
    if isinstance(example, np.generic):  # 47.6, not np.float64(47.6)
        example = example.item()
    return f"{count} of {len(frame)} rows, e.g. {example!r} in data row {first}"


def _check_numeric(
    name: str, spec: ColumnSchema, raw: pd.Series, frame: pd.DataFrame
) -> tuple[pd.Series, list[str]]:
    problems: list[str] = []
    kind = "an integer" if spec.type == "integer" else "a number"
    values = pd.to_numeric(raw, errors="coerce").astype("float64")
    missing = raw.isna().to_numpy()
    not_numbers = values.isna().to_numpy() & ~missing
    if not_numbers.any():
        problems.append(
            f"column '{name}': {_describe(not_numbers, raw, frame)} are not numbers; "
            f"expected {kind}"
        )
    infinite = np.isinf(values.to_numpy())
    if infinite.any():
        problems.append(
            f"column '{name}': {_describe(infinite, raw, frame)} are infinite; "
            "expected finite values"
        )
    if missing.any() and spec.impute is None:
        count, first = _rows(missing, frame)
        problems.append(
            f"column '{name}': {count} of {len(frame)} rows are missing (first in "
            f"data row {first}); expected no missing values, or set 'impute' for "
            "this column in the schema"
        )
    finite = values.where(~np.isinf(values))
    if spec.type == "integer":
        fractional = (finite.notna() & (finite % 1 != 0)).to_numpy()
        if fractional.any():
            problems.append(
                f"column '{name}': {_describe(fractional, raw, frame)} are not whole "
                "numbers; expected an integer"
            )
    low = spec.min if spec.min is not None else -np.inf
    high = spec.max if spec.max is not None else np.inf
    below = finite <= low if spec.exclusive_min else finite < low
    outside = (finite.notna() & (below | (finite > high))).to_numpy()
    if outside.any():
        lower = "<" if spec.exclusive_min else "<="
        problems.append(
            f"column '{name}': {_describe(outside, raw, frame)} are outside the "
            f"plausible range; expected {low:g} {lower} {name} <= {high:g}"
        )
    return values, problems


def _check_categorical(
    name: str, spec: ColumnSchema, raw: pd.Series, frame: pd.DataFrame
) -> tuple[pd.Series, list[str]]:
    problems: list[str] = []
    missing = raw.isna().to_numpy()
    if missing.any() and spec.impute is None:
        count, first = _rows(missing, frame)
        problems.append(
            f"column '{name}': {count} of {len(frame)} rows are missing (first in "
            f"data row {first}); expected no missing values, or set 'impute'"
        )
    values = raw.astype("string").str.strip().astype(object).where(~missing, np.nan)
    if spec.allowed is not None:
        allowed = {str(value) for value in spec.allowed}
        unknown = (~missing) & ~values.isin(allowed).to_numpy()
        if unknown.any():
            problems.append(
                f"column '{name}': {_describe(unknown, raw, frame)} are not allowed "
                f"values; expected one of {sorted(allowed)}"
            )
    return values, problems


def validate_table(
    frame: pd.DataFrame, schema: TableSchema | dict, dataset: str
) -> pd.DataFrame:
    """Check ``frame`` against ``schema`` and return the schema's columns, typed.

    Every problem found is reported at once in one ``DataValidationError`` that
    names the column, how many rows are affected, an example value and its data-row
    number (counted from 1, after the header), and what was expected.

    Args:
        frame: The table as read from its file.
        schema: A ``TableSchema`` or its parameter dict.
        dataset: Catalog name of the table, used in error messages.
    """
    schema = parse_params(TableSchema, schema, f"{dataset} schema")
    if len(frame) < schema.min_rows:
        raise DataValidationError(
            dataset,
            [f"has {len(frame)} data rows; expected at least {schema.min_rows}"],
        )
    missing_columns = [name for name in schema.columns if name not in frame.columns]
    if missing_columns:
        raise DataValidationError(
            dataset,
            [
                f"required column(s) {missing_columns} not found; the file has "
                f"columns {list(map(str, frame.columns))} (check the delimiter, the "
                "header row and the column names in the schema)"
            ],
        )
    problems: list[str] = []
    typed: dict[str, pd.Series] = {}
    for name, spec in schema.columns.items():
        check = _check_categorical if spec.type == "categorical" else _check_numeric
        typed[name], found = check(name, spec, frame[name], frame)
        problems.extend(found)

    result = pd.DataFrame(typed, index=frame.index)
    duplicated = result.duplicated().to_numpy()
    if duplicated.any() and schema.duplicates != "allow":
        count, first = _rows(duplicated, frame)
        message = (
            f"{count} of {len(frame)} rows duplicate an earlier row (first in data "
            f"row {first})"
        )
        if schema.duplicates == "fail":
            problems.append(f"{message}; expected unique rows (schema: duplicates)")
        else:
            logger.warning("Dataset '%s': %s; they are kept.", dataset, message)
    if problems:
        raise DataValidationError(dataset, problems)
    return result.reset_index(drop=True)
