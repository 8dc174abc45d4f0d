"""The Kedro project behind the service, bootstrapped once per process.

``open_project`` does what ``kedro run`` does before its first node, once: it
bootstraps the project, creates a session in the chosen configuration environment
(its hooks see the context and every catalog made from it, so "latest" means the
newest complete run), validates the parameters, applies ``params:runtime`` to
TensorFlow, and loads what each experiment is served from.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kedro.framework.project import pipelines
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.pipeline import Pipeline

from dl_experiments.hooks import TensorFlowRuntimeHook
from dl_experiments.serve.bundles import ModelStore
from dl_experiments.serve.experiments import discover


class NoExperimentsError(ValueError):
    """The project registers no ``<experiment>_predict`` pipeline."""


def open_project(
    project_path: Path,
    env: str | None = None,
    pinned: Mapping[str, str] | None = None,
    params: dict[str, Any] | None = None,
) -> tuple[ModelStore, KedroSession, Any]:
    """``(store, session, context)`` for the project at ``project_path`` (``params``
    over its parameters, as ``kedro run --params``), every experiment's bundle
    loaded (or marked not trained). The caller closes the session when the service
    stops."""
    bootstrap_project(project_path)
    session = KedroSession.create(
        project_path=project_path, env=env, runtime_params=params
    )
    context = session.load_context()
    catalog = context.catalog
    experiments = discover(catalog, pipelines)
    if not experiments:
        session.close()
        raise NoExperimentsError(
            "the project registers no <experiment>_predict pipeline to serve"
        )
    TensorFlowRuntimeHook().before_pipeline_run(
        run_params={},
        pipeline=sum((item.pipeline for item in experiments.values()), Pipeline([])),
        catalog=catalog,
    )
    store = ModelStore(project_path, experiments, lambda: context.catalog, pinned)
    store.refresh(force=True)
    return store, session, context
