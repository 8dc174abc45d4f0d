"""Names the file behind a dataset when a node rejects its data."""

from __future__ import annotations

from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.pipeline import Node

from dl_experiments.kedro_internals import dataset_filepath
from dl_experiments.validation import DataValidationError


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
            filepath = dataset_filepath(catalog.get(name)) if name in catalog else None
            if filepath:
                error.dataset, error.source = name, str(filepath)
                return
