"""Which Kedro runners a run may use, and what each one gets.

- ``SequentialRunner`` (the default) and ``ThreadRunner`` get the same run record,
  the same complete-runs-only "latest", the same end-of-run summary and the same
  W&B runs: every hook runs in the one process. Under ``ThreadRunner`` the nodes'
  functions run one at a time (loading and saving still overlap): the nodes share
  TensorFlow's and Keras' process-wide random state, so two trainings at once
  would make the same seed give other models.
- ``ParallelRunner`` is refused before the run starts: it runs each node in a
  process of its own, with Kedro's ``SharedMemoryDataCatalog`` instead of the
  project's catalog, and the node and dataset hooks (run record updates, W&B
  logging, the summary) inside those processes, where the run's state is not.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io.data_catalog import SharedMemoryDataCatalog
from kedro.pipeline import Node

logger = logging.getLogger(__name__)

SUPPORTED = ("SequentialRunner", "ThreadRunner")


class UnsupportedRunnerError(RuntimeError):
    """A runner whose runs would lose the project's records, "latest" or tracking."""


REFUSED = (
    "ParallelRunner is not supported by this project: it runs each node in a "
    "process of its own, with Kedro's SharedMemoryDataCatalog instead of the "
    "project's catalog, so the run record, the complete-runs-only \"latest\", the "
    "W&B runs and the end-of-run summary would not follow the run (Kedro calls the "
    "node and dataset hooks inside the worker processes). TensorFlow already uses "
    "every core within one node. Supported runners: "
    f"{', '.join(SUPPORTED)}; run again without --runner (SequentialRunner) or with "
    "--runner=ThreadRunner."
)


class RunnerHook:
    """Refuses ``ParallelRunner``; runs node functions one at a time."""

    def __init__(self) -> None:
        self._turn = threading.RLock()

    @hook_impl
    def after_catalog_created(self, catalog: Any) -> None:
        """Stop a ``ParallelRunner`` run before anything starts (Kedro builds its
        own catalog class for that runner only)."""
        if isinstance(catalog, SharedMemoryDataCatalog):
            raise UnsupportedRunnerError(REFUSED)

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any]) -> None:
        """Say what ``ThreadRunner`` does here."""
        if "ThreadRunner" in str(run_params.get("runner") or ""):
            logger.info(
                "ThreadRunner: the nodes' functions run one at a time (they share "
                "TensorFlow's and Keras' random state, so the same seed gives the "
                "same models as SequentialRunner); loading and saving overlap"
            )

    # Taken last before a node runs and given back first after it, so that no
    # other hook can fail in between and keep it.
    @hook_impl(trylast=True)
    def before_node_run(self, node: Node) -> None:
        """Wait for the other threads' node functions."""
        self._turn.acquire()

    @hook_impl(tryfirst=True)
    def after_node_run(self, node: Node) -> None:
        """Let the next node function run."""
        self._turn.release()

    @hook_impl(tryfirst=True)
    def on_node_error(self, node: Node) -> None:
        """Let the next node function run after a failed one."""
        self._turn.release()
