"""Tabular preprocessing shared by the wildfire and housing pipelines.

Every function is a pure Kedro node: data and parameter models in, data out. The
fitted transformer is a scikit-learn ``ColumnTransformer`` that the catalog
persists (versioned) beside the model, so new rows are scored exactly as the
training rows were.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dl_experiments import tasks
from dl_experiments.annotations import Preprocessor
from dl_experiments.config import (
    FeatureConfig,
    ParameterValidationError,
    SplitConfig,
    TableSchema,
    TargetConfig,
)
from dl_experiments.validation import DataValidationError

TARGET = "target"


def make_model_input(
    table: pd.DataFrame,
    target: TargetConfig,
    features: FeatureConfig,
    name: str = "data",
) -> pd.DataFrame:
    """Select the feature columns and derive the ``target`` column.

    Raises a parameter error when a configured column is not in the data, and a
    data error when a classification target has a single class.
    """
    target_config, feature_config = target, features
    available = list(map(str, table.columns))
    problems = [
        f"{name}.features: column '{column}' does not exist in the data; "
        f"available columns: {available}"
        for column in feature_config.columns
        if column not in table.columns
    ]
    if target_config.column not in table.columns:
        problems.append(
            f"{name}.target.column: column '{target_config.column}' does not exist "
            f"in the data; available columns: {available}"
        )
    if target_config.column in feature_config.columns:
        problems.append(
            f"{name}.features: the target column '{target_config.column}' cannot "
            "also be a feature"
        )
    if problems:
        raise ParameterValidationError(name, problems)

    kind = tasks.kind(target_config.task)
    y, problems = kind.encode_target(table[target_config.column], target_config)
    if problems:
        raise DataValidationError(name, problems)
    model_input = table[feature_config.columns].copy()
    model_input[TARGET] = y.to_numpy()
    model_input.index.name = "row_id"
    return model_input


def subsample(table: pd.DataFrame, rows: int | None, seed: int) -> pd.DataFrame:
    """A seeded random sample of ``rows`` rows (all rows when ``rows`` is null).

    For fast trial runs on a large table; the original row order is kept.
    """
    if rows is None or rows >= len(table):
        return table
    if rows < 1:
        raise ParameterValidationError(
            "subsample", [f"subsample = {rows!r}: expected a positive number of rows"]
        )
    return table.sample(n=int(rows), random_state=seed).sort_index()


def split_data(
    model_input: pd.DataFrame, split: SplitConfig, seed: int, name: str = "data"
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Seeded train / validation / test split, stratified on the target if asked.

    ``validation_size`` and ``test_size`` are fractions of all rows. Row ids (the
    index) are kept so every prediction can be traced back to its input row.
    """
    config = split
    n_rows = len(model_input)
    y = model_input[TARGET]
    n_test = int(np.ceil(n_rows * config.test_size))
    n_validation = int(np.ceil(n_rows * config.validation_size))
    if n_rows - n_test - n_validation < 1 or min(n_test, n_validation) < 1:
        raise DataValidationError(
            name,
            [
                f"has {n_rows} rows, too few for a split with test_size="
                f"{config.test_size} and validation_size={config.validation_size}; "
                "expected at least one row in each part"
            ],
        )
    from sklearn.model_selection import train_test_split  # noqa: PLC0415

    stratify = config.stratify
    try:
        rest, test = train_test_split(
            model_input,
            test_size=n_test,
            random_state=seed,
            stratify=y if stratify else None,
        )
        train, validation = train_test_split(
            rest,
            test_size=n_validation,
            random_state=seed,
            stratify=rest[TARGET] if stratify else None,
        )
    except ValueError as exc:  # sklearn: too few rows of a class to stratify
        counts = y.value_counts().to_dict()
        raise DataValidationError(
            name,
            [
                f"cannot split {n_rows} rows with class counts {counts} into "
                f"stratified parts (test_size={config.test_size}, validation_size="
                f"{config.validation_size}): {exc}; expected more rows per class"
            ],
        ) from exc
    return train.sort_index(), validation.sort_index(), test.sort_index()


def _log1p(values: np.ndarray) -> np.ndarray:
    """log(1 + x) for non-negative skewed counts."""
    return np.log1p(np.clip(values, 0, None))


def fit_preprocessor(
    train: pd.DataFrame, features: FeatureConfig, schema: TableSchema | None = None
) -> Preprocessor:
    """Fit imputation, scaling and one-hot encoding on the training rows only.

    Columns whose schema sets ``impute`` are filled with that strategy; others are
    known to be complete because ingestion validated them.
    """
    from sklearn.compose import ColumnTransformer  # noqa: PLC0415
    from sklearn.impute import SimpleImputer  # noqa: PLC0415
    from sklearn.pipeline import make_pipeline  # noqa: PLC0415
    from sklearn.preprocessing import (  # noqa: PLC0415
        FunctionTransformer,
        OneHotEncoder,
        QuantileTransformer,
        RobustScaler,
        StandardScaler,
    )

    from dl_experiments.preprocessing.transformers import (  # noqa: PLC0415
        QuantileClipper,
    )

    config = features
    columns = schema.columns if schema else {}
    scalers = {
        "standard": StandardScaler,
        "robust": RobustScaler,
        "quantile": lambda: QuantileTransformer(
            output_distribution="normal",
            n_quantiles=min(1000, len(train)),
            random_state=0,
        ),
    }
    transformers = []
    for column in config.numeric:
        strategy = columns[column].impute if column in columns else None
        steps = [SimpleImputer(strategy=strategy)] if strategy else []
        if column in config.log_transform:
            steps.append(
                FunctionTransformer(_log1p, feature_names_out="one-to-one")
            )
        if config.clip_quantiles:
            steps.append(QuantileClipper(*config.clip_quantiles))
        steps.append(scalers[config.scaler]())
        transformers.append((column, make_pipeline(*steps), [column]))
    for column in config.categorical:
        steps = []
        if column in columns and columns[column].impute:
            steps.append(SimpleImputer(strategy="most_frequent"))
        # Categories declared in the schema get a column even when the training
        # rows lack them (a rare month); otherwise the training rows define them.
        allowed = columns[column].allowed if column in columns else None
        steps.append(
            OneHotEncoder(
                categories=[[str(v) for v in allowed]] if allowed else "auto",
                handle_unknown="ignore",
                sparse_output=False,
                dtype=np.float32,
            )
        )
        transformers.append((column, make_pipeline(*steps), [column]))
    preprocessor = ColumnTransformer(transformers, verbose_feature_names_out=False)
    preprocessor.set_output(transform="default")
    return preprocessor.fit(train[config.columns])


def transform(preprocessor: Preprocessor, frame: pd.DataFrame) -> np.ndarray:
    """Feature matrix (float32) for a frame with the training columns."""
    columns = list(preprocessor.feature_names_in_)
    return np.asarray(preprocessor.transform(frame[columns]), dtype=np.float32)
