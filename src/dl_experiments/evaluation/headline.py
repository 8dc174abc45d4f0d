"""The few numbers a reader comes for: the model's headline test metrics beside the
best baseline's, and one sentence reading them.

Read from an experiment's ``metrics`` output (``{"task": <kind>, "model": {...},
"baselines": {name: {...}}}``); which metrics are headline and which way is
better come from the task kind (``tasks``), so the end-of-run summary and the
HTML report show the same headline for every experiment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dl_experiments import tasks
from dl_experiments.tasks.metrics import LABELS


@dataclass(frozen=True)
class Headline:
    """The model's headline metrics, each baseline's, and the best baseline."""

    task: str
    metrics: tuple[str, ...]
    model: dict[str, float | None]
    baselines: dict[str, dict[str, float | None]] = field(default_factory=dict)
    best_baseline: str | None = None
    n_samples: int | None = None

    @property
    def primary(self) -> str:
        """The metric the model and baselines are ranked by."""
        return self.metrics[0]

    def reading(self) -> str:
        """One sentence on the numbers: the model against its best baseline."""
        metric = self.primary
        label = LABELS.get(metric, metric)
        value = self.model.get(metric)
        if value is None:
            return f"The model's test {label} could not be computed."
        samples = f" on {self.n_samples} test samples" if self.n_samples else ""
        if self.best_baseline is None:
            return (
                f"Test {label} {value:.4g}{samples}; this experiment has no baseline "
                "to compare with yet."
            )
        base = self.baselines[self.best_baseline][metric]
        if base is None:
            return f"Test {label} {value:.4g}{samples}; the baselines have no {label}."
        lower = tasks.direction(metric) == "lower"
        better = tasks.is_better(metric, value, base)
        if value == base:
            verdict = "ties"
        elif better:
            verdict = "beats"
        else:
            verdict = "does not beat"
        gap = abs(value - base)
        relative = f" ({gap / abs(base):.0%})" if base and lower else ""
        return (
            f"The model {verdict} the best baseline ({self.best_baseline}) on test "
            f"{label}: {value:.4g} against {base:.4g}, a difference of {gap:.3g}"
            f"{relative}{samples}."
        )

    def rows(self) -> list[dict[str, Any]]:
        """One row per model (the model first, then baselines best first)."""
        order = sorted(
            self.baselines,
            key=lambda name: _rank_key(
                self.baselines[name].get(self.primary), self.primary
            ),
        )
        return [
            {"model": "model", **self.model},
            *({"model": name, **self.baselines[name]} for name in order),
        ]


def _rank_key(value: float | None, metric: str) -> float:
    if value is None:
        return float("inf")
    return value if tasks.direction(metric) == "lower" else -value


def task_of(metrics: dict[str, Any]) -> str:
    """The task kind an evaluation node wrote into its ``metrics`` (``task``)."""
    if "task" not in metrics:
        raise ValueError(
            "metrics: no 'task' key; an experiment's evaluation writes the task kind "
            f"beside 'model' and 'baselines' (found keys {sorted(metrics)})"
        )
    return str(metrics["task"])


def headline(metrics: dict[str, Any]) -> Headline:
    """The headline of an experiment's ``metrics`` output."""
    model = metrics.get("model") or {}
    task = task_of(metrics)
    names = tuple(m for m in tasks.kind(task).headline if m in model)

    def pick(values: dict[str, Any]) -> dict[str, float | None]:
        return {m: values.get(m) for m in names}

    baselines = {
        name: pick(values)
        for name, values in (metrics.get("baselines") or {}).items()
        if isinstance(values, dict)
    }
    best = None
    if baselines and names:
        best = min(
            baselines, key=lambda n: _rank_key(baselines[n].get(names[0]), names[0])
        )
    return Headline(
        task=task,
        metrics=names,
        model=pick(model),
        baselines=baselines,
        best_baseline=best,
        n_samples=model.get("n_samples"),
    )
