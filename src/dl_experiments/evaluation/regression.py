"""Regression metrics and figures, written once for every regression experiment.

Metrics are in the target's units; ``unit_value`` converts the error metrics that
have the target's unit (RMSE, MAE) into a currency or other unit as well (for
California Housing, $100,000 per target unit). Figures return matplotlib
``Figure`` objects; the catalog saves them as versioned PNGs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from sklearn import metrics as skm

from dl_experiments.not_drawn import not_drawn


def _number(value: float) -> float | None:
    value = float(value)
    return None if not np.isfinite(value) else round(value, 6)


def _arrays(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true, dtype=np.float64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    if y_true.shape != y_pred.shape or not len(y_true):
        raise ValueError(
            f"expected as many predictions as true values (at least one), got "
            f"{len(y_true)} true values and {len(y_pred)} predictions"
        )
    return y_true, y_pred


def regression_metrics(
    y_true: Any,
    y_pred: Any,
    unit_value: float | None = None,
    unit_name: str = "dollars",
) -> dict[str, Any]:
    """MSE, RMSE, MAE, R2, median and max absolute error, MAPE and mean error (bias).

    ``mape`` is a fraction (0.2 = 20 %), averaged over rows with a non-zero true
    value. ``mean_error`` is mean(prediction - truth): positive means the model
    over-predicts on average. With ``unit_value``, RMSE and MAE are also given
    multiplied by it (``rmse_<unit_name>``, ``mae_<unit_name>``).
    """
    y_true, y_pred = _arrays(y_true, y_pred)
    if not (np.isfinite(y_true).all() and np.isfinite(y_pred).all()):
        # a diverged model: scikit-learn refuses such input; report no numbers
        names = ["mse", "rmse", "mae", "r2", "median_absolute_error", "mape"]
        names += ["max_error", "mean_error"]
        if unit_value is not None:
            names += [f"rmse_{unit_name}", f"mae_{unit_name}"]
        return {"n_samples": int(len(y_true)), **dict.fromkeys(names)}
    mse = skm.mean_squared_error(y_true, y_pred)
    mae = skm.mean_absolute_error(y_true, y_pred)
    nonzero = y_true != 0
    metrics: dict[str, Any] = {
        "n_samples": int(len(y_true)),
        "mse": _number(mse),
        "rmse": _number(skm.root_mean_squared_error(y_true, y_pred)),
        "mae": _number(mae),
        # scikit-learn scores a constant truth 0 or 1; the project reports none
        "r2": _number(skm.r2_score(y_true, y_pred)) if np.ptp(y_true) > 0 else None,
        "median_absolute_error": _number(skm.median_absolute_error(y_true, y_pred)),
        "mape": _number(
            skm.mean_absolute_percentage_error(y_true[nonzero], y_pred[nonzero])
        )
        if nonzero.any()
        else None,
        "max_error": _number(skm.max_error(y_true, y_pred)),
        "mean_error": _number(np.mean(y_pred - y_true)),
    }
    if unit_value is not None:
        metrics[f"rmse_{unit_name}"] = _number(np.sqrt(mse) * unit_value)
        metrics[f"mae_{unit_name}"] = _number(mae * unit_value)
    return metrics


def error_by_quantile_bin(
    y_true: Any, y_pred: Any, n_bins: int = 10
) -> list[dict[str, Any]]:
    """MAE, RMSE and mean error per quantile bin (decile for 10) of the true value.

    Rows are ranked by their true value and cut into ``n_bins`` groups of (nearly)
    equal size, so rows at a cap on the target (many with the same value) fill the
    top bins. Each bin reports its range of true values, its size and errors.
    """
    y_true, y_pred = _arrays(y_true, y_pred)
    n_bins = max(1, min(int(n_bins), len(y_true)))
    order = np.argsort(y_true, kind="stable")
    bins = np.empty(len(y_true), dtype=np.int64)
    bins[order] = np.arange(len(y_true)) * n_bins // len(y_true)
    residual = y_pred - y_true
    counts = np.bincount(bins, minlength=n_bins)
    squared = np.bincount(bins, weights=residual**2, minlength=n_bins)
    absolute = np.bincount(bins, weights=np.abs(residual), minlength=n_bins)
    signed = np.bincount(bins, weights=residual, minlength=n_bins)
    low = np.full(n_bins, np.inf)
    high = np.full(n_bins, -np.inf)
    np.minimum.at(low, bins, y_true)
    np.maximum.at(high, bins, y_true)
    return [
        {
            "bin": int(index) + 1,
            "true_min": _number(low[index]),
            "true_max": _number(high[index]),
            "n_samples": int(counts[index]),
            "mae": _number(absolute[index] / counts[index]),
            "rmse": _number(np.sqrt(squared[index] / counts[index])),
            "mean_error": _number(signed[index] / counts[index]),
        }
        for index in range(n_bins)
        if counts[index]
    ]


def evaluate_regression(
    predictions: pd.DataFrame,
    baseline_predictions: pd.DataFrame | None,
    unit_value: float | None = None,
    unit_name: str = "dollars",
    n_bins: int = 10,
) -> dict[str, Any]:
    """Test-set metrics of the model and of each baseline, plus the model's error by
    decile of the true value; the layout matches the classification report."""
    y_true = predictions["y_true"].to_numpy(np.float64)
    y_pred = predictions["prediction"].to_numpy(np.float64)
    metrics: dict[str, Any] = {
        "model": regression_metrics(y_true, y_pred, unit_value, unit_name)
    }
    if baseline_predictions is not None:
        baselines = baseline_predictions.loc[predictions.index]
        metrics["baselines"] = {
            str(name): regression_metrics(
                y_true, baselines[name].to_numpy(np.float64), unit_value, unit_name
            )
            for name in baselines.columns
        }
    metrics["error_by_true_value_bin"] = error_by_quantile_bin(y_true, y_pred, n_bins)
    return metrics


def _limits(*arrays: np.ndarray) -> tuple[float, float]:
    values = np.concatenate([np.asarray(a, dtype=np.float64) for a in arrays])
    low, high = float(values.min()), float(values.max())
    pad = 0.03 * (high - low or 1.0)
    return low - pad, high + pad


def _finish(fig: Figure, ax: plt.Axes, **labels: str) -> Figure:
    """Label the axes, add a light grid and a small legend, and tighten the layout."""
    ax.set(**labels)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_predicted_vs_actual(
    y_true: Any, y_pred: Any, cap: float | None = None, unit: str = ""
) -> Figure:
    """Predicted against true values (hexbin density), with the identity line."""
    y_true, y_pred = _arrays(y_true, y_pred)
    low, high = _limits(y_true, y_pred)
    fig, ax = plt.subplots(figsize=(6.2, 5.6))
    image = ax.hexbin(y_true, y_pred, gridsize=60, bins="log", mincnt=1, cmap="viridis")
    fig.colorbar(image, ax=ax, label="rows (log scale)")
    ax.plot([low, high], [low, high], color="red", linestyle="--", label="perfect")
    if cap is not None:
        ax.axvline(cap, color="grey", linestyle=":", label=f"target cap ({cap:g})")
    metrics = regression_metrics(y_true, y_pred)
    ax.set(
        xlim=(low, high),
        ylim=(low, high),
        xlabel=f"true value{unit}",
        ylabel=f"predicted value{unit}",
        title=f"Predicted vs actual (RMSE {metrics['rmse']:.3f}, R2 {metrics['r2']:.3f})",
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def plot_residuals(y_true: Any, y_pred: Any, unit: str = "") -> Figure:
    """Residuals (prediction - truth) against the prediction, with their running mean."""
    y_true, y_pred = _arrays(y_true, y_pred)
    residual = y_pred - y_true
    fig, ax = plt.subplots(figsize=(7, 5))
    image = ax.hexbin(
        y_pred, residual, gridsize=60, bins="log", mincnt=1, cmap="viridis"
    )
    fig.colorbar(image, ax=ax, label="rows (log scale)")
    ax.axhline(0, color="red", linestyle="--", label="no error")
    n_bins = max(1, min(20, len(y_pred) // 20))
    edges = np.quantile(y_pred, np.linspace(0, 1, n_bins + 1))
    which = np.clip(np.searchsorted(edges, y_pred, side="right") - 1, 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    mean = np.bincount(which, weights=residual, minlength=n_bins) / np.maximum(
        counts, 1
    )
    centre = np.bincount(which, weights=y_pred, minlength=n_bins) / np.maximum(
        counts, 1
    )
    keep = counts > 0
    ax.plot(centre[keep], mean[keep], color="orange", marker="o", label="mean residual")
    return _finish(
        fig,
        ax,
        xlabel=f"predicted value{unit}",
        ylabel=f"residual: predicted - true{unit}",
        title="Residuals vs predicted",
    )


def plot_residual_histogram(
    residuals_by_model: Mapping[str, Any], unit: str = "", bins: int = 60
) -> Figure:
    """Distribution of residuals (prediction - truth) for each model, same bins.

    The axis spans the 0.1-99.9th percentiles of all residuals, so one extreme
    row does not squeeze the histograms; the legend's mean and std use every row.
    """
    residuals = {
        name: np.asarray(values, dtype=np.float64).reshape(-1)
        for name, values in residuals_by_model.items()
    }
    pooled = np.concatenate(list(residuals.values()))
    low, high = _limits(np.quantile(pooled, [0.001, 0.999]))
    edges = np.linspace(low, high, bins + 1)
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    for index, (name, values) in enumerate(residuals.items()):
        ax.hist(
            values,
            bins=edges,
            histtype="stepfilled" if index == 0 else "step",
            alpha=0.45 if index == 0 else 0.9,
            linewidth=1.5,
            label=f"{name} (mean {values.mean():+.3f}, std {values.std():.3f})",
        )
    ax.axvline(0, color="black", linestyle="--", linewidth=1)
    return _finish(
        fig,
        ax,
        xlabel=f"residual: predicted - true{unit}",
        ylabel="rows",
        title="Residual distribution",
    )


def plot_error_map(
    x: Any,
    y: Any,
    absolute_error: Any,
    x_label: str = "longitude",
    y_label: str = "latitude",
    unit: str = "",
) -> Figure:
    """Absolute error at each row's position (e.g. longitude / latitude).

    The colour scale stops at the 99th percentile of the error so a few extreme
    rows do not wash out the map; the largest errors are drawn on top.
    """
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    error = np.asarray(absolute_error, dtype=np.float64).reshape(-1)
    order = np.argsort(error, kind="stable")
    fig, ax = plt.subplots(figsize=(7, 6.5))
    points = ax.scatter(
        x[order],
        y[order],
        c=error[order],
        s=6,
        cmap="inferno_r",
        vmin=0,
        vmax=float(np.quantile(error, 0.99)) or None,
    )
    fig.colorbar(points, ax=ax, label=f"absolute error{unit}", extend="max")
    ax.set(
        xlabel=x_label,
        ylabel=y_label,
        title=f"Absolute error by location ({len(error):,} rows)",
        aspect="equal",
    )
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_error_by_bin(
    bins_by_model: Mapping[str, list[dict[str, Any]]], unit: str = ""
) -> Figure:
    """MAE and mean error (bias) per quantile bin of the true value, per model.

    Bars are grouped by bin; the tick labels give each bin's range of true values,
    so a cap on the target (the last bins) shows up as a large negative bias.
    """
    names = list(bins_by_model)
    first = bins_by_model[names[0]]
    positions = np.arange(len(first))
    width = 0.8 / len(names)
    fig, (mae_ax, bias_ax) = plt.subplots(2, 1, figsize=(10, 7.5), sharex=True)
    for index, name in enumerate(names):
        rows = bins_by_model[name]
        offset = positions - 0.4 + width * (index + 0.5)
        mae_ax.bar(offset, [row["mae"] for row in rows], width, label=name)
        bias_ax.bar(offset, [row["mean_error"] for row in rows], width, label=name)
    labels = [f"{row['true_min']:.2f}-{row['true_max']:.2f}" for row in first]
    bias_ax.set_xticks(positions, labels, rotation=45, ha="right")
    bias_ax.axhline(0, color="black", linewidth=1)
    mae_ax.set(ylabel=f"MAE{unit}", title="Error by decile of the true value")
    bias_ax.set(
        xlabel=f"true value range of the bin{unit}",
        ylabel=f"mean error (pred - true){unit}",
    )
    for ax in (mae_ax, bias_ax):
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _error_map(
    coordinates: pd.DataFrame | None,
    index: pd.Index,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    suffix: str,
) -> Figure:
    if coordinates is None:
        return not_drawn("no map columns (evaluation.map is not set)")
    x_column, y_column = coordinates.columns[:2]
    located = coordinates.loc[index]
    return plot_error_map(
        located[x_column],
        located[y_column],
        np.abs(y_pred - y_true),
        str(x_column),
        str(y_column),
        suffix,
    )


def regression_figures(
    predictions: pd.DataFrame,
    baseline_predictions: pd.DataFrame | None,
    coordinates: pd.DataFrame | None,
    cap: float | None = None,
    unit: str = "",
    n_bins: int = 10,
) -> dict[str, Figure]:
    """Predicted vs actual, residuals vs predicted, residual histogram (with the
    baselines), absolute error on a map and error by decile of the true value.

    ``coordinates`` has two columns (x then y, e.g. longitude and latitude) and the
    predictions' row ids as its index; without it the error map is "not drawn".
    """
    y_true = predictions["y_true"].to_numpy(np.float64)
    y_pred = predictions["prediction"].to_numpy(np.float64)
    suffix = f" ({unit})" if unit else ""
    residuals = {"model": y_pred - y_true}
    bins = {"model": error_by_quantile_bin(y_true, y_pred, n_bins)}
    if baseline_predictions is not None:
        baselines = baseline_predictions.loc[predictions.index]
        for name in baselines.columns:
            scores = baselines[name].to_numpy(np.float64)
            residuals[str(name)] = scores - y_true
            bins[str(name)] = error_by_quantile_bin(y_true, scores, n_bins)
    return {
        "predicted_vs_actual": plot_predicted_vs_actual(y_true, y_pred, cap, suffix),
        "residuals": plot_residuals(y_true, y_pred, suffix),
        "residual_histogram": plot_residual_histogram(residuals, suffix),
        "error_map": _error_map(coordinates, predictions.index, y_true, y_pred, suffix),
        "error_by_decile": plot_error_by_bin(bins, suffix),
    }
