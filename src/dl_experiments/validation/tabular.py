"""Declarative table schemas and a validator whose errors say what, where and why."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dl_experiments.config.data import ColumnSchema, TableSchema
from dl_experiments.validation.errors import DataValidationError

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class CellCheck:
    """One rule of a column's schema, evaluated on every row at once.

    ``failed`` flags the rows that break it. ``each`` says it of one cell ("is not a
    number"), ``found`` of several ("are not numbers"); ``expected`` says what the
    schema wants (``expected_each``, where given, for one cell). ``shows_value``
    is false when the offending value is nothing to show (a missing cell).
    """

    failed: np.ndarray
    each: str
    found: str
    expected: str
    expected_each: str | None = None
    shows_value: bool = True


def cell_checks(name: str, spec: ColumnSchema, raw: pd.Series) -> list[CellCheck]:
    """Every rule of ``spec`` as a row mask over ``raw``, vectorised.

    The single definition of what a valid cell is: training tables summarise the
    failures per column (``validate_table``), new rows to score list them per cell
    (``validation.rows``).
    """
    missing = raw.isna().to_numpy()
    checks = []
    if spec.impute is None:
        checks.append(
            CellCheck(
                missing,
                "is missing",
                "are missing",
                "expected no missing values, or set 'impute' for this column in "
                "the schema",
                expected_each="expected a value",
                shows_value=False,
            )
        )
    if spec.type == "categorical":
        if spec.allowed is not None:
            allowed = {str(value) for value in spec.allowed}
            stripped = raw.astype("string").str.strip()
            known = stripped.isin(allowed).fillna(False).to_numpy(dtype=bool)
            checks.append(
                CellCheck(
                    ~missing & ~known,
                    "is not an allowed value",
                    "are not allowed values",
                    f"expected one of {sorted(allowed)}",
                )
            )
        return checks
    kind = "an integer" if spec.type == "integer" else "a number"
    values = pd.to_numeric(raw, errors="coerce").astype("float64")
    finite = values.where(~np.isinf(values))
    low = spec.min if spec.min is not None else -np.inf
    high = spec.max if spec.max is not None else np.inf
    below = finite <= low if spec.exclusive_min else finite < low
    lower = "<" if spec.exclusive_min else "<="
    checks += [
        CellCheck(
            values.isna().to_numpy() & ~missing,
            "is not a number",
            "are not numbers",
            f"expected {kind}",
        ),
        CellCheck(
            np.isinf(values.to_numpy()),
            "is infinite",
            "are infinite",
            "expected a finite number",
        ),
    ]
    if spec.type == "integer":
        checks.append(
            CellCheck(
                (finite.notna() & (finite % 1 != 0)).to_numpy(),
                "is not a whole number",
                "are not whole numbers",
                "expected an integer",
            )
        )
    checks.append(
        CellCheck(
            (finite.notna() & (below | (finite > high))).to_numpy(),
            "is outside the plausible range",
            "are outside the plausible range",
            f"expected {low:g} {lower} {name} <= {high:g}",
        )
    )
    return checks


def _summary(name: str, check: CellCheck, raw: pd.Series) -> str:
    """One line for a column: how many rows, an example and its row, expectation."""
    positions = np.flatnonzero(check.failed)
    count, first = len(positions), int(positions[0]) + 1
    if not check.shows_value:
        return (
            f"column '{name}': {count} of {len(raw)} rows {check.found} (first in "
            f"data row {first}); {check.expected}"
        )
    example = raw.iloc[positions[0]]
    if isinstance(example, np.generic):  # 47.6, not np.float64(47.6)
        example = example.item()
    return (
        f"column '{name}': {count} of {len(raw)} rows, e.g. {example!r} in data row "
        f"{first} {check.found}; {check.expected}"
    )


def typed_column(spec: ColumnSchema, raw: pd.Series) -> pd.Series:
    """The column as training sees it: float64 numbers, or stripped text."""
    if spec.type == "categorical":
        missing = raw.isna().to_numpy()
        return raw.astype("string").str.strip().astype(object).where(~missing, np.nan)
    return pd.to_numeric(raw, errors="coerce").astype("float64")


def validate_table(
    frame: pd.DataFrame, schema: TableSchema, dataset: str
) -> pd.DataFrame:
    """Check ``frame`` against ``schema`` and return the schema's columns, typed.

    Every problem found is reported at once in one ``DataValidationError`` that
    names the column, how many rows are affected, an example value and its data-row
    number (counted from 1, after the header), and what was expected.

    Args:
        frame: The table as read from its file.
        schema: The table's declared schema.
        dataset: Catalog name of the table, used in error messages.
    """
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
    problems = [
        _summary(name, check, frame[name])
        for name, spec in schema.columns.items()
        for check in cell_checks(name, spec, frame[name])
        if check.failed.any()
    ]
    typed = {
        name: typed_column(spec, frame[name]) for name, spec in schema.columns.items()
    }

    result = pd.DataFrame(typed, index=frame.index)
    duplicated = result.duplicated().to_numpy()
    if duplicated.any() and schema.duplicates != "allow":
        count, first = int(duplicated.sum()), int(np.argmax(duplicated)) + 1
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
