"""W&B runs for a study's trials: one run per trial, grouped by the study.

The study summary (best parameters, trials and seed tables, figures) is the study
pipeline's own run, opened by ``WandbHook`` like any experiment's. This hook adds
the trials: while a ``<experiment>_tune.run_study`` node runs it observes the study
(``studies.observers``), opening a run named ``<study>-trial-<n>`` in the group
``<study>`` (job type ``trial``) when a trial starts, logging its epochs through a
Keras callback, and closing it with the trial's state and value. Configured by the
same ``wandb.yml``; a W&B failure warns and the study goes on untracked.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl
from kedro.pipeline import Node

from dl_experiments.hooks.tracking import _read_config
from dl_experiments.tracking.config import TrackingConfig, api_key, load_tracking_config

logger = logging.getLogger(__name__)

STUDY_NODE = "run_study"


class WandbTrialObserver:
    """Opens and closes one W&B run per trial of the observed study."""

    def __init__(self, config: TrackingConfig, run_dir: Path, settings: Mapping[str, Any], tags: Sequence[str]) -> None:
        self._config = config
        self._run_dir = run_dir
        self._settings = dict(settings)
        self._tags = list(tags)
        self._runs: dict[int, Any] = {}
        self.failed: str | None = None

    def _fail(self, action: str, error: BaseException) -> None:
        if self.failed is None:
            self.failed = f"{action}: {type(error).__name__}: {error}"
            logger.warning(
                "W&B tracking of the study's trials FAILED while %s; the study goes "
                "on and its results are saved as usual.",
                self.failed,
            )

    def trial_started(
        self, study_name: str, number: int, overrides: Mapping[str, Any]
    ) -> Sequence[Any]:
        """Open the trial's run; return its per-epoch logger."""
        if self.failed is not None:
            return []
        try:
            from dl_experiments.tracking.wandb_run import TrackedRun  # noqa: PLC0415

            init_args = {
                "project": self._config.project,
                "entity": self._config.entity,
                "mode": self._config.mode,
                "dir": str(self._run_dir),
                "name": f"{study_name}-trial-{number}",
                "group": study_name,
                "job_type": "trial",
                "tags": self._tags,
            }
            config = {"study": study_name, "trial": number, **dict(overrides)}
            run = TrackedRun.start(study_name, {}, init_args, config, self._settings)
        except Exception as error:  # noqa: BLE001 - tracking must not stop the study
            self._fail("starting a trial's run", error)
            return []
        self._runs[number] = run
        return [run.keras_callback(self._fail)]

    def trial_finished(
        self, number: int, state: str, value: float | None, attrs: Mapping[str, Any]
    ) -> None:
        """Record the trial's state, value, epochs, seconds and worker; close its run."""
        run = self._runs.pop(number, None)
        if run is None:
            return
        try:
            summary = {"state": state, "value": value}
            summary |= {k: attrs[k] for k in ("epochs", "seconds", "worker") if k in attrs}
            run.run.summary.update(summary)
            run.finish(exit_code=0 if state in ("COMPLETE", "PRUNED") else 1)
        except Exception as error:  # noqa: BLE001 - tracking must not stop the study
            self._fail("closing a trial's run", error)


class StudyTrackingHook:
    """Tracks each trial of a study as its own W&B run (see the module doc)."""

    def __init__(self) -> None:
        self.config = TrackingConfig(mode="disabled")
        self._api_key: str | None = None
        self._project_path = Path.cwd()
        self._tokens: dict[str, Any] = {}

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        """Read ``wandb.yml`` (with W&B's environment variables over it)."""
        self.config = load_tracking_config(_read_config(context, "wandb"), os.environ)
        self._api_key = api_key(_read_config(context, "credentials"), os.environ)
        self._project_path = Path(context.project_path)

    @hook_impl
    def before_node_run(self, node: Node) -> None:
        """Observe the study a ``run_study`` node runs."""
        namespace = node.namespace.split(".")[0] if node.namespace else ""
        if node.name.rsplit(".", 1)[-1] != STUDY_NODE or not self.config.tracks(namespace):
            return
        from dl_experiments.studies.observers import push_observers  # noqa: PLC0415

        settings: dict[str, Any] = {"init_timeout": self.config.init_timeout}
        if self.config.base_url:
            settings["base_url"] = self.config.base_url
        if self._api_key and self.config.mode == "online":
            settings["api_key"] = self._api_key
        tags = list(dict.fromkeys([*self.config.tags, namespace, "trial"]))
        observer = WandbTrialObserver(
            self.config, self.config.run_dir(self._project_path), settings, tags
        )
        self._tokens[node.name] = push_observers([observer])

    @hook_impl
    def after_node_run(self, node: Node) -> None:
        """Stop observing."""
        self._pop(node)

    @hook_impl
    def on_node_error(self, node: Node) -> None:
        """Stop observing."""
        self._pop(node)

    def _pop(self, node: Node) -> None:
        token = self._tokens.pop(node.name, None)
        if token is not None:
            from dl_experiments.studies.observers import pop_observers  # noqa: PLC0415

            pop_observers(token)
