"""kedro-viz: `kedro viz build` exports every node and dataset of the pipelines."""

from __future__ import annotations

import json

import pytest
from kedro.framework.project import pipelines
from kedro.framework.startup import bootstrap_project

from dl_experiments.pipeline_registry import is_experiment
from tests.helpers import kedro_cli

pytestmark = pytest.mark.e2e

STAGES = {"ingestion", "preprocessing", "training", "reporting"}


@pytest.fixture(scope="module")
def viz_build(project_factory):
    """The project after `kedro viz build` (no run needed: it reads the code)."""
    project = project_factory("viz")
    kedro_cli(project, "viz", "build")
    return project


def exported(project, name: str) -> dict:
    return json.loads((project / "build" / "api" / "pipelines" / name).read_text())


def test_build_is_a_static_site(viz_build):
    assert (viz_build / "build" / "index.html").is_file()
    main = json.loads((viz_build / "build" / "api" / "main").read_text())
    assert main["nodes"]


def test_every_node_and_dataset_of_each_experiment_is_exported(viz_build):
    bootstrap_project(viz_build)
    experiments = [n for n in pipelines if n != "__default__" and is_experiment(n)]
    assert "wildfire" in experiments
    for name in [*experiments, "__default__"]:
        pipe = pipelines[name]
        graph = exported(viz_build, name)
        tasks = {n["full_name"]: n for n in graph["nodes"] if n["type"] == "task"}
        data = {n["name"]: n for n in graph["nodes"] if n["type"] == "data"}
        params = {n["name"] for n in graph["nodes"] if n["type"] == "parameters"}
        assert set(tasks) == {node.name for node in pipe.nodes}, name
        datasets = {d for d in pipe.datasets() if not d.startswith("params:")}
        assert set(data) == datasets, name
        assert params == pipe.datasets() - datasets, name
        for dataset, node in data.items():
            assert node["layer"], f"{dataset} has no kedro-viz layer"
        for task, node in tasks.items():
            assert set(node["tags"]) & STAGES, f"{task} has no stage tag"
        if name != "__default__":
            used = {tag for node in tasks.values() for tag in node["tags"]}
            assert used == STAGES, name  # the four stages, as kedro-viz filters
            assert graph["modular_pipelines"].keys() >= {name}


def test_comparison_pipeline_is_exported_too(viz_build):
    bootstrap_project(viz_build)
    graph = exported(viz_build, "compare_runs")
    tasks = {n["full_name"] for n in graph["nodes"] if n["type"] == "task"}
    assert tasks == {node.name for node in pipelines["compare_runs"].nodes}
