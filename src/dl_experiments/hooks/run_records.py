"""The Kedro hook that writes each run's record (``dl_experiments.runs``).

``running`` before the first node (with the versions it will load and the folders
it may write), each versioned save added as it lands, ``complete`` after the last
node, ``failed`` when a node raises. It also points the catalog at the project's
records, so unpinned loads resolve to complete runs only.

Registered first in ``settings.HOOKS`` so that, hooks running last-in-first-out,
its ``before_pipeline_run`` comes after every other hook's checks: a run stopped
there (bad parameters, no trained model) leaves no record. Saves may land from
several threads (``ThreadRunner``): the record is updated under a lock. A record
that cannot be closed (a full disk) stays ``running``, which counts as incomplete.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from typing import Any

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl
from kedro.pipeline import Pipeline

from dl_experiments.config.base import parameters_hash
from dl_experiments.hooks.tracking import git_commit
from dl_experiments.runs.catalog import (
    RunAwareDataCatalog,
    loaded_versions,
    output_folders,
)
from dl_experiments.runs.records import RunRecord, RunStore, now_utc

logger = logging.getLogger(__name__)


def is_cluster_worker(environ: dict[str, str] | os._Environ = os.environ) -> bool:
    """Whether ``TF_CONFIG`` makes this process a non-chief worker of a cluster.

    TensorFlow's rule: the chief is the ``chief`` task, or worker 0 when the
    cluster has no ``chief``. A non-chief worker trains in lockstep with the chief,
    but its artifacts are not the run's result.
    """
    raw = environ.get("TF_CONFIG")
    if not raw:
        return False
    config = json.loads(raw)
    task = config.get("task") or {}
    kind, index = task.get("type"), int(task.get("index", 0))
    if kind == "chief":
        return False
    if kind == "worker":
        return "chief" in (config.get("cluster") or {}) or index != 0
    return kind is not None  # evaluator, ps: never the run's result


class RunRecordHook:
    """Records every Kedro run in ``data/runs/<run id>.json``."""

    def __init__(self) -> None:
        self._store: RunStore | None = None
        self._record: RunRecord | None = None
        self._catalog: Any = None
        self._env: str | None = None
        self._parameters: dict[str, Any] = {}
        self._lock = threading.Lock()

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        """Remember the project (where records live) and the run's parameters."""
        self._store = RunStore(context.project_path)
        self._env = context.env

    @hook_impl
    def after_catalog_created(self, catalog: Any) -> None:
        """Let the catalog resolve "latest" against the project's records."""
        if self._store is not None and isinstance(catalog, RunAwareDataCatalog):
            catalog.use_run_records(self._store.project_path)

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        """Write the record with status ``running``."""
        if self._store is None:
            return
        store = self._store
        parameters = catalog.load("parameters") if "parameters" in catalog else {}
        loaded = loaded_versions(catalog, pipeline.inputs())
        outputs = output_folders(catalog, pipeline.all_outputs())
        self._catalog = catalog
        self._record = RunRecord(
            run_id=run_params["run_id"],
            pipelines=list(run_params.get("pipeline_names") or ["__default__"]),
            experiments=sorted(
                {
                    node.namespace.split(".")[0]
                    for node in pipeline.nodes
                    if node.namespace
                }
            ),
            env=run_params.get("env") or self._env,
            tags=list(run_params.get("tags") or []),
            parameters_hash=parameters_hash(parameters),
            git_commit=git_commit(store.project_path),
            load_versions=dict(run_params.get("load_versions") or {}),
            loaded={
                name: {"version": version, "path": store.relative(folder)}
                for name, (version, folder) in loaded.items()
            },
            outputs={
                name: store.relative(folder) for name, (_, folder) in outputs.items()
            },
            host=socket.gethostname(),
            pid=os.getpid(),
            worker=is_cluster_worker(),
        )
        store.write(self._record)
        logger.info(
            "Run %s recorded in %s",
            self._record.run_id,
            store.path(self._record.run_id),
        )

    @hook_impl
    def after_dataset_saved(self, dataset_name: str) -> None:
        """Add a versioned output to the record as soon as it is saved."""
        with self._lock:
            record = self._record
            if record is None or dataset_name not in record.outputs:
                return
            record.saved[dataset_name] = {
                "version": record.run_id,
                "path": record.outputs[dataset_name],
            }
            self._store.write(record)

    @hook_impl
    def after_pipeline_run(self) -> None:
        """Close the record as ``complete``."""
        self._close("complete")

    @hook_impl
    def on_pipeline_error(self, error: Exception) -> None:
        """Close the record as ``failed``, with the error."""
        message = str(error).splitlines()[0] if str(error) else ""
        self._close("failed", f"{type(error).__name__}: {message}")

    def _close(self, status: str, error: str | None = None) -> None:
        with self._lock:
            record = self._record
            if record is None or self._store is None:
                return
            self._record = None
            self._catalog = None
            record.status = status  # type: ignore[assignment]
            record.finished_at = now_utc()
            record.error = error
            try:
                self._store.write(record)
            except OSError as failure:
                message = (
                    f"{failure}; run {record.run_id} stays 'running' in its record, "
                    "which counts as incomplete: its versions are never loaded as "
                    "latest"
                )
                if status == "complete":  # the run's result does not count: say so
                    raise OSError(failure.errno, message) from failure
                logger.error("%s", message)  # the run's own error comes first
