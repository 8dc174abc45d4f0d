"""Comparing runs: each headline metric across the saved versions of a metrics JSON.

Works on ``{version: metrics dict}`` (``MetricsHistoryDataset``), offline and without
any tracking service. Whether higher or lower is better comes from the task
kinds' declaration of each metric (``tasks.metrics``); the parameters'
``lower_is_better`` and ``closer_to_zero`` words decide only for metrics no kind
declares.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from dl_experiments import tasks
from dl_experiments.annotations import Figure
from dl_experiments.config import ComparisonConfig, parse_params

Direction = Literal["higher", "lower", "zero"]

VERSION = "version"
BEST_FOR = "best_for"


def _config(options: ComparisonConfig | Mapping[str, Any] | None) -> ComparisonConfig:
    """Kedro passes the validated model; direct callers may pass a plain dict."""
    if isinstance(options, ComparisonConfig):
        return options
    return parse_params(ComparisonConfig, dict(options or {}), "compare_runs")


def metric_direction(name: str, options: ComparisonConfig | None = None) -> Direction:
    """``"lower"``, ``"higher"`` or ``"zero"`` (best nearest 0) for a metric name.

    A metric a task kind declares (``rmse_dollars`` is ``rmse`` in another unit,
    ``cross_validation.models.mlp.roc_auc.mean`` is ``roc_auc``) takes the
    contract's direction. Any other: the last dotted part of the name is matched
    whole against ``closer_to_zero``, then split on ``_`` and matched word by word
    against ``lower_is_better``; anything else is higher.
    """
    try:
        return tasks.direction(name)
    except KeyError:
        pass
    config = _config(options)
    leaf = name.rsplit(".", 1)[-1].lower()
    if leaf in config.closer_to_zero:
        return "zero"
    words = set(leaf.split("_"))
    if leaf in config.lower_is_better or words.intersection(config.lower_is_better):
        return "lower"
    return "higher"


def _lookup(tree: Mapping[str, Any], dotted: str) -> Any:
    value: Any = tree
    for key in dotted.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def metrics_by_version(
    history: Mapping[str, Mapping[str, Any]], options: ComparisonConfig | None = None
) -> pd.DataFrame:
    """One row per saved version (oldest first), one column per headline metric,
    and ``best_for``: the metrics for which that version is the best.

    Headline metrics are the numbers directly under ``section`` of each metrics
    dict (``model``), or the dotted names listed in ``metrics`` (for example
    ``cross_validation.models.mlp.roc_auc.mean``), minus ``exclude``. A metric a
    version lacks is empty (NaN) there.
    """
    config = _config(options)
    if config.metrics:
        names = list(config.metrics)
    else:
        names = []
        for metrics in history.values():
            section = _lookup(metrics, config.section) if config.section else metrics
            if not isinstance(section, Mapping):
                continue
            names += [
                key
                for key, value in section.items()
                if _is_number(value) and key not in config.exclude and key not in names
            ]
    prefix = f"{config.section}." if config.section and not config.metrics else ""
    rows = []
    for version, metrics in history.items():
        row: dict[str, Any] = {VERSION: version}
        for name in names:
            value = _lookup(metrics, prefix + name)
            row[name] = float(value) if _is_number(value) else np.nan
        rows.append(row)
    table = pd.DataFrame(rows, columns=[VERSION, *names])
    best = best_versions(table, options)
    table[BEST_FOR] = [
        ", ".join(name for name, winner in best.items() if winner == version)
        for version in table[VERSION]
    ]
    return table


def metric_columns(table: pd.DataFrame) -> list[str]:
    """The metric columns of a ``metrics_by_version`` table."""
    return [c for c in table.columns if c not in (VERSION, BEST_FOR)]


def best_versions(
    table: pd.DataFrame, options: ComparisonConfig | None = None
) -> dict[str, str]:
    """``{metric: best version}`` (the earliest on a tie); metrics with no values
    are left out."""
    best = {}
    for name in metric_columns(table):
        values = pd.to_numeric(table[name], errors="coerce")
        if values.isna().all():
            continue
        direction = metric_direction(name, options)
        score = {"higher": -values, "lower": values, "zero": values.abs()}[direction]
        best[name] = str(table[VERSION].loc[score.idxmin()])
    return best


_ARROW = {
    "higher": "↑ higher is better",
    "lower": "↓ lower is better",
    "zero": "→ 0 is best",
}


def metrics_by_version_markdown(
    table: pd.DataFrame, options: ComparisonConfig | None = None
) -> str:
    """The table as Markdown, each metric's best value in bold, with a legend."""
    names = metric_columns(table)
    if table.empty:
        return "No saved versions to compare yet: run the experiment first.\n"
    best = best_versions(table, options)
    shown = pd.DataFrame({VERSION: table[VERSION].astype(str)})
    for name in names:
        values = pd.to_numeric(table[name], errors="coerce")
        cells = ["" if np.isnan(v) else f"{v:.4g}" for v in values]
        shown[name] = [
            f"**{cell}**" if best.get(name) == version else cell
            for cell, version in zip(cells, shown[VERSION], strict=True)
        ]
    shown[BEST_FOR] = [
        ", ".join(name for name, winner in best.items() if winner == version)
        for version in shown[VERSION]
    ]
    legend = "\n".join(
        f"- `{name}` ({_ARROW[metric_direction(name, options)]}): best in "
        f"{best.get(name, 'no version (no values)')}"
        for name in names
    )
    return (
        f"{len(table)} saved versions, oldest first; the best value of each metric "
        f"is in bold.\n\n{shown.to_markdown(index=False)}\n\n{legend}\n"
    )


def plot_metrics_by_version(
    table: pd.DataFrame, options: ComparisonConfig | None = None
) -> Figure:
    """One small plot per metric across versions, the best version starred."""
    from matplotlib import pyplot as plt  # noqa: PLC0415

    names = metric_columns(table)
    if table.empty or not names:
        fig, ax = plt.subplots(figsize=(6, 2))
        ax.axis("off")
        ax.text(0.5, 0.5, "No saved versions to compare yet", ha="center", va="center")
        return fig
    best = best_versions(table, options)
    columns = min(3, len(names))
    rows = math.ceil(len(names) / columns)
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=(4.2 * columns, 3.2 * rows),
        squeeze=False,
        layout="constrained",
    )
    versions = table[VERSION].astype(str).tolist()
    positions = np.arange(len(versions))
    for ax, name in zip(axes.flat, names, strict=False):
        values = pd.to_numeric(table[name], errors="coerce").to_numpy(np.float64)
        ax.plot(positions, values, marker="o", color="tab:blue")
        if name in best:
            i = versions.index(best[name])
            ax.plot(
                positions[i],
                values[i],
                marker="*",
                markersize=16,
                color="tab:red",
                linestyle="none",
                label=f"best: {best[name]}",
            )
            ax.legend(fontsize=7, loc="best")
        ax.set_title(f"{name} ({_ARROW[metric_direction(name, options)]})", fontsize=9)
        ax.set_xticks(
            positions, [v[:19] for v in versions], rotation=35, ha="right", fontsize=7
        )
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(names) :]:
        ax.axis("off")
    fig.suptitle(f"Metrics across {len(versions)} saved versions")
    return fig
