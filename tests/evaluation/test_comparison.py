"""Comparing runs: metrics across saved versions, the best one marked by direction."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from dl_experiments.evaluation.comparison import (
    best_versions,
    metric_direction,
    metrics_by_version,
    metrics_by_version_markdown,
    plot_metrics_by_version,
)
from dl_experiments.validation.errors import ParameterValidationError

matplotlib.use("Agg")

HISTORY = {
    "v1": {
        "model": {"n_samples": 9, "accuracy": 0.6, "log_loss": 0.50, "mean_error": -0.3}
    },
    "v2": {
        "model": {"n_samples": 9, "accuracy": 0.8, "log_loss": 0.70, "mean_error": 0.1}
    },
    "v3": {
        "model": {"n_samples": 9, "accuracy": 0.7, "log_loss": 0.40, "mean_error": 0.2}
    },
}


@pytest.mark.parametrize(
    ("name", "direction"),
    [
        ("accuracy", "higher"),
        ("roc_auc", "higher"),
        ("r2", "higher"),
        ("log_loss", "lower"),
        ("val_loss", "lower"),
        ("rmse", "lower"),
        ("rmse_dollars", "lower"),
        ("mae", "lower"),
        ("mape", "lower"),
        ("max_error", "lower"),
        ("median_absolute_error", "lower"),
        ("model.mean_error", "zero"),
    ],
)
def test_metric_direction_is_read_from_the_name(name, direction):
    assert metric_direction(name) == direction


def test_direction_words_come_from_parameters():
    assert metric_direction("wall_seconds", {"lower_is_better": ["seconds"]}) == "lower"


def test_table_has_a_row_per_version_and_marks_the_best_by_direction():
    table = metrics_by_version(HISTORY)
    assert table["version"].tolist() == ["v1", "v2", "v3"]
    assert list(table.columns) == [
        "version",
        "accuracy",
        "log_loss",
        "mean_error",
        "best_for",
    ]
    assert table["accuracy"].tolist() == [0.6, 0.8, 0.7]
    assert best_versions(table) == {
        "accuracy": "v2",
        "log_loss": "v3",
        "mean_error": "v2",
    }
    assert table["best_for"].tolist() == ["", "accuracy, mean_error", "log_loss"]


def test_listed_metrics_may_reach_anywhere_and_may_be_missing():
    history = {
        "v1": {"cv": {"auc": {"mean": 0.55}}},
        "v2": {"cv": {"auc": {"mean": 0.65}}, "model": {"rmse": 2.0}},
    }
    table = metrics_by_version(history, {"metrics": ["cv.auc.mean", "model.rmse"]})
    assert table["cv.auc.mean"].tolist() == [0.55, 0.65]
    assert np.isnan(table["model.rmse"].iloc[0])
    assert best_versions(table) == {"cv.auc.mean": "v2", "model.rmse": "v2"}


def test_unknown_option_is_an_error_naming_it():
    with pytest.raises(ParameterValidationError, match="compare_runs.sectoin: unknown"):
        metrics_by_version(HISTORY, {"sectoin": "model"})


def test_markdown_bolds_each_best_value():
    markdown = metrics_by_version_markdown(metrics_by_version(HISTORY))
    rows = {
        line.split("|")[1].strip(): line
        for line in markdown.splitlines()
        if "| v" in line
    }
    assert "**0.8**" in rows["v2"] and "**0.4**" in rows["v3"]
    assert "**" not in rows["v1"]
    assert "`log_loss` (↓ lower is better): best in v3" in markdown


def test_empty_history_gives_an_empty_table_a_note_and_a_figure():
    table = metrics_by_version({})
    assert table.empty
    assert "No saved versions" in metrics_by_version_markdown(table)
    assert plot_metrics_by_version(table).axes


def test_figure_has_one_plot_per_metric_with_the_best_starred():
    figure = plot_metrics_by_version(metrics_by_version(HISTORY))
    axes = [ax for ax in figure.axes if ax.lines]
    assert [ax.get_title().split(" ")[0] for ax in axes] == [
        "accuracy",
        "log_loss",
        "mean_error",
    ]
    star = axes[1].lines[1]  # the marker on log_loss's best version, v3 (x = 2)
    assert star.get_marker() == "*" and star.get_xdata().tolist() == [2]
