"""Weights & Biases tracking as a Kedro hook: no node imports W&B.

One W&B run per experiment (top-level pipeline namespace) of a Kedro run. It opens
when the experiment's first node starts and closes after its last node, or as
failed when a node raises. A ``kedro run`` of every pipeline therefore gives one run
per experiment, grouped by the Kedro run id.

- config: the experiment's parameters, flattened (``training.learning_rate``), plus
  ``kedro.*`` keys: run id, environment, pipeline, tags, git commit, and the version
  of every versioned dataset the experiment loaded or saved;
- per epoch: Keras' training and validation loss and metrics, through a callback
  the hook adds (``modelling.callbacks``) while a node tagged ``training`` runs;
- outputs, as their catalog entries declare (``metadata: {wandb: <kind>}``):
  metrics dicts in the summary, figures as images, W&B's native confusion matrix /
  ROC / PR charts from test predictions, and optionally the model as an artifact.

If W&B itself fails (a bad key, an unwritable folder), the hook logs a warning that
says so and the Kedro run carries on untracked.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kedro.config import MissingConfigException
from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl
from kedro.io import AbstractVersionedDataset
from kedro.pipeline import Node, Pipeline

from dl_experiments.config import as_plain
from dl_experiments.kedro_internals import dataset_metadata
from dl_experiments.modelling.callbacks import pop_callbacks, push_callbacks
from dl_experiments.tracking.config import TrackingConfig, api_key, load_tracking_config

if TYPE_CHECKING:
    from dl_experiments.tracking.wandb_run import TrackedRun

logger = logging.getLogger(__name__)

TRAINING_TAG = "training"


def _read_config(context: KedroContext, key: str) -> dict[str, Any]:
    try:
        return dict(context.config_loader[key] or {})
    except (MissingConfigException, KeyError):
        return {}


def git_commit(path: Path) -> str | None:
    """The commit checked out in ``path`` (``+dirty`` with local changes), if any."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH
            cwd=path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{commit}+dirty" if dirty else commit


class WandbHook:
    """Tracks Kedro runs in Weights & Biases, configured by ``conf/<env>/wandb.yml``."""

    def __init__(self) -> None:
        self.config = TrackingConfig(mode="disabled")
        self._api_key: str | None = None
        self._env = ""
        self._project_path = Path.cwd()
        self._reset()

    def _reset(self) -> None:
        self._runs: dict[str, TrackedRun] = {}
        self._params: dict[str, Any] = {}
        self._callbacks: dict[str, Any] = {}
        self._locations: dict[str, str] = {}
        self._pending: dict[str, set[str]] = {}
        self._failures: dict[str, str] = {}
        self._run_params: dict[str, Any] = {}
        self._label = "__default__"
        self._started = False

    # -- configuration -------------------------------------------------------

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        """Read ``wandb.yml`` (with W&B's environment variables over it)."""
        self.config = load_tracking_config(_read_config(context, "wandb"), os.environ)
        self._api_key = api_key(_read_config(context, "credentials"), os.environ)
        self._env = context.env or ""
        self._project_path = Path(context.project_path)

    # -- run lifecycle -------------------------------------------------------

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        """Note which tracked experiments this Kedro run has, and their nodes."""
        self._reset()
        if not self.config.enabled:
            return
        self._run_params = dict(run_params)
        self._label = "+".join(run_params.get("pipeline_names") or ["__default__"])
        for node in pipeline.nodes:
            experiment = self._experiment(node)
            if self.config.tracks(experiment):
                self._pending.setdefault(experiment, set()).add(node.name)
        for experiment in self._pending:
            key = f"params:{experiment}"
            if key in catalog:
                self._params[experiment] = catalog.load(key)

    @hook_impl
    def before_node_run(
        self, node: Node, catalog: Any, inputs: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Open the experiment's run; give a training node its epoch logger."""
        experiment = self._experiment(node)
        if experiment not in self._pending:
            return None
        run = self._ensure_run(experiment)
        if run is None:
            return None
        # Inputs saved by an earlier Kedro run: which version this run used.
        loaded = {
            key: version
            for key, version in self._versions(catalog, node.inputs, load=True).items()
            if version != self._run_params.get("run_id")
        }
        self._safely(experiment, "recording dataset versions", run.record, loaded)
        if TRAINING_TAG not in node.tags:
            return None

        def on_error(action: str, error: BaseException) -> None:
            self._failed(experiment, action, error)

        callback = run.keras_callback(on_error)
        self._callbacks[node.name] = push_callbacks([callback])
        return None

    @hook_impl
    def after_node_run(
        self, node: Node, catalog: Any, outputs: dict[str, Any]
    ) -> None:
        """Log the node's outputs; close the run after the experiment's last node."""
        self._release_callbacks(node)
        experiment = self._experiment(node)
        run = self._runs.get(experiment)
        if run is not None:
            saved = self._versions(catalog, node.outputs, load=False)
            self._safely(experiment, "recording dataset versions", run.record, saved)
            kinds = {
                name: dataset_metadata(catalog, name).get("wandb") for name in outputs
            }
            self._safely(
                experiment,
                f"logging the outputs of node '{node.name}'",
                run.log_outputs,
                outputs,
                kinds,
                self.config.log_model,
                self._run_params.get("run_id"),
            )
        pending = self._pending.get(experiment)
        if pending is not None:
            pending.discard(node.name)
            if not pending:
                del self._pending[experiment]
                self._finish(experiment, exit_code=0)

    @hook_impl
    def on_node_error(self, error: Exception, node: Node) -> None:
        """Close the failing experiment's run, marked failed."""
        self._release_callbacks(node)
        experiment = self._experiment(node)
        self._pending.pop(experiment, None)
        message = f"node '{node.name}' failed: {type(error).__name__}: {error}"
        self._finish(experiment, exit_code=1, error=self._redact(message))

    @hook_impl
    def after_pipeline_run(self) -> None:
        """Close the runs still open (nodes skipped by the runner)."""
        for experiment in list(self._runs):
            self._finish(experiment, exit_code=0)
        self._close()

    @hook_impl
    def on_pipeline_error(self, error: Exception) -> None:
        """Close every open run, marked failed: the Kedro run did not complete."""
        message = self._redact(f"Kedro run failed: {type(error).__name__}: {error}")
        for experiment in list(self._runs):
            self._finish(experiment, exit_code=1, error=message)
        self._close()

    def run_location(self, experiment: str) -> str | None:
        """The W&B run of ``experiment`` in this Kedro run: URL or offline folder."""
        return self._locations.get(experiment)

    # -- helpers -------------------------------------------------------------

    def _release_callbacks(self, node: Node) -> None:
        token = self._callbacks.pop(node.name, None)
        if token is not None:
            pop_callbacks(token)

    def _experiment(self, node: Node) -> str:
        return node.namespace.split(".")[0] if node.namespace else self._label

    def _ensure_run(self, experiment: str) -> TrackedRun | None:
        if experiment in self._runs:
            return self._runs[experiment]
        if experiment in self._failures:
            return None
        try:  # W&B is imported only when something is tracked
            from dl_experiments.tracking.wandb_run import (  # noqa: PLC0415
                TrackedRun,
                flatten,
            )
        except ImportError as error:
            self._failed(experiment, "importing W&B", error)
            return None

        params = self._params.get(experiment)
        plain = as_plain(params)
        run_id = str(self._run_params.get("run_id") or "")
        config = flatten(plain if isinstance(plain, Mapping) else {}) | self._kedro_info()
        init_args = {
            "project": self.config.project,
            "entity": self.config.entity,
            "mode": self.config.mode,
            "dir": str(self._run_dir()),
            "name": f"{experiment}-{run_id}" if run_id else experiment,
            "group": run_id or None,
            "job_type": self._label,
            "tags": self._tags(experiment),
        }
        run = self._safely(
            experiment,
            "starting the run",
            TrackedRun.start,
            experiment,
            _labels(params),
            init_args,
            config,
            self._settings(),
        )
        if run is not None:
            self._runs[experiment] = run
            self._locations[experiment] = run.location
            self._started = True
            logger.info(
                "Tracking '%s' in W&B (%s): %s", experiment, self.config.mode, run.location
            )
        return run

    def _settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = {"init_timeout": self.config.init_timeout}
        if self.config.base_url:
            settings["base_url"] = self.config.base_url
        if self._api_key and self.config.mode == "online":
            settings["api_key"] = self._api_key
        return settings

    def _run_dir(self) -> Path:
        return self.config.run_dir(self._project_path)

    def _tags(self, experiment: str) -> list[str]:
        tags = [*self.config.tags, experiment, *(self._run_params.get("tags") or [])]
        return list(dict.fromkeys(str(tag) for tag in tags))

    def _kedro_info(self) -> dict[str, Any]:
        info = {
            "kedro.run_id": self._run_params.get("run_id"),
            "kedro.env": self._env,
            "kedro.pipeline": self._label,
            "kedro.tags": list(self._run_params.get("tags") or []),
            "kedro.version": self._run_params.get("kedro_version"),
            "kedro.git_commit": git_commit(self._project_path),
        }
        return {key: value for key, value in info.items() if value is not None}

    @staticmethod
    def _versions(catalog: Any, names: list[str], load: bool) -> dict[str, str]:
        kind = "loaded" if load else "saved"
        versions = {}
        for name in names:
            if name.startswith("params:") or name not in catalog:
                continue
            dataset = catalog.get(name)
            if not isinstance(dataset, AbstractVersionedDataset):
                continue
            try:
                version = (
                    dataset.resolve_load_version()
                    if load
                    else dataset.resolve_save_version()
                )
            except Exception:  # noqa: BLE001 - no version to record
                continue
            if version:
                versions[f"kedro.{kind}_version.{name}"] = version
        return versions

    def _safely(self, experiment: str, action: str, call: Any, *args: Any) -> Any:
        """``call(*args)``; a W&B error ends the experiment's tracking, not the run."""
        if experiment in self._failures:
            return None
        try:
            return call(*args)
        except Exception as error:  # noqa: BLE001 - tracking must not stop the run
            self._failed(experiment, action, error)
            return None

    def _failed(
        self, experiment: str, action: str, error: BaseException, close: bool = True
    ) -> None:
        reason = self._redact(f"{action}: {type(error).__name__}: {error}")
        self._failures.setdefault(experiment, reason)
        logger.warning(
            "W&B tracking of '%s' FAILED while %s. The Kedro run goes on and its "
            "results are saved as usual, but this experiment is no longer tracked "
            "in W&B.",
            experiment,
            reason,
        )
        run = self._runs.pop(experiment, None)
        if run is not None and close:
            try:
                run.finish(exit_code=1, error=f"tracking failed while {reason}")
            except Exception as finish_error:  # noqa: BLE001 - already reported
                logger.debug("Could not close the W&B run: %s", finish_error)

    def _finish(self, experiment: str, exit_code: int, error: str | None = None) -> None:
        run = self._runs.pop(experiment, None)
        if run is None:
            return
        try:
            run.finish(exit_code, error)
        except Exception as finish_error:  # noqa: BLE001 - tracking must not stop the run
            self._failed(experiment, "closing the run", finish_error, close=False)
            return
        state = "finished" if exit_code == 0 else "marked FAILED"
        logger.info("W&B run of '%s' %s: %s", experiment, state, run.location)

    def _close(self) -> None:
        self._pending.clear()
        if self._started:
            from dl_experiments.tracking.wandb_run import shutdown  # noqa: PLC0415

            try:
                shutdown()
            except Exception as error:  # noqa: BLE001 - tracking must not stop the run
                logger.warning("W&B did not shut down cleanly: %s", self._redact(str(error)))
        self._report_failures()

    def _report_failures(self) -> None:
        if self._failures:
            logger.warning(
                "W&B tracking failed for %s; see the warnings above. Nothing of this "
                "Kedro run's results is lost: they are in data/ as usual.",
                "; ".join(f"'{name}' ({why})" for name, why in self._failures.items()),
            )

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text


def _labels(params: Any) -> tuple[str | None, list[str] | None, float]:
    """The task kind, class names and decision threshold a W&B run draws its
    native charts with (``None`` kind: an experiment without test predictions)."""
    kind = getattr(params, "kind", None)
    return (
        getattr(kind, "name", None),
        getattr(params, "class_names", None),
        getattr(params, "threshold", 0.5),
    )
