"""Baseline predictions tables read by name, for two classes and for more; the
per-class precision, recall, F1 and support."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dl_experiments.evaluation.classification import (
    baseline_scores,
    classification_metrics,
)
from dl_experiments.evaluation.reporting import evaluate_classification


def test_a_binary_baseline_is_one_column_of_positive_probabilities():
    table = pd.DataFrame(
        {"majority_class": [0.4, 0.4], "logistic_regression": [0.2, 0.9]}
    )
    scores = baseline_scores(table)
    assert list(scores) == ["majority_class", "logistic_regression"]
    np.testing.assert_array_equal(scores["logistic_regression"], [0.2, 0.9])


def test_a_multiclass_baseline_is_its_proba_columns_in_class_order():
    columns = ["lr.proba_0", "lr.proba_1", "lr.proba_10", "lr.proba_2", "dummy.proba_0"]
    table = pd.DataFrame([[0.1, 0.2, 0.3, 0.4, 1.0]], columns=columns)
    scores = baseline_scores(table)
    assert list(scores) == ["lr", "dummy"]
    np.testing.assert_array_equal(scores["lr"], [[0.1, 0.2, 0.4, 0.3]])
    np.testing.assert_array_equal(scores["dummy"], [[1.0]])


def test_multiclass_baselines_get_the_models_metrics():
    y_true = np.array([0, 1, 2, 2])
    probabilities = np.eye(3)[y_true]
    predictions = pd.DataFrame(probabilities, columns=[f"proba_{i}" for i in range(3)])
    predictions.insert(0, "y_true", y_true)
    wrong = np.eye(3)[[1, 1, 2, 0]]
    baselines = pd.DataFrame(wrong, columns=[f"lr.proba_{i}" for i in range(3)])
    metrics = evaluate_classification(predictions, baselines, ["a", "b", "c"])
    assert set(metrics["baselines"]["lr"]) == set(metrics["model"])
    assert metrics["model"]["accuracy"] == 1.0
    assert metrics["baselines"]["lr"]["accuracy"] == 0.5


def test_per_class_precision_recall_f1_and_support():
    # Predicted (argmax): a b b b c a; class d is never true nor predicted.
    y_true = np.array([0, 0, 1, 1, 2, 2])
    probabilities = np.eye(4)[[0, 1, 1, 1, 2, 0]] * 0.7 + 0.075
    metrics = classification_metrics(y_true, probabilities, ["a", "b", "c", "d"])
    assert metrics["per_class"] == {
        "a": {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2},
        "b": {"precision": 0.666667, "recall": 1.0, "f1": 0.8, "support": 2},
        "c": {"precision": 1.0, "recall": 0.5, "f1": 0.666667, "support": 2},
        "d": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0},
    }
    assert list(metrics["per_class"]) == ["a", "b", "c", "d"]


def test_class_names_like_a_reports_own_rows_keep_their_numbers():
    y_true = np.array([0, 1, 1, 2])
    probabilities = np.eye(3)[[0, 1, 2, 2]]
    names = ["accuracy", "macro avg", "weighted avg"]
    per_class = classification_metrics(y_true, probabilities, names)["per_class"]
    assert per_class["accuracy"] == {
        "precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1
    }
    assert per_class["macro avg"]["recall"] == 0.5
    assert per_class["weighted avg"]["precision"] == 0.5


def test_binary_headline_is_the_positive_class_at_the_threshold():
    y_true = np.array([0, 1, 1, 0])
    scores = np.array([0.2, 0.6, 0.4, 0.7])
    at_half = classification_metrics(y_true, scores, ["no", "yes"])
    assert (at_half["precision"], at_half["recall"], at_half["f1"]) == (0.5, 0.5, 0.5)
    assert at_half["per_class"]["yes"] == {
        "precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2
    }
    lower = classification_metrics(y_true, scores, ["no", "yes"], threshold=0.3)
    assert (lower["precision"], lower["recall"], lower["f1"]) == (0.666667, 1.0, 0.8)
    assert lower["per_class"]["no"] == {
        "precision": 1.0, "recall": 0.5, "f1": 0.666667, "support": 2
    }
