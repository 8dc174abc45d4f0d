"""What a run tells its user in the log: whose training the progress lines are,
and a summary as each experiment finishes.

When the last node of an experiment (a namespace: ``wildfire``, ``housing``, ...)
has run, ``RunLogHook`` logs the model's headline test metrics beside the best
baseline's, the HTML report's path and the W&B run; a run of several experiments
ends with one table of them all. Before the run, it fills each experiment's
``<namespace>.run_info`` (run id, git commit, environment) for the HTML report.
"""

from __future__ import annotations

import contextvars
import logging
from pathlib import Path
from typing import Any

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl
from kedro.io import AbstractDataset
from kedro.pipeline import Node, Pipeline
from tabulate import tabulate

from dl_experiments.evaluation.headline import LABELS, Headline, headline
from dl_experiments.hooks.tracking import git_commit
from dl_experiments.kedro_internals import saved_path

RUN_INFO = ".run_info"

logger = logging.getLogger(__name__)


class RunLogHook:
    """Labels training progress with its experiment; summarises finished ones."""

    def __init__(self) -> None:
        self._project_path = Path.cwd()
        self._tracker: Any = None
        self._reset()

    def _reset(self) -> None:
        self._pending: dict[str, set[str]] = {}
        self._metrics: dict[str, dict[str, Any]] = {}
        self._reports: dict[str, str] = {}
        self._summaries: dict[str, Headline] = {}
        self._labels: dict[str, contextvars.Token] = {}

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        """Note the project folder and the W&B hook, if one is registered."""
        from kedro.framework.project import settings  # noqa: PLC0415

        self._project_path = Path(context.project_path)
        self._tracker = next(
            (hook for hook in settings.HOOKS if hasattr(hook, "run_location")), None
        )

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        """Note each experiment's nodes (to know when its last one has run); fill
        the ``run_info`` inputs of the reports."""
        self._reset()
        for node in pipeline.nodes:
            if node.namespace:
                self._pending.setdefault(_experiment(node), set()).add(node.name)
        targets = sorted(name for name in pipeline.inputs() if name.endswith(RUN_INFO))
        if targets:
            info = {
                "run_id": run_params.get("run_id"),
                "git_commit": git_commit(self._project_path),
                "environment": run_params.get("env") or "local",
            }
            for target in targets:
                catalog.save(target, info)

    @hook_impl
    def before_node_run(self, node: Node) -> None:
        """Prefix the node's training progress lines with its experiment."""
        if node.namespace:
            from dl_experiments.modelling.progress import push_label  # noqa: PLC0415

            self._labels[node.name] = push_label(_experiment(node))

    @hook_impl
    def after_node_run(self, node: Node, catalog: Any, outputs: dict[str, Any]) -> None:
        """Keep the metrics and the report path; summarise a finished experiment."""
        self._pop_label(node)
        if not node.namespace:
            return
        experiment = _experiment(node)
        metrics = outputs.get(f"{experiment}.metrics")
        if isinstance(metrics, dict) and "model" in metrics:
            self._metrics[experiment] = metrics
        report = f"{experiment}.report"
        if report in outputs:
            self._reports[experiment] = self._saved_path(catalog, report)
        pending = self._pending.get(experiment)
        if pending is None:
            return
        pending.discard(node.name)
        if not pending:
            del self._pending[experiment]
            self._summarise(experiment)

    @hook_impl
    def on_node_error(self, node: Node) -> None:
        """Drop the failed node's progress label."""
        self._pop_label(node)

    @hook_impl
    def after_pipeline_run(self) -> None:
        """One table of every experiment the run finished (when it ran several)."""
        if len(self._summaries) > 1:
            logger.info("Run summary (test split):\n%s", self.table())

    def _pop_label(self, node: Node) -> None:
        token = self._labels.pop(node.name, None)
        if token is not None:
            from dl_experiments.modelling.progress import pop_label  # noqa: PLC0415

            try:
                pop_label(token)
            except ValueError:  # made in another thread's context: nothing to undo
                pass

    def _saved_path(self, catalog: Any, name: str) -> str:
        try:
            dataset: AbstractDataset = catalog.get(name)
            path = Path(saved_path(dataset))
        except (AttributeError, KeyError, TypeError, ValueError):
            return "(not a file)"
        if path.is_absolute() and path.is_relative_to(self._project_path):
            path = path.relative_to(self._project_path)
        return str(path)

    def _location(self, experiment: str) -> str:
        location = self._tracker.run_location(experiment) if self._tracker else None
        return location or "not tracked"

    def _summarise(self, experiment: str) -> None:
        metrics = self._metrics.get(experiment)
        if metrics is None:  # a predict or reporting-only run: nothing new to show
            return
        head = headline(metrics)
        self._summaries[experiment] = head
        numbers = ", ".join(
            f"{LABELS.get(m, m)} {_fmt(head.model.get(m))}"
            + (
                f" (best baseline {_fmt(head.baselines[head.best_baseline].get(m))})"
                if head.best_baseline
                else ""
            )
            for m in head.metrics
        )
        logger.info(
            "%s finished. Test %s.\n  %s\n  report: %s\n  W&B: %s",
            experiment,
            numbers,
            head.reading(),
            self._reports.get(experiment, "(not written in this run)"),
            self._location(experiment),
        )

    def table(self) -> str:
        """The summary table of the experiments finished so far in this run."""
        rows = []
        for experiment, head in self._summaries.items():
            metric = head.primary
            best = head.best_baseline
            rows.append(
                [
                    experiment,
                    LABELS.get(metric, metric),
                    _fmt(head.model.get(metric)),
                    _fmt(head.baselines[best].get(metric)) if best else "-",
                    best or "none yet",
                    self._reports.get(experiment, "-"),
                    self._location(experiment),
                ]
            )
        headers = [
            "experiment",
            "metric",
            "model",
            "baseline",
            "best baseline",
            "report",
            "W&B",
        ]
        return tabulate(rows, headers=headers, tablefmt="simple")


def _experiment(node: Node) -> str:
    return str(node.namespace).split(".")[0]


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
