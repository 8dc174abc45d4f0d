"""How results are judged and shown: thresholds, folds, units, figure sizes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dl_experiments.config.base import PositiveInt, Strict


class ClassificationEvaluationConfig(Strict):
    """How a tabular classifier is judged."""

    threshold: Annotated[float, Field(gt=0, lt=1)] = 0.5
    cv_folds: Annotated[int, Field(ge=2)] = 5


class MapConfig(Strict):
    """The two columns that place a row on the error map (x, then y)."""

    x: str = "Longitude"
    y: str = "Latitude"


class RegressionEvaluationConfig(Strict):
    """How a regression model is judged and reported."""

    # The target's unit for axis labels, and one target unit in the reporting
    # currency (MedHouseVal is in units of $100,000).
    target_unit: str = "$100,000"
    unit_value: Annotated[float, Field(gt=0)] | None = 100_000.0
    unit_name: str = "dollars"
    target_cap: float | None = 5.00001
    n_bins: Annotated[int, Field(ge=1)] = 10
    map: MapConfig = MapConfig()


class ImageReportConfig(Strict):
    """How many examples the image figures show."""

    misclassified_examples: PositiveInt = 36
    grid_columns: Annotated[int, Field(ge=1, le=20)] = 9
    confused_pairs: PositiveInt = 6
    examples_per_pair: Annotated[int, Field(ge=1, le=20)] = 8


class ComparisonConfig(Strict):
    """Which metrics are compared across versions and which way is better."""

    section: str = "model"
    metrics: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=lambda: ["n_samples", "threshold"])
    lower_is_better: list[str] = Field(
        default_factory=lambda: ["loss", "mse", "rmse", "mae", "mape", "error"]
    )
    closer_to_zero: list[str] = Field(default_factory=lambda: ["mean_error", "bias"])
