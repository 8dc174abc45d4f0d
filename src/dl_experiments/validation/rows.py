"""Row-by-row checks of new data against a training schema, for scoring.

Training rejects a file as a whole (``validate_table``); scoring new rows needs to
say which row is wrong, and may set bad rows aside in a rejects table instead of
stopping. Both use the same ``TableSchema``, so a row is scored only if it would
have been accepted for training.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dl_experiments.config.data import OnInvalid, TableSchema
from dl_experiments.validation.errors import DataValidationError
from dl_experiments.validation.tabular import cell_checks, validate_table

logger = logging.getLogger(__name__)

ROW = "row"
REJECT_COLUMNS = [ROW, "column", "value", "problem"]
MAX_LISTED = 20


def row_problems(frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """One line per bad cell: ``row`` (1-based data row), ``column``, ``value``, ``problem``.

    The checks are those of ``validate_table`` (types, finite numbers, ranges,
    allowed categories, missing values without ``impute``), applied per row. The
    frame must have every schema column; extra columns are ignored.
    """
    records = []
    for name, spec in schema.columns.items():
        raw = frame[name]
        for check in cell_checks(name, spec, raw):
            problem = f"{check.each}; {check.expected_each or check.expected}"
            for position in np.flatnonzero(check.failed):
                value = raw.iloc[position]
                records.append(
                    {
                        ROW: int(position) + 1,
                        "column": name,
                        "value": None if pd.isna(value) else str(value),
                        "problem": problem,
                    }
                )
    problems = pd.DataFrame.from_records(records, columns=REJECT_COLUMNS)
    return problems.sort_values([ROW, "column"], kind="stable").reset_index(drop=True)


def scoring_schema(
    schema: TableSchema, exclude: Sequence[str] = ()
) -> TableSchema:
    """The training schema for new rows: without ``exclude`` (the label), any row
    count, and duplicate rows allowed (the same reading may be scored twice)."""
    columns = {
        name: spec for name, spec in schema.columns.items() if name not in exclude
    }
    return TableSchema(columns=columns, duplicates="allow", min_rows=1)


def validate_new_rows(  # noqa: PLR0913 - keyword options of one check
    frame: pd.DataFrame,
    schema: TableSchema,
    dataset: str,
    *,
    exclude: Sequence[str] = (),
    id_columns: Sequence[str] = (),
    on_invalid: OnInvalid = "fail",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate rows to score against the training schema, row by row.

    Returns ``(rows, rejects)``. ``rows`` holds ``row`` (the 1-based data-row
    number in the file), the ``id_columns`` as given, and the schema's columns typed
    as for training. With ``on_invalid="fail"`` any bad cell raises one
    ``DataValidationError`` naming each row, column, value and what was expected;
    with ``"reject"`` the bad rows are left out, listed in ``rejects`` (one line
    per bad cell, with the row's identifiers) and counted in a warning.

    Args:
        frame: The new rows as read from their file.
        schema: The training ``TableSchema`` (or its parameter dict).
        dataset: Catalog name of the input, for messages.
        exclude: Schema columns new rows do not have (the label).
        id_columns: Columns copied to the output to identify each row.
        on_invalid: ``fail`` or ``reject``.
    """
    schema = scoring_schema(schema, exclude)
    expected = [*id_columns, *schema.columns]
    absent = [name for name in expected if name not in frame.columns]
    if absent:
        raise DataValidationError(
            dataset,
            [
                f"required column(s) {absent} not found; the file has columns "
                f"{list(map(str, frame.columns))}; expected the training columns "
                f"{list(schema.columns)}"
                + (f" and the id columns {list(id_columns)}" if id_columns else "")
            ],
        )
    if frame.empty:
        raise DataValidationError(
            dataset, ["has 0 data rows; expected at least 1 row to score"]
        )

    frame = frame.reset_index(drop=True)
    # an id column that is also a feature is kept once, typed, from the schema
    ids = frame[[name for name in id_columns if name not in schema.columns]].copy()
    ids.insert(0, ROW, np.arange(1, len(frame) + 1))
    problems = row_problems(frame, schema)
    bad_rows = problems[ROW].unique()
    if len(bad_rows) and (on_invalid == "fail" or len(bad_rows) == len(frame)):
        raise DataValidationError(dataset, _describe(problems, len(frame), on_invalid))

    labels = frame[list(dict.fromkeys(id_columns))].assign(**{ROW: ids[ROW]})
    rejects = problems.merge(labels, on=ROW, how="left")
    rejects = rejects[[ROW, *dict.fromkeys(id_columns), *REJECT_COLUMNS[1:]]]
    if len(bad_rows):
        logger.warning(
            "Dataset '%s': %d of %d rows rejected (listed in the rejects output); "
            "the other %d are scored.",
            dataset,
            len(bad_rows),
            len(frame),
            len(frame) - len(bad_rows),
        )
    keep = ~ids[ROW].isin(bad_rows).to_numpy()
    typed = validate_table(frame[keep], schema, dataset)
    rows = pd.concat([ids[keep].reset_index(drop=True), typed], axis=1)
    return rows, rejects


def _describe(problems: pd.DataFrame, n_rows: int, on_invalid: OnInvalid) -> list[str]:
    lines = [
        f"data row {line.row}, column '{line.column}': "
        f"{'(empty)' if pd.isna(line.value) else repr(line.value)} {line.problem}"
        for line in problems.head(MAX_LISTED).itertuples()
    ]
    n_bad = problems[ROW].nunique()
    if len(problems) > MAX_LISTED:
        lines.append(f"... and {len(problems) - MAX_LISTED} more problem(s)")
    if n_bad == n_rows:
        lines.append(f"all {n_rows} rows are invalid; nothing left to score")
    elif on_invalid == "fail":
        lines.append(
            f"{n_bad} of {n_rows} rows are invalid; fix them, or set on_invalid: "
            "reject to score the valid rows and list the bad ones in the rejects output"
        )
    return lines
