"""The wildfire experiment's whole parameter tree, declared as one schema.

The project's hook validates ``params:wildfire`` against ``WildfireParameters``
before any node runs: a typo, an impossible value or a feature column the data
schema does not declare stops the run with every problem listed at once.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from dl_experiments.preprocessing.tabular import FeatureConfig, TargetConfig
from dl_experiments.validation.params import (
    MLPConfig,
    SplitConfig,
    Strict,
    TrainingConfig,
)
from dl_experiments.validation.tabular import TableSchema


class EvaluationConfig(Strict):
    """How the wildfire classifier is judged."""

    threshold: Annotated[float, Field(gt=0, lt=1)] = 0.5
    cv_folds: Annotated[int, Field(ge=2)] = 5


class DataConfig(Strict):
    """The schema every sensor CSV is validated against."""

    table_schema: TableSchema = Field(alias="schema")


class WildfireParameters(Strict):
    """``params:wildfire``: data schema, target, features, split, model, training."""

    seed: Annotated[int, Field(ge=0)]
    data: DataConfig
    target: TargetConfig
    features: FeatureConfig
    split: SplitConfig = SplitConfig()
    model: MLPConfig
    training: TrainingConfig = TrainingConfig()
    evaluation: EvaluationConfig = EvaluationConfig()

    @model_validator(mode="after")
    def _columns_declared(self) -> WildfireParameters:
        declared = self.data.table_schema.columns
        unknown = [column for column in self.features.columns if column not in declared]
        problems = []
        if unknown:
            problems.append(
                f"features {unknown} are not columns of data.schema; declared "
                f"columns: {list(declared)}"
            )
        if self.target.column not in declared:
            problems.append(
                f"target.column '{self.target.column}' is not a column of "
                f"data.schema; declared columns: {list(declared)}"
            )
        if self.target.task != "binary":
            problems.append(
                f"target.task '{self.target.task}': the wildfire pipeline trains a "
                "binary classifier; expected 'binary'"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self
