"""Headline metrics: the model beside its best baseline, and one sentence on them."""

from __future__ import annotations

import pytest

from dl_experiments.evaluation.headline import headline


def test_regression_ranks_baselines_lower_is_better():
    head = headline(
        {
            "task": "regression",
            "model": {"n_samples": 10, "rmse": 0.5, "mae": 0.4, "r2": 0.8, "mse": 0.25},
            "baselines": {
                "mean_predictor": {"rmse": 1.1, "mae": 0.9, "r2": 0.0},
                "linear_regression": {"rmse": 0.7, "mae": 0.5, "r2": 0.6},
            },
        }
    )
    assert head.task == "regression"
    assert head.metrics == ("rmse", "mae", "r2")
    assert head.best_baseline == "linear_regression"
    assert [row["model"] for row in head.rows()] == [
        "model",
        "linear_regression",
        "mean_predictor",
    ]
    assert head.reading() == (
        "The model beats the best baseline (linear_regression) on test RMSE: 0.5 "
        "against 0.7, a difference of 0.2 (29%) on 10 test samples."
    )


def test_binary_classification_higher_is_better():
    head = headline(
        {
            "task": "binary",
            "model": {"positive_class": "fire", "roc_auc": 0.55, "accuracy": 0.5},
            "baselines": {
                "majority_class": {"roc_auc": 0.5, "accuracy": 0.52},
                "logistic_regression": {"roc_auc": 0.6, "accuracy": 0.55},
            },
        }
    )
    assert head.task == "binary"
    assert head.metrics == ("roc_auc", "accuracy")
    assert head.best_baseline == "logistic_regression"
    assert head.reading().startswith("The model does not beat the best baseline")


def test_without_baselines_the_reading_says_so():
    head = headline(
        {
            "task": "multiclass",
            "model": {"accuracy": 0.9, "f1_macro": 0.88, "n_samples": 500},
        }
    )
    assert head.task == "multiclass"
    assert head.best_baseline is None
    assert head.reading() == (
        "Test accuracy 0.9 on 500 test samples; this experiment has no baseline to "
        "compare with yet."
    )


def test_multiclass_ranks_baselines_by_accuracy():
    head = headline(
        {
            "task": "multiclass",
            "model": {
                "accuracy": 0.9,
                "f1_macro": 0.89,
                "log_loss": 0.3,
                "n_samples": 500,
            },
            "baselines": {
                "logistic_regression": {
                    "accuracy": 0.84,
                    "f1_macro": 0.83,
                    "log_loss": 0.5,
                }
            },
        }
    )
    assert head.task == "multiclass"
    assert head.metrics == ("accuracy", "f1_macro", "log_loss")
    assert head.best_baseline == "logistic_regression"
    assert [row["model"] for row in head.rows()] == ["model", "logistic_regression"]
    assert head.reading() == (
        "The model beats the best baseline (logistic_regression) on test accuracy: "
        "0.9 against 0.84, a difference of 0.06 on 500 test samples."
    )


def test_the_task_kind_is_read_not_guessed():
    """Metrics that look binary (``positive_class``) but say ``multiclass`` get the
    multi-class headline; metrics without a ``task`` are an error naming the key."""
    head = headline(
        {"task": "multiclass", "model": {"positive_class": "x", "accuracy": 0.7}}
    )
    assert head.task == "multiclass"
    assert head.metrics == ("accuracy",)
    with pytest.raises(ValueError, match="no 'task' key"):
        headline({"model": {"r2": 0.5, "rmse": 0.3}})


def test_a_metric_declared_lower_is_better_ranks_baselines_that_way():
    head = headline(
        {
            "task": "multiclass",
            "model": {"log_loss": 0.4},
            "baselines": {"a": {"log_loss": 0.9}, "b": {"log_loss": 0.5}},
        }
    )
    assert head.best_baseline == "b"
    assert head.reading().startswith("The model beats the best baseline (b)")
