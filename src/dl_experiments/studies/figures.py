"""A study's figures: Optuna's own optimisation history, per-epoch learning curves
(pruned trials included), parameter importances and parallel coordinates, and the
seeds' spread of each test metric beside the baselines."""

from __future__ import annotations

import math
import warnings

import numpy as np
import optuna
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from optuna.trial import TrialState
from optuna.visualization import matplotlib as optuna_plots


def _note(title: str, text: str) -> Figure:
    """A figure that says why a plot is not drawn (too few trials yet)."""
    fig, ax = plt.subplots(figsize=(6, 2.5))
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True)
    return fig


def _figure_of(axes: object) -> Figure:
    first = np.ravel(np.asarray(axes, dtype=object))[0]
    fig = first.figure
    fig.set_size_inches(max(fig.get_size_inches()[0], 8), max(fig.get_size_inches()[1], 5))
    return fig


def study_figures(study: optuna.Study) -> dict[str, Figure]:
    """``optimization_history``, ``intermediate_values`` (each trial's objective per
    epoch, where pruning shows), ``param_importances`` and ``parallel_coordinate``."""
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    figures: dict[str, Figure] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        if complete:
            figures["optimization_history"] = _figure_of(
                optuna_plots.plot_optimization_history(study)
            )
        else:
            figures["optimization_history"] = _note(
                "Optimization history", "no complete trial yet"
            )
        if any(t.intermediate_values for t in study.get_trials(deepcopy=False)):
            figures["intermediate_values"] = _figure_of(
                optuna_plots.plot_intermediate_values(study)
            )
        else:
            figures["intermediate_values"] = _note(
                "Intermediate values", "no trial has reported an epoch yet"
            )
        searched = {name for t in complete for name in t.params}
        if len(complete) >= 2 and len(searched) >= 1:
            # fANOVA explains the objective's variance: with every complete trial
            # at the same value there is none to explain (it raises).
            same = len({t.value for t in complete}) == 1
            figures["param_importances"] = (
                _note(
                    "param importances",
                    "every complete trial has the same objective value",
                )
                if same
                else _figure_of(optuna_plots.plot_param_importances(study))
            )
            figures["parallel_coordinate"] = _figure_of(
                optuna_plots.plot_parallel_coordinate(study)
            )
        else:
            for name in ("param_importances", "parallel_coordinate"):
                figures[name] = _note(
                    name.replace("_", " "), "needs at least two complete trials"
                )
    return figures


def plot_seed_spread(runs: pd.DataFrame) -> Figure:
    """Each test metric (one panel): every seed's value for the model and each
    baseline, with the mean and its 95% interval."""
    test = runs[runs["split"] == "test"]
    metrics = list(dict.fromkeys(test["metric"]))
    if not metrics:
        return _note("Seeds", "no test metrics")
    columns = min(4, len(metrics))
    rows = math.ceil(len(metrics) / columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(4.2 * columns, 3.4 * rows), squeeze=False
    )
    for ax, metric in zip(axes.ravel(), metrics, strict=False):
        part = test[test["metric"] == metric]
        models = list(dict.fromkeys(part["model"]))
        for position, model in enumerate(models):
            values = part.loc[part["model"] == model, "value"].to_numpy(float)
            jitter = np.linspace(-0.12, 0.12, len(values)) if len(values) > 1 else [0]
            ax.scatter(position + np.asarray(jitter), values, s=18, alpha=0.7)
            mean = values.mean()
            half = 0.0
            if len(values) > 1:
                from scipy import stats  # noqa: PLC0415 - only for the intervals

                sd = values.std(ddof=1)
                half = stats.t.ppf(0.975, len(values) - 1) * sd / math.sqrt(len(values))
            ax.errorbar(position + 0.3, mean, yerr=half, fmt="o", color="black", capsize=4)
        ax.set_xticks(range(len(models)))
        ax.set_xticklabels(models, rotation=20, ha="right", fontsize=8)
        ax.set_title(metric)
    for ax in axes.ravel()[len(metrics) :]:
        ax.set_axis_off()
    fig.suptitle("Test metrics over seeds (dots) with mean and 95% interval")
    fig.tight_layout()
    return fig
