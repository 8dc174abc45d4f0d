"""A study's configuration: every bad search-space entry is a clear parameter error
before any trial, and the shipped configurations are valid."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from scipy import stats

from dl_experiments.config.base import parse_params
from dl_experiments.kedro_internals import experiment_model as parameters_schema
from dl_experiments.studies.config import StudyConfig
from dl_experiments.studies.seeds import seed_statistics
from dl_experiments.studies.space import (
    check_objective,
    check_search_space,
    default_values,
    merged,
    nested,
)
from dl_experiments.validation import ParameterValidationError
from tests.helpers import load_parameters

EXPERIMENTS = ["wildfire", "housing", "fashion_mnist"]


def study(space: dict[str, Any], **fields: Any) -> StudyConfig:
    return StudyConfig.model_validate({"search_space": space, **fields})


@pytest.mark.parametrize("env", ["base", "test"])
@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_shipped_studies_are_valid(experiment: str, env: str):
    params = load_parameters(env)
    config = StudyConfig.model_validate(params[f"{experiment}_tune"])
    check_search_space(
        config, experiment, parameters_schema(experiment), params[experiment]
    )
    model = parameters_schema(experiment).model_validate(params[experiment])
    check_objective(config, experiment, model)


@pytest.mark.parametrize(
    ("distribution", "message"),
    [
        ({"type": "float", "low": 0.1, "high": 0.01}, "low (0.1) is above high (0.01)"),
        ({"type": "float", "low": 0.0, "high": 0.1, "log": True}, "log-scale range must be above 0"),
        ({"type": "normal", "low": 0, "high": 1}, "'float', 'int' or 'categorical'"),
        ({"type": "categorical", "choices": []}, "non-empty 'choices'"),
        ({"type": "int", "low": 1}, "needs both 'low' and 'high'"),
        ({"type": "int", "low": 1.5, "high": 4}, "whole 'low'"),
    ],
)
def test_bad_distributions_name_the_field(distribution: dict, message: str):
    with pytest.raises(ValidationError) as error:
        study({"training.learning_rate": distribution})
    text = str(error.value)
    assert "search_space.`training.learning_rate`" in text
    assert message in text


def test_objective_must_be_a_validation_metric():
    with pytest.raises(ValidationError, match="validation split only"):
        study({}, objective={"metric": "test_accuracy"})


@pytest.mark.parametrize(
    ("metric", "direction"),
    [
        ("val_loss", "minimize"),
        ("val_auc", "maximize"),
        ("val_precision", "maximize"),
        ("val_accuracy", "maximize"),
        ("val_rmse", "minimize"),
        ("val_mae", "minimize"),
    ],
)
def test_the_objectives_direction_follows_from_its_metric(metric: str, direction: str):
    assert study({}, objective={"metric": metric}).objective.direction == direction
    # Written by hand, it is accepted when it agrees.
    agreed = study({}, objective={"metric": metric, "direction": direction})
    assert agreed.objective.direction == direction


def test_a_direction_against_the_metric_names_the_key():
    with pytest.raises(ParameterValidationError) as error:
        parse_params(
            StudyConfig,
            {"objective": {"metric": "val_auc", "direction": "minimize"}},
            "wildfire_tune",
        )
    (problem,) = error.value.problems
    assert problem.startswith("wildfire_tune.objective.direction = 'minimize'")
    assert "better higher" in problem and "maximize" in problem


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        ("val_perplexity", "not one the task kinds declare"),
        ("val_mean_error", "best nearest zero"),
    ],
)
def test_an_objective_without_a_direction_is_refused(metric: str, message: str):
    with pytest.raises(ParameterValidationError) as error:
        parse_params(StudyConfig, {"objective": {"metric": metric}}, "housing_tune")
    (problem,) = error.value.problems
    assert problem.startswith(f"housing_tune.objective.metric = '{metric}'")
    assert message in problem


@pytest.mark.parametrize(
    ("experiment", "metric", "produced"),
    [
        ("wildfire", "val_rmse", ["val_loss", "val_accuracy", "val_auc"]),
        ("housing", "val_auc", ["val_loss", "val_mae", "val_rmse"]),
        ("fashion_mnist", "val_auc", ["val_loss", "val_accuracy"]),
    ],
)
def test_the_objective_is_a_metric_the_experiments_kind_produces(
    experiment: str, metric: str, produced: list[str]
):
    params = load_parameters("base")
    model = parameters_schema(experiment).model_validate(params[experiment])
    for allowed in produced:
        check_objective(study({}, objective={"metric": allowed}), experiment, model)
    with pytest.raises(ParameterValidationError) as error:
        check_objective(study({}, objective={"metric": metric}), experiment, model)
    (problem,) = error.value.problems
    assert problem.startswith(f"{experiment}_tune.objective.metric = '{metric}'")
    assert str(produced) in problem
    # A plain parameter tree says its kind by target.task (images: data.class_names).
    with pytest.raises(ParameterValidationError, match=r"objective\.metric"):
        check_objective(
            study({}, objective={"metric": metric}), experiment, params[experiment]
        )


def wildfire() -> dict[str, Any]:
    return load_parameters("base")["wildfire"]


def test_unknown_parameter_path_is_named():
    config = study({"model.widths": {"type": "int", "low": 1, "high": 3}})
    with pytest.raises(ParameterValidationError) as error:
        check_search_space(config, "wildfire", parameters_schema("wildfire"), wildfire())
    text = str(error.value)
    assert "wildfire_tune.search_space.model.widths: unknown parameter 'wildfire.model.widths'" in text
    assert "model.dropout" in text  # the searchable parameters are listed


def test_range_outside_the_experiment_schema_is_named():
    # dropout must be below 1 in the experiment's own schema (MLPConfig).
    config = study({"model.dropout": {"type": "float", "low": 0.1, "high": 1.5}})
    with pytest.raises(ParameterValidationError, match=r"model\.dropout: value 1\.5"):
        check_search_space(config, "wildfire", parameters_schema("wildfire"), wildfire())


def test_enqueue_defaults_needs_the_experiments_own_values_inside_the_space():
    params = load_parameters("base")["wildfire"]  # learning rate 0.001, [32, 16]
    space = {
        "training.learning_rate": {"type": "float", "low": 0.01, "high": 0.1},
        "model.hidden_units": {"type": "categorical", "choices": [[16], [64, 32]]},
    }
    check_search_space(study(space), "wildfire", parameters_schema("wildfire"), params)
    with pytest.raises(ParameterValidationError) as error:
        check_search_space(
            study(space, enqueue_defaults=True),
            "wildfire",
            parameters_schema("wildfire"),
            params,
        )
    text = str(error.value)
    assert "wildfire_tune.search_space.training.learning_rate" in text
    assert "0.001" in text and "outside the range [0.01, 0.1]" in text
    assert "wildfire_tune.search_space.model.hidden_units" in text
    assert "not one of the choices" in text


def test_default_values_are_stored_as_optuna_keeps_choices():
    params = load_parameters("base")["wildfire"]
    space = {
        "training.learning_rate": {"type": "float", "low": 1e-4, "high": 0.1},
        "model.hidden_units": {"type": "categorical", "choices": [[16], [32, 16]]},
        "training.weight_decay": {"type": "float", "low": 0.0, "high": 0.1},
    }
    values = default_values(study(space), parameters_schema("wildfire"), params)
    # weight_decay is not in the YAML: the schema's default is the experiment's value.
    assert values == {
        "training.learning_rate": 0.001,
        "model.hidden_units": "[32, 16]",
        "training.weight_decay": 0.0,
    }


def test_a_default_parameter_not_written_in_yaml_can_be_searched():
    # training.weight_decay is not in parameters_wildfire.yml; TrainingConfig has it.
    config = study({"training.weight_decay": {"type": "float", "low": 1e-6, "high": 1e-3, "log": True}})
    check_search_space(config, "wildfire", parameters_schema("wildfire"), wildfire())


def test_study_name_follows_what_makes_trials_comparable():
    params = wildfire()
    space = {"model.dropout": {"type": "float", "low": 0.0, "high": 0.5}}
    name = study(space).resolved_name("wildfire", params)
    assert name.startswith("wildfire-")
    assert study(space, n_trials=99, seeds=[1, 2]).resolved_name("wildfire", params) == name
    wider = {"model.dropout": {"type": "float", "low": 0.0, "high": 0.6}}
    assert study(wider).resolved_name("wildfire", params) != name
    other = merged(params, {"training.epochs": 5})
    assert study(space).resolved_name("wildfire", other) != name
    assert study(space, study_name="mine").resolved_name("wildfire", params) == "mine"


def test_nested_overrides():
    assert nested({"a.b": 1, "a.c": [1, 2], "d": 3}) == {"a": {"b": 1, "c": [1, 2]}, "d": 3}


def test_seed_statistics_use_the_t_distribution():
    values = [0.61, 0.58, 0.66, 0.59, 0.63]
    runs = pd.DataFrame(
        {"seed": range(5), "model": "model", "metric": "roc_auc", "split": "test", "value": values}
    )
    row = seed_statistics(runs).iloc[0]
    sd = np.std(values, ddof=1)
    half = stats.t.ppf(0.975, 4) * sd / math.sqrt(5)
    assert row["n"] == 5
    assert row["mean"] == pytest.approx(np.mean(values))
    assert row["sd"] == pytest.approx(sd)
    assert row["ci95_low"] == pytest.approx(np.mean(values) - half)
    assert row["ci95_high"] == pytest.approx(np.mean(values) + half)
    # Wider than the normal-approximation interval with 5 seeds.
    assert half > 1.96 * sd / math.sqrt(5)


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_the_search_reads_no_test_data(experiment: str):
    import importlib

    from dl_experiments.studies.experiment import Experiment
    from dl_experiments.studies.pipeline import study_pipelines

    package = importlib.import_module(f"dl_experiments.pipelines.{experiment}")
    pipeline = package.create_pipeline()
    training = Experiment(experiment, pipeline).training_slice()
    read = {name for node in training.nodes for name in node.inputs}
    assert not [name for name in read if "test" in name.rsplit(".", 1)[-1]]
    model = parameters_schema(experiment)
    tune = study_pipelines(experiment, pipeline, model)[f"{experiment}_tune"]
    (search,) = [node for node in tune.nodes if node.name.endswith(".run_study")]
    assert not [name for name in search.inputs if "test" in name]
