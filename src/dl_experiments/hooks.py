"""Kedro hooks: TensorFlow runtime settings, clearer data errors, parameter schemas
checked before a run, and no half-finished versions left behind by a failed run."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl
from kedro.io import AbstractVersionedDataset
from kedro.pipeline import Node, Pipeline
from pydantic import BaseModel

from dl_experiments.tracking import WandbHook  # noqa: F401 - the W&B hook, re-exported
from dl_experiments.validation import DataValidationError, parse_params

logger = logging.getLogger(__name__)


class TensorFlowRuntimeHook:
    """Applies ``runtime`` parameters (CPU threads) before TensorFlow starts work."""

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        """Set TensorFlow's thread pools from the ``runtime`` parameters."""
        runtime = context.params.get("runtime") or {}
        intra = int(runtime.get("intra_op_threads", 0))
        inter = int(runtime.get("inter_op_threads", 0))
        if not (intra or inter):
            return
        import tensorflow as tf  # noqa: PLC0415 - only when threads are configured

        try:
            tf.config.threading.set_intra_op_parallelism_threads(intra)
            tf.config.threading.set_inter_op_parallelism_threads(inter)
        except RuntimeError as exc:
            logger.warning(
                "TensorFlow already started in this process; runtime threads "
                "(intra=%d, inter=%d) not applied: %s",
                intra,
                inter,
                exc,
            )


class DataErrorContextHook:
    """Names the file behind a dataset when a node rejects its data."""

    @hook_impl
    def on_node_error(
        self, error: Exception, node: Node, catalog: Any, inputs: dict[str, Any]
    ) -> None:
        """Attach the input's file path to a ``DataValidationError``."""
        if not isinstance(error, DataValidationError) or error.source:
            return
        candidates = [name for name in node.inputs if not name.startswith("params:")]
        if error.dataset in candidates:
            candidates = [error.dataset]
        for name in candidates:
            try:
                filepath = catalog.get(name)._describe().get("filepath")
            except (AttributeError, KeyError):
                continue
            if filepath:
                error.dataset, error.source = name, str(filepath)
                return


def parameters_schema(namespace: str) -> type[BaseModel] | None:
    """The ``PARAMETERS_SCHEMA`` a pipeline package declares for its namespace."""
    module_name = f"dl_experiments.pipelines.{namespace}"
    try:
        package = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    return getattr(package, "PARAMETERS_SCHEMA", None)


class ParameterSchemaHook:
    """Validates each namespace's parameters against its schema before any node runs.

    For every top-level namespace in the run (``wildfire``, ``housing``, ...) whose
    pipeline package exports ``PARAMETERS_SCHEMA``, ``params:<namespace>`` must
    satisfy that pydantic model; unknown keys are errors. All problems are reported
    at once in a ``ParameterValidationError`` and nothing is read or trained.
    """

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        """Raise ``ParameterValidationError`` when a namespace's parameters are invalid."""
        namespaces = sorted(
            {node.namespace.split(".")[0] for node in pipeline.nodes if node.namespace}
        )
        for namespace in namespaces:
            schema = parameters_schema(namespace)
            if schema is None:
                continue
            key = f"params:{namespace}"
            params = catalog.load(key) if key in catalog else None
            parse_params(schema, params, namespace)
            logger.debug("Parameters '%s' match %s", namespace, schema.__name__)


class FailedRunCleanupHook:
    """Removes the versions a failed run saved, so "latest" is never half-finished.

    A run saves every versioned dataset under ``<path>/<run id>/``. When the run
    fails, this hook deletes exactly those folders (the failing run's id, nothing
    else) for the datasets the pipeline outputs; earlier versions are untouched, so
    loading the latest version returns the last complete run's artifact.
    """

    @hook_impl
    def on_pipeline_error(
        self,
        error: Exception,
        run_params: dict[str, Any],
        pipeline: Pipeline,
        catalog: Any,
    ) -> None:
        """Delete this run's version folder of every versioned output."""
        run_id = run_params.get("run_id")
        if not run_id:
            return
        removed = []
        for name in sorted(pipeline.all_outputs()):
            dataset = catalog.get(name)
            if not isinstance(dataset, AbstractVersionedDataset):
                continue
            if not dataset._version:
                continue
            if dataset._version.save != run_id:
                continue  # saved under another version: not this run's to remove
            folder = dataset._filepath / run_id
            filesystem = getattr(dataset, "_fs", None)
            if filesystem is None or not filesystem.exists(str(folder)):
                continue
            filesystem.rm(str(folder), recursive=True)
            dataset._clear_version_cache()
            removed.append(f"{name} ({folder})")
        if removed:
            logger.warning(
                "Run %s failed (%s: %s); removed its partial outputs so the latest "
                "version of each is the last complete run: %s",
                run_id,
                type(error).__name__,
                str(error).splitlines()[0] if str(error) else "",
                ", ".join(removed),
            )
