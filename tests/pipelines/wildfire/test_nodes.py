"""Unit tests for the wildfire nodes and the shared tabular pieces they wire."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from dl_experiments.config import (
    FeatureConfig,
    SplitConfig,
    TableSchema,
    TargetConfig,
    parse_params,
)
from dl_experiments.preprocessing.tabular import (
    TARGET,
    fit_preprocessor,
    make_model_input,
    split_data,
    transform,
)
from dl_experiments.validation import (
    DataValidationError,
    ParameterValidationError,
    validate_table,
)
from tests.conftest import PROJECT_ROOT

PARAMS = yaml.safe_load(
    (PROJECT_ROOT / "conf/base/parameters_wildfire.yml").read_text()
)["wildfire"]
RAW = pd.read_csv(PROJECT_ROOT / "data/01_raw/forestfires.csv")


def schema_of(schema: dict) -> TableSchema:
    return parse_params(TableSchema, schema, "wildfire.data.schema")


def validate_sensor_readings(readings: pd.DataFrame, schema: dict) -> pd.DataFrame:
    """The wildfire pipeline's ingestion check, as the template runs it."""
    return validate_table(readings, schema_of(schema), "wildfire.sensor_readings")


def make_fire_target(readings: pd.DataFrame, target: dict, features: dict):
    """The wildfire pipeline's target step, with the parameters as Kedro builds them."""
    return make_model_input(
        readings,
        parse_params(TargetConfig, target, "wildfire.target"),
        parse_params(FeatureConfig, features, "wildfire.features"),
        name="wildfire",
    )


FEATURES = FeatureConfig(**PARAMS["features"])
SPLIT = SplitConfig(**PARAMS["split"])


@pytest.fixture
def readings() -> pd.DataFrame:
    return RAW.copy()


def test_shipped_data_passes_its_schema(readings):
    validated = validate_sensor_readings(readings, PARAMS["data"]["schema"])
    assert len(validated) == 517
    assert validated["RH"].dtype == np.float64


def test_fire_target_is_area_above_zero(readings):
    model_input = make_fire_target(readings, PARAMS["target"], PARAMS["features"])
    assert model_input[TARGET].sum() == 270
    assert (model_input[TARGET] == (readings["area"] > 0)).all()
    assert "area" not in model_input.columns


@pytest.mark.parametrize(
    ("corrupt", "fragments"),
    [
        (
            lambda df: df.drop(columns="RH"),
            ["required column(s) ['RH'] not found", "'temp'"],
        ),
        (
            lambda df: df.assign(temp=df["temp"].astype(object).where(df.index != 5, "hot")),
            ["column 'temp'", "1 of 517 rows", "'hot'", "data row 6", "expected a number"],
        ),
        (
            lambda df: df.assign(RH=df["RH"].where(df.index != 2, 250)),
            ["column 'RH'", "1 of 517 rows", "250", "data row 3", "0 <= RH <= 100"],
        ),
        (
            lambda df: df.assign(wind=df["wind"].where(df.index > 1, -3.0)),
            ["column 'wind'", "2 of 517 rows", "-3.0", "0 <= wind"],
        ),
        (
            lambda df: df.assign(rain=df["rain"].where(df.index != 7)),
            ["column 'rain'", "1 of 517 rows are missing", "data row 8", "impute"],
        ),
        (
            lambda df: df.iloc[:0],
            ["has 0 data rows; expected at least 20"],
        ),
    ],
    ids=["missing_column", "text_in_numeric", "humidity_250", "negative_wind", "missing_value", "empty"],
)
def test_broken_readings_are_rejected_with_a_clear_message(readings, corrupt, fragments):
    with pytest.raises(DataValidationError) as error:
        validate_sensor_readings(corrupt(readings), PARAMS["data"]["schema"])
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, message


def test_all_problems_are_reported_together(readings):
    broken = readings.assign(RH=250, wind=-1)
    with pytest.raises(DataValidationError) as error:
        validate_sensor_readings(broken, PARAMS["data"]["schema"])
    assert len(error.value.problems) == 2


def test_missing_values_pass_when_imputation_is_configured(readings):
    schema = yaml.safe_load(yaml.safe_dump(PARAMS["data"]["schema"]))
    schema["columns"]["rain"]["impute"] = "median"
    validated = validate_sensor_readings(
        readings.assign(rain=readings["rain"].where(readings.index != 7)), schema
    )
    assert validated["rain"].isna().sum() == 1
    model_input = make_fire_target(validated, PARAMS["target"], PARAMS["features"])
    train, _, _ = split_data(model_input, SPLIT, 0)
    preprocessor = fit_preprocessor(train, FEATURES, schema_of(schema))
    assert np.isfinite(transform(preprocessor, model_input)).all()


def test_single_class_stops_before_training(readings):
    with pytest.raises(DataValidationError, match="one class"):
        make_fire_target(
            readings.assign(area=0.0), PARAMS["target"], PARAMS["features"]
        )


def test_unknown_feature_column_is_a_parameter_error(readings):
    features = {**PARAMS["features"], "numeric": ["temp", "humidity", "rain"]}
    with pytest.raises(ParameterValidationError, match="'humidity' does not exist"):
        make_fire_target(readings, PARAMS["target"], features)


def test_split_is_stratified_seeded_and_disjoint(readings):
    model_input = make_fire_target(readings, PARAMS["target"], PARAMS["features"])
    train, validation, test = split_data(model_input, SPLIT, 42)
    again = split_data(model_input, SPLIT, 42)
    other = split_data(model_input, SPLIT, 7)
    assert len(train) + len(validation) + len(test) == 517
    assert not set(train.index) & set(test.index)
    assert not set(train.index) & set(validation.index)
    assert list(test.index) == list(again[2].index)
    assert list(test.index) != list(other[2].index)
    overall = model_input[TARGET].mean()
    for part in (train, validation, test):
        assert part[TARGET].mean() == pytest.approx(overall, abs=0.02)


def test_scaling_is_fitted_on_the_training_part_only(readings):
    model_input = make_fire_target(readings, PARAMS["target"], PARAMS["features"])
    train, _, test = split_data(model_input, SPLIT, 42)
    preprocessor = fit_preprocessor(train, FEATURES, schema_of(PARAMS["data"]["schema"]))
    numeric = len(PARAMS["features"]["numeric"])
    x_train = transform(preprocessor, train)[:, :numeric]
    x_test = transform(preprocessor, test)[:, :numeric]
    np.testing.assert_allclose(x_train.mean(axis=0), 0, atol=1e-5)
    assert np.abs(x_test.mean(axis=0)).max() > 1e-3
    month_columns = [n for n in preprocessor.get_feature_names_out() if n.startswith("month_")]
    # every month the schema allows is encoded, even those missing from training rows
    assert len(month_columns) == 12 > train["month"].nunique()


def test_inconsistent_features_name_the_parameter():
    features = {**PARAMS["features"], "numeric": ["temp"]}
    with pytest.raises(ParameterValidationError) as error:
        make_fire_target(RAW, PARAMS["target"], features)
    assert error.value.problems == [
        "wildfire.features: Value error, log_transform columns ['rain'] are not "
        "numeric features"
    ]


def test_class_names_default_to_the_target_column():
    status = {"column": "status", "task": "binary", "positive_value": "fire"}
    assert TargetConfig(**status).labels == ["not status", "status"]
    assert TargetConfig(**PARAMS["target"]).labels == ["no_fire", "fire"]
