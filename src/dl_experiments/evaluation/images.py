"""Figures that show where an image classifier fails, drawn from its test predictions.

Selections are vectorised over all test images (the confusion counts, the most
confident mistakes); the only Python loops are over the grid cells being drawn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from dl_experiments.config import ImageReportConfig
from dl_experiments.evaluation.classification import prediction_scores


def confusion_counts(
    y_true: np.ndarray, y_pred: np.ndarray, n_classes: int
) -> np.ndarray:
    """(n_classes, n_classes) counts, rows = true class, columns = predicted class."""
    flat = np.asarray(y_true, np.int64) * n_classes + np.asarray(y_pred, np.int64)
    return np.bincount(flat, minlength=n_classes**2).reshape(n_classes, n_classes)


def most_confident_mistakes(
    y_true: np.ndarray, probabilities: np.ndarray, limit: int
) -> np.ndarray:
    """Indices of up to ``limit`` misclassified samples, most confident first."""
    y_pred = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    wrong = np.flatnonzero(y_pred != y_true)
    return wrong[np.argsort(-confidence[wrong], kind="stable")][:limit]


def most_confused_pairs(counts: np.ndarray, limit: int) -> list[tuple[int, int, int]]:
    """Up to ``limit`` (true, predicted, count) off-diagonal cells, largest first."""
    off_diagonal = counts * (1 - np.eye(len(counts), dtype=counts.dtype))
    order = np.argsort(-off_diagonal, axis=None, kind="stable")[:limit]
    rows, cols = np.unravel_index(order, counts.shape)
    return [
        (int(t), int(p), int(off_diagonal[t, p]))
        for t, p in zip(rows, cols, strict=True)
        if off_diagonal[t, p] > 0
    ]


def _show(ax: plt.Axes, image: np.ndarray) -> None:
    ax.imshow(np.squeeze(image), cmap="gray_r", vmin=0, vmax=255)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_misclassified(
    images: np.ndarray,
    y_true: np.ndarray,
    probabilities: np.ndarray,
    class_names: list[str],
    limit: int = 36,
    columns: int = 9,
) -> Figure:
    """A grid of the most confidently misclassified images: true label, predicted
    label and the model's confidence in its (wrong) prediction."""
    chosen = most_confident_mistakes(y_true, probabilities, limit)
    n_wrong = int((probabilities.argmax(axis=1) != y_true).sum())
    columns = max(1, min(columns, len(chosen)))
    rows = max(1, -(-len(chosen) // columns))
    fig, axes = plt.subplots(
        rows, columns, figsize=(1.45 * columns + 0.4, 1.75 * rows + 0.8), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    predicted = probabilities.argmax(axis=1)
    for ax, index in zip(axes.flat, chosen, strict=False):
        ax.axis("on")
        _show(ax, images[index])
        ax.set_title(
            f"true: {class_names[y_true[index]]}\n"
            f"pred: {class_names[predicted[index]]}\n"
            f"{probabilities[index, predicted[index]]:.0%} sure",
            fontsize=7,
            color="firebrick",
        )
    if not len(chosen):
        axes[0, 0].text(0.5, 0.5, "no misclassified images", ha="center", va="center")
    fig.suptitle(
        f"Misclassified test images: {n_wrong:,} of {len(y_true):,} "
        f"({n_wrong / max(len(y_true), 1):.1%}); the {len(chosen)} most confident shown"
    )
    fig.tight_layout()
    return fig


def plot_confused_pairs(
    images: np.ndarray,
    y_true: np.ndarray,
    probabilities: np.ndarray,
    class_names: list[str],
    pairs: int = 6,
    examples: int = 8,
) -> Figure:
    """The most frequent (true -> predicted) confusions, one row each, with the
    count, its share of the true class and example images (most confident first)."""
    predicted = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    counts = confusion_counts(y_true, predicted, len(class_names))
    support = counts.sum(axis=1)
    top = most_confused_pairs(counts, pairs)
    rows = max(1, len(top))
    fig, axes = plt.subplots(
        rows, examples, figsize=(1.3 * examples + 2.6, 1.45 * rows + 0.8), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    for row, (true, pred, count) in enumerate(top):
        members = np.flatnonzero((y_true == true) & (predicted == pred))
        members = members[np.argsort(-confidence[members], kind="stable")][:examples]
        for ax, index in zip(axes[row], members, strict=False):
            ax.axis("on")
            _show(ax, images[index])
            ax.set_title(f"{confidence[index]:.0%}", fontsize=7)
        axes[row, 0].axis("on")
        axes[row, 0].set_ylabel(
            f"{class_names[true]}\n-> {class_names[pred]}\n{count} "
            f"({count / max(support[true], 1):.1%})",
            fontsize=8,
            rotation=0,
            ha="right",
            va="center",
            labelpad=8,
        )
    if not top:
        axes[0, 0].text(0.5, 0.5, "no confusions", ha="center", va="center")
    fig.suptitle(
        "Most confused class pairs (true -> predicted: count, share of the true "
        "class); examples with the model's confidence"
    )
    fig.tight_layout()
    return fig


def plot_class_error_rates(
    y_true: np.ndarray, predicted: np.ndarray, class_names: list[str]
) -> Figure:
    """Error rate (1 - recall) per true class, worst first, with the errors'
    count and the class they are most often mistaken for."""
    counts = confusion_counts(y_true, predicted, len(class_names))
    support = counts.sum(axis=1)
    wrong = support - np.diag(counts)
    rates = wrong / np.maximum(support, 1)
    off_diagonal = counts * (1 - np.eye(len(counts), dtype=counts.dtype))
    mistaken_for = off_diagonal.argmax(axis=1)
    order = np.argsort(-rates, kind="stable")
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(class_names) + 1.5))
    positions = np.arange(len(order))
    ax.barh(
        positions, rates[order], color=plt.get_cmap("Reds")(0.35 + 0.6 * rates[order])
    )
    ax.set_yticks(positions, [class_names[i] for i in order])
    ax.invert_yaxis()
    overall = wrong.sum() / max(support.sum(), 1)
    ax.axvline(overall, color="grey", linestyle="--", label=f"overall {overall:.1%}")
    for y, index in zip(positions, order, strict=True):
        detail = f"{rates[index]:.1%}  ({wrong[index]}/{support[index]})"
        if wrong[index]:
            detail += f", mostly as {class_names[mistaken_for[index]]}"
        ax.text(rates[index], y, "  " + detail, va="center", fontsize=8)
    worst = max(float(rates.max()), 0.01)
    ax.set_xlim(0, worst * 1.9)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xticks([tick for tick in ax.get_xticks() if 0 <= tick <= min(worst, 1)])
    ax.set(xlabel="error rate (1 - recall)", title="Test error rate per true class")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def image_figures(
    predictions: pd.DataFrame,
    images: np.ndarray,
    class_names: list[str],
    report: ImageReportConfig | None = None,
) -> dict[str, Figure]:
    """Misclassified examples, most confused pairs and per-class error rates.

    ``predictions`` holds ``y_true`` and ``proba_<i>`` columns, one row per image
    of ``images`` in the same order (as ``modelling.images.predict_images`` writes).
    """
    config = report or ImageReportConfig()
    if len(predictions) != len(images):
        raise ValueError(
            f"{len(predictions)} predictions for {len(images)} images; expected one "
            "prediction per image, in the same order"
        )
    y_true = predictions["y_true"].to_numpy(np.int64)
    probabilities = prediction_scores(predictions)
    return {
        "misclassified": plot_misclassified(
            images,
            y_true,
            probabilities,
            class_names,
            config.misclassified_examples,
            config.grid_columns,
        ),
        "confused_pairs": plot_confused_pairs(
            images,
            y_true,
            probabilities,
            class_names,
            config.confused_pairs,
            config.examples_per_pair,
        ),
        "class_error_rates": plot_class_error_rates(
            y_true, probabilities.argmax(axis=1), class_names
        ),
    }
