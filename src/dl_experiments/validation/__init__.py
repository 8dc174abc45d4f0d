"""One schema mechanism for data (tables, images) and for parameters."""

from dl_experiments.validation.errors import (
    DataValidationError,
    ParameterValidationError,
)
from dl_experiments.validation.params import parse_params
from dl_experiments.validation.tabular import ColumnSchema, TableSchema, validate_table

__all__ = [
    "ColumnSchema",
    "DataValidationError",
    "ParameterValidationError",
    "TableSchema",
    "parse_params",
    "validate_table",
]
