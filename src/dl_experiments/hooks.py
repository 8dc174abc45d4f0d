"""Kedro hooks: TensorFlow runtime settings and clearer data errors."""

from __future__ import annotations

import logging
from typing import Any

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl
from kedro.pipeline import Node

from dl_experiments.validation import DataValidationError

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
