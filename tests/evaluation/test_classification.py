"""Baseline predictions tables read by name, for two classes and for more."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dl_experiments.evaluation.classification import baseline_scores
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
