"""Project pipelines: every package under ``pipelines/`` is discovered, none listed."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

# Pipelines that score new data need a trained model; they are run on demand.
ON_DEMAND_SUFFIXES = ("_predict",)
ON_DEMAND = ("compare_runs",)


def is_experiment(name: str) -> bool:
    """Whether a pipeline trains and reports an experiment (not an on-demand one)."""
    return not name.endswith(ON_DEMAND_SUFFIXES) and name not in ON_DEMAND


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines; ``__default__`` trains and reports all experiments."""
    pipelines = find_pipelines(raise_errors=True)
    experiments = [pipe for name, pipe in pipelines.items() if is_experiment(name)]
    pipelines["__default__"] = sum(experiments, start=Pipeline([]))
    return pipelines
