"""The housing experiment's whole parameter tree, declared as one schema.

The project's hook validates ``params:housing`` against ``HousingParameters``
before any node runs, so a typo or an impossible value stops the run at once.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from dl_experiments.preprocessing.coordinates import CoordinatesConfig
from dl_experiments.preprocessing.tabular import FeatureConfig, TargetConfig
from dl_experiments.validation.params import (
    MLPConfig,
    PositiveInt,
    SplitConfig,
    Strict,
    TrainingConfig,
)
from dl_experiments.validation.tabular import TableSchema


class MapConfig(Strict):
    """The two columns that place a row on the error map (x, then y)."""

    x: str = "Longitude"
    y: str = "Latitude"


class EvaluationConfig(Strict):
    """How the regression model is judged and reported."""

    # The target's unit for axis labels, and one target unit in the reporting
    # currency (MedHouseVal is in units of $100,000).
    target_unit: str = "$100,000"
    unit_value: Annotated[float, Field(gt=0)] | None = 100_000.0
    unit_name: str = "dollars"
    target_cap: float | None = 5.00001
    n_bins: Annotated[int, Field(ge=1)] = 10
    map: MapConfig = MapConfig()


class DataConfig(Strict):
    """The schema the raw table is validated against, and optional subsampling."""

    table_schema: TableSchema = Field(alias="schema")
    subsample: PositiveInt | None = None


class HousingParameters(Strict):
    """``params:housing``: data schema, target, features, split, model, training."""

    seed: Annotated[int, Field(ge=0)]
    data: DataConfig
    target: TargetConfig
    coordinates: CoordinatesConfig = CoordinatesConfig()
    features: FeatureConfig
    split: SplitConfig = SplitConfig(stratify=False)
    model: MLPConfig
    training: TrainingConfig = TrainingConfig()
    evaluation: EvaluationConfig = EvaluationConfig()

    @model_validator(mode="after")
    def _columns_declared(self) -> HousingParameters:
        declared = self.data.table_schema.columns
        derived = self.coordinates.columns
        problems = []
        unknown = [
            column
            for column in self.features.columns
            if column not in declared and column not in derived
        ]
        if unknown:
            problems.append(
                f"features {unknown} are neither columns of data.schema nor derived "
                f"coordinates; declared columns: {list(declared)}, derived: {derived}"
            )
        if derived:
            for column in (self.coordinates.x, self.coordinates.y):
                if column not in declared:
                    problems.append(
                        f"coordinates: column '{column}' is not a column of "
                        f"data.schema; declared columns: {list(declared)}"
                    )
        if self.target.column not in declared:
            problems.append(
                f"target.column '{self.target.column}' is not a column of "
                f"data.schema; declared columns: {list(declared)}"
            )
        if self.target.task != "regression":
            problems.append(
                f"target.task '{self.target.task}': the housing pipeline trains a "
                "regression model; expected 'regression'"
            )
        if self.split.stratify:
            problems.append(
                "split.stratify: a continuous target cannot be stratified; "
                "expected false"
            )
        place = (self.evaluation.map.x, self.evaluation.map.y)
        off_map = [column for column in place if column not in self.features.numeric]
        if off_map:
            problems.append(
                f"evaluation.map columns {off_map} are not numeric features, so the "
                f"test rows do not carry them; numeric features: "
                f"{self.features.numeric}"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self
