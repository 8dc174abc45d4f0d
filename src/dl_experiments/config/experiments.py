"""Each kind of experiment's whole parameter tree, with its rules across fields.

An experiment's parameters (``params:<experiment>``) are one of these models; an
experiment pipeline's first node takes the whole tree, so Kedro validates all of it
before any node runs, and every other node takes the part it needs
(``params:<experiment>.training`` is a ``TrainingConfig``). A new experiment of a
known kind needs no model of its own.
"""

from __future__ import annotations

from pydantic import model_validator

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
        return problems

    @model_validator(mode="after")
    def _consistent(self) -> TabularExperiment:
        problems = self._problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self


class TabularClassification(TabularExperiment):
    """A binary classifier on a table (wildfire): a sigmoid MLP and baselines."""

    evaluation: ClassificationEvaluationConfig = ClassificationEvaluationConfig()

    @property
    def class_names(self) -> list[str]:
        """(negative, positive) class names."""
        return self.target.labels

    @property
    def threshold(self) -> float:
        """The probability above which a row is predicted positive."""
        return self.evaluation.threshold

    def _problems(self) -> list[str]:
        problems = super()._problems()
        if self.target.task != "binary":
            problems.append(
                f"target.task '{self.target.task}': a tabular classification "
                "experiment trains a binary classifier; expected 'binary'"
            )
        if self.model.members > 1:
            problems.append(
                f"model.members = {self.model.members}: several members are trained "
                "for regression only; expected 1 for a binary classifier"
            )
        return problems


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
        if self.target.task != "regression":
            problems.append(
                f"target.task '{self.target.task}': a tabular regression "
                "experiment trains a regression model; expected 'regression'"
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
    def class_names(self) -> list[str]:
        """Label i of the data is ``class_names[i]``."""
        return list(self.data.class_names)
