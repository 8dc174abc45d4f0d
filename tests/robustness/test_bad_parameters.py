"""Bad parameters are rejected against each experiment's declared model, before a run.

The model of an experiment's whole tree is the type its pipeline's nodes give
``params:<experiment>`` (``kedro_internals.experiment_model``); Kedro validates it
before any node runs.

Each case is a single wrong value in otherwise valid parameters; the error must name
the dotted parameter, the value found and what was expected.
"""

from __future__ import annotations

import pytest
from kedro.validation.exceptions import (
    ParameterValidationError as KedroParameterValidationError,
)

from dl_experiments.config import ParameterValidationError, parse_params
from dl_experiments.kedro_internals import experiment_model
from tests.conftest import run_kedro
from tests.helpers import (
    derived_files,
    experiment_packages,
    load_parameters,
    nested,
    with_override,
)


@pytest.mark.parametrize("package", experiment_packages())
@pytest.mark.parametrize("env", ["base", "test"])
def test_shipped_parameters_match_the_declared_schema(package, env):
    schema = experiment_model(package)
    assert schema is not None, f"pipelines/{package} types no params:{package}"
    parse_params(schema, load_parameters(env)[package], package)


WILDFIRE_CASES = {
    # case: (dotted parameter, bad value, words the message must contain)
    "negative_dropout": (
        "model.dropout",
        -0.1,
        ["wildfire.model.dropout", "-0.1", "greater than or equal to 0"],
    ),
    "zero_epochs": (
        "training.epochs",
        0,
        ["wildfire.training.epochs", "0", "greater than 0"],
    ),
    "unknown_activation": (
        "model.activation",
        "sigmoidish",
        ["wildfire.model.activation", "'sigmoidish'", "'relu'"],
    ),
    "unknown_optimizer": (
        "training.optimizer",
        "adamax",
        ["wildfire.training.optimizer", "'adamax'", "'adam'"],
    ),
    "test_fraction_above_one": (
        "split.test_size",
        1.5,
        ["wildfire.split.test_size", "1.5", "less than 1"],
    ),
    "fractions_leave_no_training_rows": (
        "split.validation_size",
        0.8,
        ["test_size + validation_size must be below 1"],
    ),
    "feature_column_not_in_schema": (
        "features.numeric",
        ["temp", "humidity", "rain"],
        ["features ['humidity'] are not columns of data.schema", "declared columns"],
    ),
    "target_column_not_in_schema": (
        "target.column",
        "burned",
        ["target.column 'burned'", "declared columns"],
    ),
    "misspelt_key": (
        "training.epoch",
        5,
        ["wildfire.training.epoch", "unknown parameter"],
    ),
    "negative_learning_rate": (
        "training.learning_rate",
        -0.01,
        ["wildfire.training.learning_rate", "-0.01"],
    ),
    "zero_batch_size": ("training.batch_size", 0, ["wildfire.training.batch_size"]),
    "empty_hidden_layers": ("model.hidden_units", [], ["wildfire.model.hidden_units"]),
    "unknown_column_type": (
        "data.schema.columns.RH.type",
        "percent",
        ["wildfire.data.schema.columns.RH.type"],
    ),
    "min_above_max": ("data.schema.columns.RH.min", 200, ["min (200.0) is above max"]),
    "unknown_duplicates_policy": (
        "data.schema.duplicates",
        "drop",
        ["wildfire.data.schema.duplicates", "'drop'"],
    ),
    "one_fold": ("evaluation.cv_folds", 1, ["wildfire.evaluation.cv_folds", "1"]),
    "text_seed": ("seed", "forty-two", ["wildfire.seed", "'forty-two'"]),
    "members_for_a_classifier": (
        "model.members",
        4,
        ["model.members = 4", "regression only", "expected 1"],
    ),
    "zero_embedding_frequencies": (
        "model.embedding",
        {"frequencies": 0},
        ["wildfire.model.embedding.frequencies", "greater than 0"],
    ),
    # The task kind decides what may be monitored, and which keys make sense.
    "monitor_a_metric_the_kind_lacks": (
        "training.early_stopping.monitor",
        "val_precision",
        [
            "training.early_stopping.monitor = 'val_precision'",
            "a binary model's training history has",
            "'val_auc'",
        ],
    ),
    "unregistered_task_kind": (
        "target.task",
        "ordinal",
        ["wildfire.target.task", "'ordinal' is not registered", "'multiclass'"],
    ),
    "regression_target_in_a_classifier": (
        "target",
        {"column": "area", "task": "regression"},
        ["target.task 'regression'", "expected 'binary' or 'multiclass'"],
    ),
    "multiclass_with_a_binary_rule": (
        "target",
        {"column": "month", "task": "multiclass", "greater_than": 0},
        ["'greater_than' and 'positive_value' define a binary target"],
    ),
    "multiclass_with_two_class_names": (
        "target",
        {"column": "month", "task": "multiclass", "class_names": ["a", "b"]},
        ["at least 3 class_names", "task: binary"],
    ),
    "multiclass_names_missing_allowed_values": (
        "target",
        {"column": "month", "task": "multiclass", "class_names": ["jan", "feb", "mar"]},
        ["lack the allowed values", "'apr'", "column 'month'"],
    ),
    "multiclass_without_class_names": (
        "target",
        {"column": "temp", "task": "multiclass"},
        ["target.class_names: missing for the multiclass target 'temp'"],
    ),
}


@pytest.mark.parametrize("case", sorted(WILDFIRE_CASES))
def test_wildfire_schema_rejects(case):
    dotted, value, expected = WILDFIRE_CASES[case]
    schema = experiment_model("wildfire")
    params = with_override(load_parameters("base")["wildfire"], dotted, value)
    with pytest.raises(ParameterValidationError) as raised:
        parse_params(schema, params, "wildfire")
    message = str(raised.value)
    for words in expected:
        assert words in message, message


def test_a_multiclass_target_takes_its_class_names_from_the_schema():
    params = with_override(
        load_parameters("base")["wildfire"],
        "target",
        {"column": "day", "task": "multiclass"},
    )
    params["features"]["categorical"] = ["month"]
    tree = parse_params(experiment_model("wildfire"), params, "wildfire")
    assert tree.class_names == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert tree.kind.name == "multiclass"


def test_housing_needs_no_map_and_names_a_wrong_one():
    params = load_parameters("base")["housing"]
    schema = experiment_model("housing")
    unmapped = with_override(params, "evaluation.map", None)
    assert parse_params(schema, unmapped, "housing").evaluation.map is None
    wrong = with_override(params, "evaluation.map", {"x": "lon", "y": "Latitude"})
    with pytest.raises(
        ParameterValidationError, match=r"evaluation.map columns \['lon'\]"
    ):
        parse_params(schema, wrong, "housing")


def test_all_problems_are_reported_at_once():
    params = load_parameters("base")["wildfire"]
    for dotted, value in [("model.dropout", -1), ("training.epochs", 0)]:
        params = with_override(params, dotted, value)
    with pytest.raises(ParameterValidationError) as raised:
        parse_params(experiment_model("wildfire"), params, "wildfire")
    assert len(raised.value.problems) == 2


def test_validation_stops_the_run_before_any_node(project):
    with pytest.raises(ParameterValidationError, match=r"wildfire\.model\.dropout"):
        run_kedro(project, "wildfire", params=nested({"wildfire.model.dropout": -0.1}))
    assert derived_files(project) == []


def test_the_error_is_kedros_own_parameter_error(project):
    """The project's error is Kedro's, so Kedro (and its CLI) treat it as theirs."""
    with pytest.raises(KedroParameterValidationError) as raised:
        run_kedro(project, "wildfire", params=nested({"wildfire.training.epochs": 0}))
    assert isinstance(raised.value, ParameterValidationError)
    assert "wildfire.training.epochs = 0: Input should be greater than 0" in str(
        raised.value
    )
    assert derived_files(project) == []


def test_validation_checks_a_partial_run_too(project):
    """``--tags=reporting`` still validates the whole tree of its namespace."""
    with pytest.raises(ParameterValidationError, match=r"wildfire\.training\.epochs"):
        run_kedro(
            project,
            "wildfire",
            params=nested({"wildfire.training.epochs": 0}),
            tags=["reporting"],
        )
    assert derived_files(project) == []


def test_every_experiment_package_is_checked():
    """Each experiment types its whole tree, so Kedro's validation never skips one."""
    for package in experiment_packages():
        assert experiment_model(package) is not None, package


# Cases every experiment shares (same model / training pieces of the schema).
COMMON_CASES = {
    "negative_dropout": ("model.dropout", -0.1, "model.dropout = -0.1"),
    "zero_epochs": ("training.epochs", 0, "training.epochs = 0"),
    "unknown_activation": ("model.activation", "sigmoidish", "'sigmoidish'"),
    "unknown_optimizer": ("training.optimizer", "adamax", "'adamax'"),
    "misspelt_key": ("training.epoch", 5, "unknown parameter"),
}
FRACTION = {
    "wildfire": "split.test_size",
    "housing": "split.test_size",
    "fashion_mnist": "split.validation_size",
}
MISSING_FEATURE = {
    "wildfire": ("features.numeric", ["temp", "rain", "Rooms"]),
    "housing": ("features.numeric", ["MedInc", "Rooms"]),
}


@pytest.mark.parametrize("package", experiment_packages())
@pytest.mark.parametrize("case", sorted(COMMON_CASES))
def test_every_experiment_rejects(package, case):
    dotted, value, expected = COMMON_CASES[case]
    params = with_override(load_parameters("test")[package], dotted, value)
    with pytest.raises(ParameterValidationError) as raised:
        parse_params(experiment_model(package), params, package)
    assert f"{package}.{dotted}" in str(raised.value)
    assert expected in str(raised.value)


@pytest.mark.parametrize("package", experiment_packages())
def test_every_experiment_rejects_a_fraction_above_one(package):
    params = with_override(load_parameters("test")[package], FRACTION[package], 1.5)
    with pytest.raises(ParameterValidationError, match=r"= 1\.5: Input should be less"):
        parse_params(experiment_model(package), params, package)


@pytest.mark.parametrize(
    "package", [name for name in experiment_packages() if name in MISSING_FEATURE]
)
def test_every_tabular_experiment_rejects_an_unknown_feature_column(package):
    dotted, value = MISSING_FEATURE[package]
    params = with_override(load_parameters("test")[package], dotted, value)
    with pytest.raises(ParameterValidationError, match=r"\['Rooms'\]"):
        parse_params(experiment_model(package), params, package)


def test_parameters_are_checked_before_other_hooks_start(project):
    """A bad parameter wins over "no saved model": Kedro validates the parameters
    of the pipeline run before any hook's ``before_pipeline_run`` (the artifact
    versions hook would fail first on the missing model) and before any node."""
    with pytest.raises(ParameterValidationError, match=r"wildfire\.training\.epochs"):
        run_kedro(
            project,
            "wildfire_predict",
            params=nested({"wildfire.training.epochs": 0}),
        )
    assert derived_files(project) == []


def test_a_namespace_without_a_package_is_not_checked():
    assert experiment_model("no_such_experiment") is None
