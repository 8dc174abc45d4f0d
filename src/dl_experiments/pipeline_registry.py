"""Project pipelines: every package under ``pipelines/`` is discovered, none listed.

An experiment package's ``create_pipeline`` trains and reports it; its
``create_predict_pipeline``, where present, becomes ``<experiment>_predict``.
"""

from __future__ import annotations

import importlib

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

# Pipelines that read what experiment runs saved; run on demand.
ON_DEMAND = ("compare_runs",)
PREDICT_SUFFIX = "_predict"


def is_experiment(name: str) -> bool:
    """Whether a pipeline package trains and reports an experiment."""
    return (
        name not in ON_DEMAND
        and not name.endswith(PREDICT_SUFFIX)
        and not name.startswith("__")
    )


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines; ``__default__`` trains and reports all
    experiments; ``<experiment>_predict`` scores new data with a saved model."""
    pipelines = find_pipelines(raise_errors=True)
    experiments = sorted(name for name in pipelines if is_experiment(name))
    for name in experiments:
        package = importlib.import_module(f"dl_experiments.pipelines.{name}")
        predict = getattr(package, "create_predict_pipeline", None)
        if predict is not None:
            pipelines[f"{name}{PREDICT_SUFFIX}"] = predict()
    pipelines["__default__"] = sum(
        (pipelines[name] for name in experiments), start=Pipeline([])
    )
    return pipelines
