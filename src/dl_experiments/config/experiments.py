"""Each kind of experiment's whole parameter tree, with its rules across fields.

An experiment's parameters (``params:<experiment>``) are one of these models; an
experiment pipeline's first node takes the whole tree, so Kedro validates all of it
before any node runs, and every other node takes the part it needs
(``params:<experiment>.training`` is a ``TrainingConfig``). A new experiment of a
known kind needs no model of its own.
"""

from __future__ import annotations

from typing import Any

from pydantic import model_validator

from dl_experiments import tasks
from dl_experiments.config.base import Seed, Strict
from dl_experiments.config.baselines import ImageBaselinesConfig
from dl_experiments.config.data import (
    CoordinatesConfig,
    FeatureConfig,
    ImageDataConfig,
    ImagePredictConfig,
    SplitConfig,
    TableDataConfig,
    TablePredictConfig,
    TargetConfig,
    ValidationSplitConfig,
)
from dl_experiments.config.evaluation import (
    ClassificationEvaluationConfig,
    ImageReportConfig,
    RegressionEvaluationConfig,
)
from dl_experiments.config.model import CNNConfig, MLPConfig, TrainingConfig


class TabularExperiment(Strict):
    """A table in, an MLP trained on its declared features, a target out."""

    seed: Seed
    data: TableDataConfig
    target: TargetConfig
    features: FeatureConfig
    split: SplitConfig = SplitConfig()
    model: MLPConfig
    training: TrainingConfig = TrainingConfig()
    predict: TablePredictConfig = TablePredictConfig()

    @property
    def kind(self) -> tasks.TaskKind:
        """The task kind the target makes (``tasks``)."""
        return tasks.kind(self.target.task)

    @model_validator(mode="before")
    @classmethod
    def _class_names_from_schema(cls, data: Any) -> Any:
        """A multi-class target without ``class_names`` takes its column's
        ``allowed`` values in the schema, so they are written once."""
        if not isinstance(data, dict):
            return data
        target = data.get("target")
        if not isinstance(target, dict) or target.get("task") not in tasks.REGISTERED:
            return data
        if tasks.kind(target["task"]).activation != "softmax":
            return data
        if target.get("class_names") is not None:
            return data
        schema = (data.get("data") or {}).get("schema") or (data.get("data") or {}).get(
            "table_schema"
        )
        columns = schema.get("columns") if isinstance(schema, dict) else None
        column = (columns or {}).get(target.get("column"))
        allowed = column.get("allowed") if isinstance(column, dict) else None
        if allowed:
            data = {**data, "target": {**target, "class_names": [str(v) for v in allowed]}}
        return data

    def derived_columns(self) -> list[str]:
        """Feature columns the pipeline derives (not read from the table)."""
        return []

    def _problems(self) -> list[str]:
        """Rules across fields; subclasses add their own."""
        declared = self.data.table_schema.columns
        derived = self.derived_columns()
        unknown = [
            column
            for column in self.features.columns
            if column not in declared and column not in derived
        ]
        problems = []
        if unknown and derived:
            problems.append(
                f"features {unknown} are neither columns of data.schema nor derived "
                f"coordinates; declared columns: {list(declared)}, derived: {derived}"
            )
        elif unknown:
            problems.append(
                f"features {unknown} are not columns of data.schema; declared "
                f"columns: {list(declared)}"
            )
        if self.target.column not in declared:
            problems.append(
                f"target.column '{self.target.column}' is not a column of "
                f"data.schema; declared columns: {list(declared)}"
            )
        monitor = self.kind.check_monitor(
            self.training.early_stopping.monitor, "training.early_stopping.monitor"
        )
        if monitor:
            problems.append(monitor)
        return problems

    @model_validator(mode="after")
    def _consistent(self) -> TabularExperiment:
        problems = self._problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self


class TabularClassification(TabularExperiment):
    """A classifier on a table: binary (wildfire; a sigmoid MLP) or multi-class
    (a softmax MLP), and baselines."""

    evaluation: ClassificationEvaluationConfig = ClassificationEvaluationConfig()

    @property
    def class_names(self) -> list[str]:
        """Class names in label order (binary: negative, positive)."""
        return self.target.labels

    @property
    def threshold(self) -> float:
        """The probability above which a row is predicted positive (binary)."""
        return self.evaluation.threshold

    def _problems(self) -> list[str]:
        problems = super()._problems()
        kind = self.kind
        if not kind.has_classes:
            problems.append(
                f"target.task '{self.target.task}': a tabular classification "
                "experiment trains a classifier; expected 'binary' or 'multiclass'"
            )
            return problems
        if self.model.members > 1:
            problems.append(
                f"model.members = {self.model.members}: several members are trained "
                f"for regression only; expected 1 for a {kind.name} classifier"
            )
        if kind.activation == "softmax":  # one unit per class: names them all
            problems += self._multiclass_problems()
        return problems

    def _multiclass_problems(self) -> list[str]:
        column = self.data.table_schema.columns.get(self.target.column)
        if not self.target.class_names:
            return [
                f"target.class_names: missing for the {self.target.task} target "
                f"'{self.target.column}'; expected the list of class names, or "
                f"'allowed' values for the column in data.schema"
            ]
        if column is not None and column.allowed is not None:
            allowed = [str(value) for value in column.allowed]
            unknown = [name for name in allowed if name not in self.target.class_names]
            if unknown:
                return [
                    f"target.class_names {self.target.class_names} lack the allowed "
                    f"values {unknown} of column '{self.target.column}' in data.schema"
                ]
        return []


class TabularRegression(TabularExperiment):
    """A regression MLP on a table (housing), with optional rotated coordinates."""

    split: SplitConfig = SplitConfig(stratify=False)
    coordinates: CoordinatesConfig = CoordinatesConfig()
    evaluation: RegressionEvaluationConfig = RegressionEvaluationConfig()

    def derived_columns(self) -> list[str]:
        """The rotated-coordinate columns."""
        return self.coordinates.columns

    @property
    def model_features(self) -> FeatureConfig:
        """The features with the derived coordinate columns added to the numeric
        ones (each once), so they are scaled and fed like any other."""
        return self.features.with_numeric(self.coordinates.columns)

    def _problems(self) -> list[str]:
        problems = super()._problems()
        declared = self.data.table_schema.columns
        if self.coordinates.columns:
            for column in (self.coordinates.x, self.coordinates.y):
                if column not in declared:
                    problems.append(
                        f"coordinates: column '{column}' is not a column of "
                        f"data.schema; declared columns: {list(declared)}"
                    )
        if self.kind.has_classes:
            problems.append(
                f"target.task '{self.target.task}': a tabular regression "
                "experiment trains a regression model; expected 'regression'"
            )
        if self.split.stratify:
            problems.append(
                "split.stratify: a continuous target cannot be stratified; "
                "expected false"
            )
        place = () if self.evaluation.map is None else (
            self.evaluation.map.x,
            self.evaluation.map.y,
        )
        off_map = [column for column in place if column not in self.features.numeric]
        if off_map:
            problems.append(
                f"evaluation.map columns {off_map} are not numeric features, so the "
                f"test rows do not carry them; numeric features: "
                f"{self.features.numeric}"
            )
        return problems


class ImageClassification(Strict):
    """Labelled grayscale images in, a CNN with one softmax output per class, and
    baselines on the pixels."""

    seed: Seed
    data: ImageDataConfig
    split: ValidationSplitConfig = ValidationSplitConfig()
    model: CNNConfig
    training: TrainingConfig = TrainingConfig()
    baselines: ImageBaselinesConfig = ImageBaselinesConfig()
    reporting: ImageReportConfig = ImageReportConfig()
    predict: ImagePredictConfig = ImagePredictConfig()

    @property
    def kind(self) -> tasks.TaskKind:
        """Image classification (``tasks.image``)."""
        return tasks.kind("image_classification")

    @property
    def class_names(self) -> list[str]:
        """Label i of the data is ``class_names[i]``."""
        return list(self.data.class_names)

    @model_validator(mode="after")
    def _monitor_produced(self) -> ImageClassification:
        problem = self.kind.check_monitor(
            self.training.early_stopping.monitor, "training.early_stopping.monitor"
        )
        if problem:
            raise ValueError(problem)
        return self

    @model_validator(mode="after")
    def _pooling_fits(self) -> ImageClassification:
        sizes = self.model.feature_map_sizes(self.data.image_shape)
        if any(min(size) < 1 for size in sizes):
            steps = " -> ".join(
                f"{rows}x{cols}" for rows, cols in [self.data.image_shape, *sizes]
            )
            raise ValueError(
                f"model.conv_blocks: {self.data.image_shape[0]}x"
                f"{self.data.image_shape[1]} images (data.image_shape) are pooled "
                f"to nothing: {steps} after each block's stride and pooling; "
                f"expected fewer blocks with pool: true or stride 2, or larger images"
            )
        return self
