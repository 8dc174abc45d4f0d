"""Interactive Plotly versions of the figures a reader would rather explore:
training history, ROC / precision-recall curves, the housing error map.

Saved as ``<namespace>.<figure>_plotly`` (kedro-datasets' ``plotly.JSONDataset``),
they open in kedro-viz's preview (zoom, hover, toggle curves); the static PNGs stay
for the HTML report and W&B. Values are written as plain lists, which every
plotly.js reads (Plotly 6+ would otherwise encode NumPy arrays as typed arrays).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from plotly import graph_objects as go
from plotly.subplots import make_subplots
from sklearn.metrics import (
    auc,
    average_precision_score,
    precision_recall_curve,
    roc_curve,
)

from dl_experiments.evaluation.classification import baseline_scores, prediction_scores


def _list(values: Any) -> list[float]:
    return np.asarray(values, dtype=np.float64).round(6).tolist()


def training_history_figure(history: Mapping[str, Any]) -> go.Figure:
    """Loss and each tracked metric per epoch, training vs validation, best epoch."""
    curves = history["history"]
    names = [k for k in curves if not k.startswith("val_")]
    fig = make_subplots(
        rows=1, cols=len(names), subplot_titles=[n.replace("_", " ") for n in names]
    )
    epochs = list(range(1, len(curves["loss"]) + 1))
    best = history.get("best_epoch")
    for column, name in enumerate(names, start=1):
        for key, label, color in (
            (name, "training", "#1f77b4"),
            (f"val_{name}", "validation", "#ff7f0e"),
        ):
            if key in curves:
                fig.add_trace(
                    go.Scatter(
                        x=epochs,
                        y=_list(curves[key]),
                        name=label,
                        legendgroup=label,
                        showlegend=column == 1,
                        line={"color": color},
                        mode="lines+markers" if len(epochs) < 30 else "lines",
                    ),
                    row=1,
                    col=column,
                )
        if best:
            fig.add_vline(x=best, line_dash="dot", line_color="grey", row=1, col=column)
        fig.update_xaxes(title_text="epoch", row=1, col=column)
    fig.update_layout(
        title=f"Training history: {history.get('epochs_run', len(epochs))} epochs"
        + (f", best epoch {best}" if best else ""),
        template="plotly_white",
        height=380,
    )
    return fig


def roc_pr_figure(
    predictions: pd.DataFrame,
    baseline_predictions: pd.DataFrame | None = None,
) -> go.Figure:
    """ROC and precision-recall curves of a binary classifier and its baselines."""
    y_true = predictions["y_true"].to_numpy().astype(np.int64)
    scores = {"model": prediction_scores(predictions)}
    if baseline_predictions is not None:
        scores |= baseline_scores(baseline_predictions)
    fig = make_subplots(rows=1, cols=2, subplot_titles=["ROC", "Precision-recall"])
    if y_true.min() == y_true.max():
        fig.update_layout(title="ROC / PR: the test rows hold one class only")
        return fig
    classes = int(y_true.max()) + 1
    for model, raw in scores.items():
        matrix = np.asarray(raw, dtype=np.float64).reshape(len(y_true), -1)
        name = model
        if matrix.shape[1] > 2:  # several classes: micro-averaged one-vs-rest
            truth = np.eye(max(classes, matrix.shape[1]))[y_true.astype(np.int64)]
            truth, score = truth[:, : matrix.shape[1]].ravel(), matrix.ravel()
            name = f"{model}, micro-average"
        else:
            truth, score = y_true, matrix[:, -1]
        fpr, tpr, _ = roc_curve(truth, score)
        fig.add_trace(
            go.Scatter(
                x=_list(fpr),
                y=_list(tpr),
                name=f"{name} (AUC {auc(fpr, tpr):.3f})",
                legendgroup=name,
                mode="lines",
            ),
            row=1,
            col=1,
        )
        precision, recall, _ = precision_recall_curve(truth, score)
        ap = average_precision_score(truth, score)
        fig.add_trace(
            go.Scatter(
                x=_list(recall),
                y=_list(precision),
                name=f"{name} (AP {ap:.3f})",
                legendgroup=name,
                mode="lines",
                line_shape="hv",
            ),
            row=1,
            col=2,
        )
    fig.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            name="chance",
            mode="lines",
            line={"dash": "dash", "color": "grey"},
        ),
        row=1,
        col=1,
    )
    fig.update_xaxes(title_text="false positive rate", range=[0, 1], row=1, col=1)
    fig.update_yaxes(title_text="true positive rate", range=[0, 1.02], row=1, col=1)
    fig.update_xaxes(title_text="recall", range=[0, 1], row=1, col=2)
    fig.update_yaxes(title_text="precision", range=[0, 1.02], row=1, col=2)
    fig.update_layout(
        title="ROC and precision-recall (test set)", template="plotly_white", height=450
    )
    return fig


def error_map_figure(
    predictions: pd.DataFrame, positions: pd.DataFrame | None, unit: str = ""
) -> go.Figure:
    """Absolute error of each test row at its position (the two columns of
    ``positions``, x then y); hover shows the true and predicted values. Without
    positions (no map columns configured) a figure that says so."""
    if positions is None:
        fig = go.Figure()
        fig.update_layout(
            title="No error map: evaluation.map names no map columns",
            template="plotly_white",
            height=200,
        )
        return fig
    x_name, y_name = positions.columns[:2]
    y_true = predictions["y_true"].to_numpy(np.float64)
    y_pred = predictions["prediction"].to_numpy(np.float64)
    error = np.abs(y_pred - y_true)
    order = np.argsort(error, kind="stable")  # the largest errors on top
    suffix = f" ({unit})" if unit else ""
    fig = go.Figure(
        go.Scattergl(
            x=_list(positions[x_name].to_numpy()[order]),
            y=_list(positions[y_name].to_numpy()[order]),
            mode="markers",
            marker={
                "color": _list(error[order]),
                "colorscale": "Inferno",
                "reversescale": True,
                "cmin": 0,
                "cmax": float(np.quantile(error, 0.99)) if len(error) else 1.0,
                "size": 5,
                "colorbar": {"title": {"text": f"absolute error{suffix}"}},
            },
            customdata=np.column_stack([y_true[order], y_pred[order]])
            .round(4)
            .tolist(),
            hovertemplate=(
                f"{x_name} %{{x}}<br>{y_name} %{{y}}<br>true %{{customdata[0]}}"
                f"<br>predicted %{{customdata[1]}}<br>|error| %{{marker.color:.3f}}"
                "<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        title=f"Absolute error by location ({len(error):,} test rows)",
        xaxis_title=str(x_name),
        yaxis={"title": str(y_name), "scaleanchor": "x"},
        template="plotly_white",
        height=600,
    )
    return fig
