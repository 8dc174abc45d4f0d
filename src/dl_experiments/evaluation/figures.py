"""Figures every experiment shares: training history, network diagram, and the
classification plots (confusion matrix, ROC / PR, threshold and calibration).

Each function returns a matplotlib ``Figure``; the catalog saves it as a
versioned PNG; matplotlib falls back to its Agg backend where there is no display.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    auc,
    average_precision_score,
    precision_recall_curve,
    roc_curve,
)

from dl_experiments.evaluation.classification import as_probabilities
from dl_experiments.modelling import KerasModel


def plot_training_history(history: Mapping) -> Figure:
    """Loss and each tracked metric per epoch, training vs validation, best epoch marked."""
    curves = history["history"]
    names = [k for k in curves if not k.startswith("val_") and k != "learning_rate"]
    fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 3.8), squeeze=False)
    epochs = np.arange(1, len(curves["loss"]) + 1)
    best = history.get("best_epoch")
    for ax, name in zip(axes[0], names, strict=True):
        ax.plot(epochs, curves[name], label="training")
        if f"val_{name}" in curves:
            ax.plot(epochs, curves[f"val_{name}"], label="validation")
        if best:
            ax.axvline(best, color="grey", linestyle=":", label=f"best epoch ({best})")
        ax.set(title=name.replace("_", " "), xlabel="epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(
        f"Training history: {history.get('epochs_run', len(epochs))} epochs, "
        f"{history.get('training_seconds', 0):.0f} s"
    )
    fig.tight_layout()
    return fig


def plot_confusion_matrix(matrix: list[list[int]], class_names: list[str]) -> Figure:
    """Counts and row-normalised rates (recall per true class), side by side."""
    counts = np.asarray(matrix, dtype=np.int64)
    rates = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    size = max(4.5, 0.6 * len(class_names) + 2)
    fig, axes = plt.subplots(1, 2, figsize=(2 * size + 1, size))
    for ax, values, title, fmt in (
        (axes[0], counts, "counts", "d"),
        (axes[1], rates, "row-normalised (recall per true class)", ".2f"),
    ):
        image = ax.imshow(values, cmap="Blues")
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        ticks = np.arange(len(class_names))
        ax.set_xticks(ticks, class_names, rotation=45, ha="right")
        ax.set_yticks(ticks, class_names)
        ax.set(xlabel="predicted", ylabel="true", title=title)
        threshold = values.max() / 2 if values.size else 0
        for (i, j), value in np.ndenumerate(values):
            ax.text(
                j,
                i,
                format(value, fmt),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if value > threshold else "black",
            )
    fig.tight_layout()
    return fig


def plot_roc_pr_curves(
    y_true: np.ndarray,
    scores_by_model: Mapping[str, np.ndarray],
    class_names: list[str],
) -> Figure:
    """ROC and precision-recall curves with AUCs in the legends.

    Two classes: one curve per model (the model and its baselines on the same
    axes). More classes: one one-vs-rest curve per class for the first model.
    """
    y_true = np.asarray(y_true).astype(np.int64)
    n_classes = len(class_names)
    fig, (roc_ax, pr_ax) = plt.subplots(1, 2, figsize=(13, 5.5))
    if n_classes == 2:
        curves = {
            name: (y_true, as_probabilities(scores, 2)[:, 1])
            for name, scores in scores_by_model.items()
        }
        chance = y_true.mean()
    else:
        name, scores = next(iter(scores_by_model.items()))
        probabilities = as_probabilities(scores, n_classes)
        curves = {
            label: (y_true == index, probabilities[:, index])
            for index, label in enumerate(class_names)
        }
        chance = None
        fig.suptitle(f"{name}: one-vs-rest curves per class")
    for label, (truth, score) in curves.items():
        if truth.min() == truth.max():
            continue
        fpr, tpr, _ = roc_curve(truth, score)
        roc_ax.plot(fpr, tpr, label=f"{label} (AUC {auc(fpr, tpr):.3f})")
        precision, recall, _ = precision_recall_curve(truth, score)
        ap = average_precision_score(truth, score)
        pr_ax.plot(
            recall, precision, drawstyle="steps-post", label=f"{label} (AP {ap:.3f})"
        )
    roc_ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="chance")
    roc_ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    if chance is not None:
        pr_ax.axhline(chance, color="grey", linestyle="--", label="chance")
    pr_ax.set(xlabel="recall", ylabel="precision", title="Precision-recall")
    for ax in (roc_ax, pr_ax):
        ax.set(xlim=(0, 1), ylim=(0, 1.02))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right" if ax is roc_ax else "lower left")
    fig.tight_layout()
    return fig


def plot_threshold_calibration(
    y_true: np.ndarray, probability: np.ndarray, threshold: float, n_bins: int = 10
) -> Figure:
    """Precision, recall and F1 across decision thresholds, and a reliability diagram."""
    y_true = np.asarray(y_true).astype(np.int64)
    probability = np.asarray(probability, dtype=np.float64)
    thresholds = np.linspace(0.0, 1.0, 101)
    predicted = probability[None, :] >= thresholds[:, None]
    true_positive = (predicted & (y_true[None, :] == 1)).sum(axis=1)
    precision = true_positive / np.maximum(predicted.sum(axis=1), 1)
    recall = true_positive / max(int(y_true.sum()), 1)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    left.plot(thresholds, precision, label="precision")
    left.plot(thresholds, recall, label="recall")
    left.plot(thresholds, f1, label="F1")
    left.axvline(threshold, color="grey", linestyle=":", label=f"threshold {threshold}")
    left.set(xlabel="decision threshold", ylabel="score", title="Threshold analysis")
    fraction, mean_predicted = calibration_curve(
        y_true, np.clip(probability, 0, 1), n_bins=n_bins, strategy="quantile"
    )
    right.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfectly calibrated")
    right.plot(mean_predicted, fraction, marker="o", label="model")
    right.set(
        xlabel="mean predicted probability",
        ylabel="observed positive fraction",
        title="Calibration (reliability)",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _layer_text(layer: Any) -> tuple[str, str]:
    try:
        shape = str(tuple(layer.output.shape)).replace("None", "batch")
    except (AttributeError, ValueError):
        shape = "?"
    return (
        f"{layer.name}  ({type(layer).__name__})",
        f"out {shape}   params {layer.count_params():,}",
    )


def plot_network(model: KerasModel) -> Figure:
    """A diagram of the network drawn with matplotlib alone (no Graphviz needed).

    One box per layer, top to bottom, with its name, type, output shape and
    parameter count; trainable and total parameters in the title. A model that
    wraps one trained network (test-time shifts) is drawn as that network, and the
    title says over how many views it is averaged.
    """
    wrapped = [layer for layer in model.layers if hasattr(layer, "layers")]
    views = ""
    if len(wrapped) == 1:
        averaged = model.layers[-1].input
        calls = len(averaged) if isinstance(averaged, list) else 1
        model, views = wrapped[0], f"\nscored as the mean over {calls} views (test-time shifts)"
    layers = model.layers
    height = 0.62 * len(layers) + 1.2
    fig, ax = plt.subplots(figsize=(7.5, height))
    ax.set_xlim(0, 1)
    ax.set_ylim(-len(layers) + 0.3, 1)
    ax.axis("off")
    palette = plt.get_cmap("tab20")
    kinds: dict[str, int] = {}
    for index, layer in enumerate(layers):
        kind = type(layer).__name__
        color = palette(kinds.setdefault(kind, len(kinds)) % 20)
        y = -index
        ax.add_patch(
            FancyBboxPatch(
                (0.08, y - 0.36),
                0.84,
                0.62,
                boxstyle="round,pad=0.01",
                facecolor=color,
                edgecolor="black",
                alpha=0.6,
            )
        )
        title, detail = _layer_text(layer)
        ax.text(0.5, y + 0.05, title, ha="center", va="center", fontsize=9, weight="bold")
        ax.text(0.5, y - 0.2, detail, ha="center", va="center", fontsize=8)
        if index:
            ax.annotate(
                "",
                xy=(0.5, y + 0.27),
                xytext=(0.5, y + 0.64),
                arrowprops={"arrowstyle": "->", "color": "black"},
            )
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    ax.set_title(
        f"{model.name}: {model.count_params():,} parameters ({trainable:,} trainable)"
        f"{views}",
        fontsize=11,
    )
    fig.tight_layout()
    return fig
