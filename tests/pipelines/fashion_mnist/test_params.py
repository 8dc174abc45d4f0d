"""The fashion_mnist parameter schema accepts the shipped files and names typos."""

from __future__ import annotations

import pytest
import yaml

from dl_experiments.kedro_internals import experiment_model
from dl_experiments.validation import ParameterValidationError, parse_params
from tests.conftest import PROJECT_ROOT

PARAMETERS_SCHEMA = experiment_model("fashion_mnist")


def shipped(env: str) -> dict:
    path = PROJECT_ROOT / "conf" / env / "parameters_fashion_mnist.yml"
    return yaml.safe_load(path.read_text())["fashion_mnist"]


def test_the_base_parameters_match_the_schema():
    params = parse_params(PARAMETERS_SCHEMA, shipped("base"), "fashion_mnist")
    assert len(params.data.class_names) == 10
    assert params.data.max_train_images is None
    assert params.baselines.logistic_regression.max_iter == 100


def test_the_test_environment_subsamples_and_trains_one_epoch():
    overrides = shipped("test")
    assert overrides["data"]["max_train_images"] == 2000
    assert overrides["data"]["max_test_images"] == 500
    assert overrides["training"]["epochs"] == 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"data": {"clas_names": ["a", "b"]}}, "fashion_mnist.data.clas_names: unknown"),
        ({"split": {"validation_size": 1.5}}, "fashion_mnist.split.validation_size"),
        ({"model": {"conv_blocks": []}}, "fashion_mnist.model.conv_blocks"),
        ({"model": {"test_time_shifts": [[0, 0]]}}, "fashion_mnist.model.test_time_shifts"),
        ({"model": {"test_time_shifts": [[0, 9]]}}, "fashion_mnist.model.test_time_shifts"),
        ({"reporting": {"examples_per_pair": 0}}, "fashion_mnist.reporting.examples_per_pair"),
        (
            {"baselines": {"logistic_regression": {"C": 0}}},
            "fashion_mnist.baselines.logistic_regression.C",
        ),
        (
            {"baselines": {"logistic_regression": {"max_iters": 50}}},
            "fashion_mnist.baselines.logistic_regression.max_iters: unknown",
        ),
    ],
)
def test_mistakes_are_named(change, expected):
    params = shipped("base")
    for key, value in change.items():
        params[key] = params[key] | value
    with pytest.raises(ParameterValidationError, match=expected.replace(".", r"\.")):
        parse_params(PARAMETERS_SCHEMA, params, "fashion_mnist")
