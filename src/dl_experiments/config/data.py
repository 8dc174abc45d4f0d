"""What the data is: table schemas, targets, features, splits, image sets."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from dl_experiments import tasks
from dl_experiments.config.base import Fraction, PositiveInt, Strict, Task

ImputeStrategy = Literal["median", "mean", "most_frequent"]
OnInvalid = Literal["fail", "reject"]


class ColumnSchema(Strict):
    """What one column must hold.

    ``numeric`` and ``integer`` columns are coerced to numbers; text that is not a
    number, NaN and +/-inf are errors; ``exclusive_min`` makes ``min`` itself out of
    range (a value must be above it). ``categorical`` columns may list ``allowed``
    values. A column may have missing values only when ``impute`` names how the
    preprocessing fills them.
    """

    type: Literal["numeric", "integer", "categorical"] = "numeric"
    min: float | None = None
    max: float | None = None
    exclusive_min: bool = False
    allowed: list[str | int | float] | None = None
    impute: ImputeStrategy | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ColumnSchema:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        if self.type != "categorical" and self.allowed is not None:
            raise ValueError("'allowed' is only for categorical columns")
        if self.type == "categorical" and self.impute not in (None, "most_frequent"):
            raise ValueError("a categorical column can only impute 'most_frequent'")
        return self


class TableSchema(Strict):
    """A table's columns, and how strict to be about rows as a whole."""

    columns: dict[str, ColumnSchema] = Field(min_length=1)
    duplicates: Literal["allow", "warn", "fail"] = "warn"
    min_rows: Annotated[int, Field(ge=1)] = 1


class TableDataConfig(Strict):
    """The schema a raw table is validated against, and optional subsampling.

    In YAML the schema is ``schema``; in Python (and as a node input,
    ``params:<experiment>.data.table_schema``) it is ``table_schema``.
    """

    table_schema: TableSchema = Field(alias="schema")
    # A seeded random sample of this many rows before the split; null: all rows.
    subsample: PositiveInt | None = None


class TargetConfig(Strict):
    """Where the label comes from, and which kind of task it makes (``tasks``).

    Binary targets are either a rule on a numeric column (``greater_than``) or a
    label column and its ``positive_value``; multi-class targets are a label
    column whose values are ``class_names`` (or, when not given, the column's
    ``allowed`` values in the schema); regression targets are a column as is.
    """

    column: str
    task: Task
    greater_than: float | None = None
    positive_value: str | int | float | bool | None = None
    class_names: list[str] | None = None
    # Regression: the network learns the target standardised with the training
    # rows' mean and standard deviation, and the saved model turns its output back
    # into the target's units (a Keras Rescaling layer); ``none`` learns the values
    # as they are. Unset: ``standard`` for regression.
    scale: Literal["standard", "none"] | None = None

    @property
    def standardised(self) -> bool:
        """Whether the network learns a standardised regression target."""
        return not tasks.kind(self.task).has_classes and self.scale != "none"

    @model_validator(mode="after")
    def _one_rule(self) -> TargetConfig:
        kind = tasks.kind(self.task)
        if kind.activation == "sigmoid":  # one unit: a rule picks the positive rows
            rules = [self.greater_than is not None, self.positive_value is not None]
            if sum(rules) != 1:
                raise ValueError(
                    "a binary target needs exactly one of 'greater_than' (a rule on "
                    "a numeric column) or 'positive_value' (a label column's "
                    "positive label)"
                )
            if self.class_names is not None and len(self.class_names) != 2:
                raise ValueError(f"a {self.task} target has exactly 2 class_names")
        elif self.greater_than is not None or self.positive_value is not None:
            raise ValueError(
                f"'greater_than' and 'positive_value' define a binary target; a "
                f"{self.task} target uses the column as it is"
            )
        if not kind.has_classes and self.class_names is not None:
            raise ValueError(f"a {self.task} target has no class_names")
        if kind.has_classes and self.scale is not None:
            raise ValueError(
                f"'scale' is for regression targets; a {self.task} target has classes"
            )
        if self.class_names is not None:
            if len(set(self.class_names)) != len(self.class_names):
                raise ValueError(f"class_names {self.class_names} repeat a name")
            if len(self.class_names) < kind.min_classes:
                raise ValueError(
                    f"a {self.task} target has at least {kind.min_classes} "
                    f"class_names, got {self.class_names}; two classes are task: binary"
                )
        return self

    @property
    def labels(self) -> list[str]:
        """Class names in label order: for a binary target (negative, positive),
        by default ``not <column>`` and ``<column>``; for a multi-class one
        ``class_names`` (``TabularExperiment.class_names`` falls back to the
        schema's allowed values)."""
        if self.class_names:
            return list(self.class_names)
        if tasks.kind(self.task).activation == "sigmoid":
            return [f"not {self.column}", self.column]
        return []


class FeatureConfig(Strict):
    """Which columns feed the model and how numeric ones are scaled."""

    numeric: list[str] = []
    categorical: list[str] = []
    log_transform: list[str] = []
    scaler: Literal["standard", "robust", "quantile"] = "standard"
    # Clip numeric features at these quantiles of the training rows (after any log
    # transform, before scaling), e.g. [0.001, 0.999]; null keeps outliers as is.
    clip_quantiles: tuple[
        Annotated[float, Field(ge=0, le=1)], Annotated[float, Field(ge=0, le=1)]
    ] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> FeatureConfig:
        if not self.numeric and not self.categorical:
            raise ValueError("at least one numeric or categorical feature is needed")
        overlap = sorted(set(self.numeric) & set(self.categorical))
        if overlap:
            raise ValueError(f"columns {overlap} are both numeric and categorical")
        stray = sorted(set(self.log_transform) - set(self.numeric))
        if stray:
            raise ValueError(f"log_transform columns {stray} are not numeric features")
        if self.clip_quantiles and self.clip_quantiles[0] >= self.clip_quantiles[1]:
            raise ValueError(
                f"clip_quantiles must be [low, high] with low < high, got "
                f"{list(self.clip_quantiles)}"
            )
        return self

    @property
    def columns(self) -> list[str]:
        """All feature columns, numeric first."""
        return [*self.numeric, *self.categorical]

    def with_numeric(self, extra: list[str]) -> FeatureConfig:
        """The same features with ``extra`` numeric columns added (each once)."""
        numeric = [*self.numeric, *(c for c in extra if c not in self.numeric)]
        return self.model_copy(update={"numeric": numeric})


class CoordinatesConfig(Strict):
    """Each row's coordinate along axes rotated by ``rotations`` degrees
    (counter-clockwise from ``x``), named ``coord_rot_<angle>``.

    An MLP on raw longitude / latitude sees only two axis-aligned directions; the
    rotated ones let it cut the map along diagonals (a coast, a valley).
    ``rotations: []`` derives nothing.
    """

    x: str = "Longitude"
    y: str = "Latitude"
    rotations: list[Annotated[int, Field(gt=0, lt=180)]] = []

    @property
    def columns(self) -> list[str]:
        """Names of the derived columns."""
        return [f"coord_rot_{angle}" for angle in self.rotations]


class SplitConfig(Strict):
    """Seeded train / validation / test split."""

    test_size: Fraction = 0.2
    validation_size: Fraction = 0.2
    stratify: bool = True

    @model_validator(mode="after")
    def _leaves_training_rows(self) -> SplitConfig:
        if self.test_size + self.validation_size >= 1:
            raise ValueError(
                f"test_size + validation_size must be below 1 so rows are left for "
                f"training, got {self.test_size} + {self.validation_size}"
            )
        return self


class ImageDataConfig(Strict):
    """What the images are, and how many of them to use.

    From IDX files, label i is ``class_names[i]``; from folders
    (``datasets.ImageFolderDataset``) each class is the folder of that name.
    """

    image_shape: tuple[PositiveInt, PositiveInt] = (28, 28)
    # 1: grayscale (IDX: (n, rows, cols)); 3: colour (RGB; IDX: (n, rows, cols, 3)).
    channels: Literal[1, 3] = 1
    class_names: list[str] = Field(min_length=2)
    # Image files of another size or mode (RGBA, palette, colour for grayscale or
    # grayscale for colour) are errors naming them; true converts them (Pillow:
    # ``convert``, then a Lanczos resize to ``image_shape``).
    convert: bool = False
    # The test images as a seeded, stratified share of the training images (the
    # test entries of the catalog then name the same files as the training ones);
    # null: the test files are their own.
    test_split: Fraction | None = None
    # A stratified subsample (None: all images); the test environment uses a few.
    max_train_images: PositiveInt | None = None
    max_test_images: PositiveInt | None = None


class ValidationSplitConfig(Strict):
    """The validation part, held out of the training images (seeded, stratified)."""

    validation_size: Fraction = 0.1


class TablePredictConfig(Strict):
    """How a tabular predict pipeline reads new rows (``<experiment>.predict``).

    ``id_columns`` are copied to the predictions; ``on_invalid: reject`` lists bad
    rows in ``prediction_rejects`` instead of stopping the run.
    """

    id_columns: list[str] = []
    on_invalid: OnInvalid = "fail"


class ImagePredictConfig(Strict):
    """How an image predict pipeline reads new images (``<experiment>.predict``)."""

    on_invalid: OnInvalid = "fail"
    invert: bool = False
    top_k: Annotated[int, Field(ge=1)] = 3
