"""Housing nodes: validation of bad inputs, feature engineering, preprocessing,
baselines and the evaluation node, on small frames or the shipped table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from dl_experiments.config import (
    CoordinatesConfig,
    FeatureConfig,
    RegressionEvaluationConfig,
    SplitConfig,
    TableSchema,
    TabularRegression,
    TargetConfig,
)
from dl_experiments.modelling.baselines import fit_baselines
from dl_experiments.preprocessing import tabular
from dl_experiments.preprocessing.tabular import split_data, subsample, transform
from dl_experiments.templates import tabular as nodes
from dl_experiments.validation import (
    DataValidationError,
    ParameterValidationError,
    parse_params,
    validate_table,
)

PARAMETERS_SCHEMA = TabularRegression

ROOT = Path(__file__).resolve().parents[3]
RAW = ROOT / "data" / "01_raw" / "california_housing.parquet.brotli"


@pytest.fixture(scope="module")
def params() -> dict:
    return yaml.safe_load((ROOT / "conf/base/parameters_housing.yml").read_text())[
        "housing"
    ]


@pytest.fixture(scope="module")
def districts() -> pd.DataFrame:
    return pd.read_parquet(RAW)


def validate_districts(table: pd.DataFrame, schema: dict) -> pd.DataFrame:
    """The housing pipeline's ingestion check, as the template runs it."""
    checked = parse_params(TableSchema, schema, "housing.data.schema")
    return validate_table(table, checked, "housing.districts")


def features_of(features: dict) -> FeatureConfig:
    return parse_params(FeatureConfig, features, "housing.features")


def fit_preprocessor(train: pd.DataFrame, features: dict):
    return tabular.fit_preprocessor(train, features_of(features))


def make_model_input(table, target: dict, features: dict, name: str):
    return tabular.make_model_input(
        table, TargetConfig(**target), features_of(features), name
    )


def _problems(table: pd.DataFrame, params: dict) -> str:
    with pytest.raises(DataValidationError) as info:
        validate_districts(table, params["data"]["schema"])
    assert info.value.dataset == "housing.districts"
    return str(info.value)


def test_shipped_table_passes_validation(districts, params):
    validated = validate_districts(districts, params["data"]["schema"])
    assert validated.shape == (20_640, 9)
    assert validated.dtypes.eq("float64").all()


def test_missing_column_is_named(districts, params):
    message = _problems(districts.drop(columns="AveOccup"), params)
    assert "required column(s) ['AveOccup'] not found" in message
    assert "MedInc" in message  # the columns the file does have


def test_text_in_a_numeric_column_is_named(districts, params):
    table = districts.head(200).astype({"HouseAge": object})
    table.loc[7, "HouseAge"] = "forty"
    message = _problems(table, params)
    assert "column 'HouseAge': 1 of 200 rows, e.g. 'forty' in data row 8" in message
    assert "expected a number" in message


def test_missing_values_are_refused(districts, params):
    table = districts.head(200).copy()
    table.loc[[3, 4], "MedInc"] = np.nan
    message = _problems(table, params)
    assert "column 'MedInc': 2 of 200 rows are missing (first in data row 4)" in message


def test_latitude_outside_california_is_refused(districts, params):
    table = districts.head(200).copy()
    table.loc[10, "Latitude"] = 47.6  # Seattle
    table.loc[11, "Longitude"] = -100.0
    message = _problems(table, params)
    assert "column 'Latitude': 1 of 200 rows, e.g. 47.6 in data row 11" in message
    assert "expected 32 <= Latitude <= 42" in message
    assert "expected -125 <= Longitude <= -114" in message


@pytest.mark.parametrize("value", [0.0, -0.5, 5.5])
def test_target_outside_its_range_is_refused(districts, params, value):
    table = districts.head(200).copy()
    table.loc[0, "MedHouseVal"] = value
    message = _problems(table, params)
    assert (
        f"column 'MedHouseVal': 1 of 200 rows, e.g. {value!r} in data row 1" in message
    )
    assert "expected 0 < MedHouseVal <= 5.00001" in message


def test_target_at_the_cap_is_accepted(districts, params):
    table = districts.head(200).copy()
    table.loc[0, "MedHouseVal"] = 5.00001
    assert len(validate_districts(table, params["data"]["schema"])) == 200


def test_parameters_match_their_schema(params):
    parsed = parse_params(PARAMETERS_SCHEMA, params, "housing")
    assert parsed.split.stratify is False
    assert len(parsed.coordinates.columns) == 16


def test_model_features_add_the_derived_coordinates_once(params):
    coordinates = CoordinatesConfig(**params["coordinates"])
    features = nodes.model_features(features_of(params["features"]), coordinates)
    assert features.numeric[:8] == params["features"]["numeric"]
    assert features.numeric[8:] == [
        f"coord_rot_{angle}" for angle in params["coordinates"]["rotations"]
    ]
    assert features.scaler == params["features"]["scaler"]
    listed = params["features"] | {"numeric": ["MedInc", "coord_rot_10"]}
    again = nodes.model_features(features_of(listed), coordinates)
    assert again.numeric.count("coord_rot_10") == 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"split": {"test_size": 0.2, "validation_size": 0.15, "stratify": True}},
            "cannot be stratified",
        ),
        (
            {"features": {"numeric": ["MedInc", "coord_rot_45"]}},
            "neither columns of data.schema",
        ),
        (
            {"target": {"column": "MedHouseVal", "task": "binary", "greater_than": 2}},
            "expected 'regression'",
        ),
    ],
)
def test_inconsistent_parameters_are_refused(params, change, expected):
    with pytest.raises(ParameterValidationError, match=expected):
        parse_params(PARAMETERS_SCHEMA, params | change, "housing")


def test_rotated_coordinates_project_longitude_and_latitude():
    table = pd.DataFrame({"Longitude": [-120.0, -118.0], "Latitude": [36.0, 34.0]})
    result = nodes.add_coordinate_features(
        table, CoordinatesConfig(x="Longitude", y="Latitude", rotations=[45, 90])
    )
    assert list(result.columns) == [
        "Longitude",
        "Latitude",
        "coord_rot_45",
        "coord_rot_90",
    ]
    np.testing.assert_allclose(
        result["coord_rot_45"], (table["Longitude"] + table["Latitude"]) / np.sqrt(2)
    )
    np.testing.assert_allclose(result["coord_rot_90"], table["Latitude"], atol=1e-12)
    unchanged = nodes.add_coordinate_features(table, CoordinatesConfig(rotations=[]))
    assert list(unchanged.columns) == ["Longitude", "Latitude"]


def test_subsample_is_seeded_and_optional(districts):
    first, again = subsample(districts, 500, 7), subsample(districts, 500, 7)
    assert len(first) == 500 and first.index.equals(again.index)
    assert not first.index.equals(subsample(districts, 500, 8).index)
    assert first.index.is_monotonic_increasing
    assert subsample(districts, None, 7) is districts
    with pytest.raises(ParameterValidationError, match="positive number of rows"):
        subsample(districts, 0, 7)


def test_clipping_tames_the_outliers_of_the_training_part(districts, params):
    features = {"numeric": ["AveRooms", "AveBedrms", "Population", "AveOccup"]}
    model_input = make_model_input(districts, params["target"], features, "housing")
    split = SplitConfig(**params["split"])
    train, _, test = split_data(model_input, split, params["seed"])
    plain = transform(fit_preprocessor(train, features), train)
    assert np.abs(plain).max() > 50  # standardised outliers far in the tails
    clipper = fit_preprocessor(train, features | {"clip_quantiles": [0.001, 0.999]})
    raw_train = train[features["numeric"]].to_numpy()
    low, high = np.quantile(raw_train, [0.001, 0.999], axis=0)
    clipped_train = np.clip(raw_train, low, high)
    mean, std = clipped_train.mean(axis=0), clipped_train.std(axis=0)
    expected = (np.clip(test[features["numeric"]].to_numpy(), low, high) - mean) / std
    np.testing.assert_allclose(transform(clipper, test), expected, rtol=1e-4, atol=1e-4)
    assert np.abs(transform(clipper, train)).max() < np.abs(plain).max() / 4
    with pytest.raises(ParameterValidationError, match="low < high"):
        fit_preprocessor(train, features | {"clip_quantiles": [0.9, 0.1]})


def test_regression_baselines_on_a_known_linear_relation():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    frame["target"] = 2.0 + 3.0 * frame["a"] - 1.5 * frame["b"]
    train, validation, test = frame.iloc[:150], frame.iloc[150:220], frame.iloc[220:]
    preprocessor = fit_preprocessor(train, {"numeric": ["a", "b"]})
    target = TargetConfig(column="target", task="regression")
    predictions = fit_baselines(train, validation, test, preprocessor, 0, target)
    assert list(predictions.columns) == [
        "mean_predictor",
        "linear_regression",
        "hist_gradient_boosting",
    ]
    assert predictions.index.equals(test.index)
    fit_mean = pd.concat([train, validation])["target"].mean()
    np.testing.assert_allclose(predictions["mean_predictor"], fit_mean)
    np.testing.assert_allclose(
        predictions["linear_regression"], test["target"], atol=1e-4
    )
    boosting_error = np.abs(predictions["hist_gradient_boosting"] - test["target"])
    assert boosting_error.mean() < np.abs(fit_mean - test["target"]).mean() / 2


def test_evaluate_reports_dollars_and_the_capped_rows(params):
    index = pd.Index([5, 9, 12, 30], name="row_id")
    predictions = pd.DataFrame(
        {"y_true": [1.0, 2.0, 3.0, 5.00001], "prediction": [1.5, 2.0, 2.0, 4.00001]},
        index=index,
    )
    baselines = pd.DataFrame({"mean_predictor": [2.0] * 4}, index=index)
    evaluation = RegressionEvaluationConfig(**params["evaluation"])
    metrics = nodes.add_target_cap(
        nodes.evaluate_regressor(predictions, baselines, evaluation),
        predictions,
        evaluation,
    )
    assert metrics["task"] == "regression"
    assert metrics["model"]["mae"] == pytest.approx(0.625)
    assert metrics["model"]["mae_dollars"] == pytest.approx(62_500)
    assert metrics["model"]["rmse_dollars"] == pytest.approx(75_000)
    assert metrics["baselines"]["mean_predictor"]["n_samples"] == 4
    assert metrics["target_cap"] == {
        "value": 5.00001,
        "test_rows_at_cap": 1,
        "fraction": 0.25,
    }


def test_a_standardised_target_far_from_zero_is_learnt_and_saved_in_its_units(
    tmp_path,
):
    """Energy in kWh (mean ~500): the network learns the standardised target and
    the saved model answers in kWh, through a Rescaling layer that loads in safe
    mode; learnt as it is, the output is still far below the values after the
    same short training."""
    import keras  # noqa: PLC0415

    from dl_experiments.config import MLPConfig, TrainingConfig  # noqa: PLC0415
    from dl_experiments.modelling.tabular import (  # noqa: PLC0415
        predict_tabular,
        train_tabular_model,
    )

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=240)})
    frame["target"] = 500.0 + 80.0 * frame["a"] + rng.normal(0, 5, 240)
    train, validation = frame.iloc[:200], frame.iloc[200:]
    preprocessor = fit_preprocessor(train, {"numeric": ["a"]})
    model = MLPConfig(hidden_units=[16], dropout=0.0, batch_norm=False)
    training = TrainingConfig(
        epochs=20, batch_size=32, learning_rate=0.01, verbose=0, log_every=0
    )
    errors = {}
    for scale in ("standard", "none"):
        target = TargetConfig(column="target", task="regression", scale=scale)
        trained, history = train_tabular_model(
            train, validation, preprocessor, target, model, training, seed=0
        )
        path = tmp_path / f"{scale}.keras"
        trained.save(path)
        loaded = keras.saving.load_model(path, safe_mode=True)
        predicted = predict_tabular(loaded, preprocessor, validation, "regression")
        errors[scale] = float(
            np.abs(predicted["prediction"] - validation["target"]).mean()
        )
        if scale == "standard":
            assert history["target_scaling"]["mean"] == pytest.approx(
                train["target"].mean(), rel=1e-6
            )
            assert loaded.get_layer("target_units") is not None
    assert errors["standard"] < 25 and errors["none"] > 200, errors


def test_scale_is_for_regression_targets_only():
    with pytest.raises(ValueError, match="'scale' is for regression targets"):
        TargetConfig(column="y", task="binary", greater_than=0, scale="standard")
