"""Errors raised before training when data or parameters are not what was expected."""

from __future__ import annotations

from dl_experiments.config.base import ParameterValidationError

__all__ = ["DataValidationError", "ParameterValidationError"]


class DataValidationError(ValueError):
    """Input data broke its schema.

    ``dataset`` is the catalog name of the offending input; ``source`` (the file
    behind it) is filled in by the project's hook when the error leaves a node, so
    that nodes stay free of file paths while users still read which file is wrong.
    """

    def __init__(
        self, dataset: str, problems: list[str], source: str | None = None
    ) -> None:
        self.dataset = dataset
        self.problems = list(problems)
        self.source = source
        super().__init__(dataset, self.problems)

    def __str__(self) -> str:
        where = f"dataset '{self.dataset}'"
        if self.source:
            where = f"file '{self.source}' (dataset '{self.dataset}')"
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        count = len(self.problems)
        return f"Invalid data in {where}: {count} problem(s)\n{lines}"
