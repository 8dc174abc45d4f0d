"""TensorFlow starts quietly, with the configured threads, before a run's nodes."""

from __future__ import annotations

from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.pipeline import Pipeline

from dl_experiments.config import parse_params
from dl_experiments.modelling.runtime import (
    RuntimeConfig,
    configure_threads,
    tensorflow,
)


class TensorFlowRuntimeHook:
    """Applies ``params:runtime`` (CPU threads) before any node of a run starts.

    Only a run applies them: listing pipelines, kedro-viz and notebooks that read
    the catalog never start TensorFlow.
    """

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        """Set TensorFlow's thread pools from ``runtime`` when they are set, and
        start TensorFlow quietly for runs that train or load a Keras model."""
        raw = catalog.load("params:runtime") if "params:runtime" in catalog else {}
        configure_threads(parse_params(RuntimeConfig, raw or {}, "runtime"))
        if any(name.endswith(".model") for name in pipeline.datasets()):
            tensorflow()
