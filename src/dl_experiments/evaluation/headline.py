"""The few numbers a reader comes for: the model's headline test metrics beside the
best baseline's, and one sentence reading them.

Read from an experiment's ``metrics`` output (``{"model": {...}, "baselines":
{name: {...}}}``); the task is told by the metrics themselves, so the end-of-run
summary and the HTML report show the same headline for every experiment, with
baselines whenever the experiment has any.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Headline metrics per task, the first one decides which baseline is "best".
HEADLINE_METRICS = {
    "regression": ("rmse", "mae", "r2"),
    "binary": ("roc_auc", "average_precision", "f1", "accuracy"),
    "multiclass": ("accuracy", "f1_macro", "top_2_accuracy", "log_loss"),
}
LOWER_IS_BETTER = {"rmse", "mae", "mse", "log_loss", "mape", "median_absolute_error"}
LABELS = {
    "rmse": "RMSE",
    "mae": "MAE",
    "r2": "R²",
    "roc_auc": "ROC AUC",
    "average_precision": "average precision",
    "f1": "F1",
    "accuracy": "accuracy",
    "f1_macro": "macro F1",
    "top_2_accuracy": "top-2 accuracy",
    "log_loss": "log loss",
}


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
        lower = metric in LOWER_IS_BETTER
        better = value < base if lower else value > base
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
    return value if metric in LOWER_IS_BETTER else -value


def task_of(model_metrics: dict[str, Any]) -> str:
    """``regression``, ``binary`` or ``multiclass``, told by the metrics present."""
    if "r2" in model_metrics:
        return "regression"
    if "positive_class" in model_metrics:
        return "binary"
    return "multiclass"


def headline(metrics: dict[str, Any]) -> Headline:
    """The headline of an experiment's ``metrics`` output."""
    model = metrics.get("model") or {}
    task = task_of(model)
    names = tuple(m for m in HEADLINE_METRICS[task] if m in model)

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
