"""One schema mechanism for data: tables, new rows to score, image arrays.

Parameters are declared in ``dl_experiments.config`` and validated by Kedro.
"""

from dl_experiments.config import ColumnSchema, TableSchema, parse_params
from dl_experiments.validation.errors import (
    DataValidationError,
    ParameterValidationError,
)
from dl_experiments.validation.tabular import validate_table

__all__ = [
    "ColumnSchema",
    "DataValidationError",
    "ParameterValidationError",
    "TableSchema",
    "parse_params",
    "validate_table",
]
