"""Project pipelines: every package under ``pipelines/`` is discovered, none listed;
each experiment gets its study pipelines from one factory."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.framework.project import pipelines as project_pipelines
from kedro.pipeline import Pipeline

from dl_experiments.hooks import parameters_schema
from dl_experiments.studies.pipeline import study_pipelines

# Pipelines that score new data need a trained model, and studies take long:
# they are run on demand.
STUDY_SUFFIXES = ("_tune", "_seeds")
ON_DEMAND_SUFFIXES = ("_predict", *STUDY_SUFFIXES)
ON_DEMAND = ("compare_runs",)


def is_experiment(name: str) -> bool:
    """Whether a pipeline trains and reports an experiment (not an on-demand one)."""
    return not name.endswith(ON_DEMAND_SUFFIXES) and name not in ON_DEMAND


def _experiment_of(name: str) -> str:
    """``wildfire`` for ``wildfire_tune`` / ``wildfire_seeds``; other names unchanged."""
    for suffix in STUDY_SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def _find_pipelines() -> dict[str, Pipeline]:
    """``find_pipelines``, asked for the experiments behind requested studies.

    Kedro 1.7 loads only the requested pipeline packages (``kedro run --pipelines``);
    a study has no package of its own, so its experiment's is requested instead.
    """
    requested = project_pipelines._requested_pipelines  # Kedro's selective loading
    if requested is None:
        return find_pipelines(raise_errors=True)
    packages = sorted({_experiment_of(name) for name in requested})
    if packages == sorted(set(requested)):
        return find_pipelines(raise_errors=True)
    project_pipelines.set_requested(packages)
    try:
        return find_pipelines(raise_errors=True)
    finally:
        project_pipelines.set_requested(requested)


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines; ``__default__`` trains and reports all
    experiments; ``<experiment>_tune`` and ``<experiment>_seeds`` run on demand."""
    pipelines = _find_pipelines()
    experiments = [name for name in pipelines if name != "__default__" and is_experiment(name)]
    pipelines["__default__"] = sum(
        (pipelines[name] for name in experiments), start=Pipeline([])
    )
    for name in experiments:
        pipelines |= study_pipelines(name, pipelines[name], parameters_schema(name))
    return pipelines
