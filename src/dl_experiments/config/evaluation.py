"""How results are judged and shown: thresholds, folds, units, figure sizes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dl_experiments.config.base import PositiveInt, Strict


class ClassificationEvaluationConfig(Strict):
    """How a tabular classifier is judged."""

    threshold: Annotated[float, Field(gt=0, lt=1)] = 0.5
    # k of the k-fold estimate over all rows (for small tables); null: none (a
    # large table, where k more trainings cost more than they tell).
    cv_folds: Annotated[int, Field(ge=2)] | None = 5


class MapConfig(Strict):
    """The two columns that place a row on the error map (x, then y)."""

    x: str
    y: str


class RegressionEvaluationConfig(Strict):
    """How a regression model is judged and reported.

    The defaults assume nothing of the data: no unit conversion, no cap on the
    target and no map (``map: null`` draws no error map).
    """

    # The target's unit for axis labels (e.g. "$100,000"), and one target unit in
    # a reporting unit: ``unit_value`` of ``unit_name`` (MedHouseVal is in units
    # of $100,000: 100000 dollars).
    target_unit: str = "target units"
    unit_value: Annotated[float, Field(gt=0)] | None = None
    unit_name: str = "units"
    target_cap: float | None = None
    n_bins: Annotated[int, Field(ge=1)] = 10
    map: MapConfig | None = None


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
