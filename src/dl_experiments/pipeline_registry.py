"""Project pipelines: every package under ``pipelines/`` is discovered, none listed.

An experiment package's ``create_pipeline`` trains and reports the experiment; its
``create_predict_pipeline``, where present, becomes ``<experiment>_predict``, and
every experiment gets ``<experiment>_tune`` and ``<experiment>_seeds`` from the
study factory (``studies.pipeline``). The packages are imported here rather than
through ``find_pipelines``, which loads only the package named like the requested
pipeline and so would never find ``<experiment>_predict`` inside ``<experiment>``.
"""

from __future__ import annotations

import importlib
import pkgutil

from kedro.pipeline import Pipeline

import dl_experiments.pipelines
from dl_experiments.kedro_internals import parameter_types
from dl_experiments.studies.pipeline import study_pipelines

# Pipelines that read what experiment runs saved, and studies (they take long);
# run on demand.
ON_DEMAND = ("compare_runs",)
PREDICT_SUFFIX = "_predict"
ON_DEMAND_SUFFIXES = (PREDICT_SUFFIX, "_tune", "_seeds")


def is_experiment(name: str) -> bool:
    """Whether a pipeline trains and reports an experiment (not an on-demand one)."""
    return (
        name not in ON_DEMAND
        and not name.endswith(ON_DEMAND_SUFFIXES)
        and not name.startswith("_")
    )


def pipeline_packages() -> list[str]:
    """The names of the packages under ``pipelines/``."""
    return sorted(
        module.name
        for module in pkgutil.iter_modules(dl_experiments.pipelines.__path__)
        if module.ispkg
    )


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines; ``__default__`` trains and reports all
    experiments; ``<experiment>_predict`` scores new data with a saved model;
    ``<experiment>_tune`` and ``<experiment>_seeds`` run studies."""
    pipelines: dict[str, Pipeline] = {}
    for name in pipeline_packages():
        package = importlib.import_module(f"dl_experiments.pipelines.{name}")
        pipelines[name] = package.create_pipeline()
        predict = getattr(package, "create_predict_pipeline", None)
        if predict is not None:
            pipelines[f"{name}{PREDICT_SUFFIX}"] = predict()
    experiments = [name for name in pipeline_packages() if is_experiment(name)]
    pipelines["__default__"] = sum(
        (pipelines[name] for name in experiments), start=Pipeline([])
    )
    for name in experiments:
        model = parameter_types(pipelines[name]).get(name)
        pipelines |= study_pipelines(name, pipelines[name], model)
    return pipelines
