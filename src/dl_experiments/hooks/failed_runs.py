"""No half-finished versions left behind by a failed run."""

from __future__ import annotations

import logging
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.pipeline import Pipeline

from dl_experiments.kedro_internals import (
    clear_version_cache,
    filesystem,
    is_versioned,
    save_version,
    version_folder,
)

logger = logging.getLogger(__name__)


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
            if not is_versioned(dataset) or save_version(dataset) != run_id:
                continue  # saved under another version: not this run's to remove
            folder = version_folder(dataset, run_id)
            fs = filesystem(dataset)
            if fs is None or not fs.exists(folder):
                continue
            fs.rm(folder, recursive=True)
            clear_version_cache(dataset)
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
