"""The study pipelines as the registry builds them: typed parameters, and seed runs
that stop at the experiment's test-set metrics."""

from __future__ import annotations

import pytest

from dl_experiments.kedro_internals import experiment_model, parameter_types
from dl_experiments.pipeline_registry import register_pipelines
from dl_experiments.studies.config import StudyConfig
from dl_experiments.studies.experiment import Experiment
from tests.helpers import EXPERIMENTS


@pytest.fixture(scope="module")
def pipelines():
    return register_pipelines()


@pytest.mark.parametrize("suffix", ["tune", "seeds"])
@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_params_input_of_a_study_is_typed(pipelines, experiment: str, suffix: str):
    pipeline = pipelines[f"{experiment}_{suffix}"]
    read = {
        name.removeprefix("params:")
        for node in pipeline.nodes
        for name in node.inputs
        if name.startswith("params:")
    }
    # Kedro validates each of them before the run, as the experiment's own run does.
    assert parameter_types(pipeline) == {
        f"{experiment}_tune": StudyConfig,
        experiment: experiment_model(experiment),
    }
    assert read == set(parameter_types(pipeline))


def test_the_wildfire_seeds_never_cross_validate(pipelines):
    wildfire = Experiment("wildfire", pipelines["wildfire"])
    names = {node.name for node in wildfire.evaluation_slice().nodes}
    assert "wildfire.evaluate" in names
    # The experiment's own run does cross-validate; each seed does not.
    assert "wildfire.cross_validate" in {node.name for node in pipelines["wildfire"].nodes}
    assert not [name for name in names if "cross_validat" in name], sorted(names)
    seeds = {name for node in pipelines["wildfire_seeds"].nodes for name in node.inputs}
    assert not [name for name in seeds if "cross_validation" in name]


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_a_seed_keeps_the_evaluate_nodes_test_metrics(pipelines, experiment: str):
    study = Experiment(experiment, pipelines[experiment])
    (evaluate,) = [
        node
        for node in study.evaluation_slice().nodes
        if node.name == f"{experiment}.{study.evaluation_node}"
    ]
    assert evaluate.outputs == [study.dataset(study.evaluation_output)]
    assert study.evaluation_output == "test_metrics"
