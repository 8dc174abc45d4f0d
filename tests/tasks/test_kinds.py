"""The task-kind contract: each kind declares everything it means, once."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from dl_experiments import tasks
from dl_experiments.tasks.metrics import DIRECTIONS, base_name


@pytest.mark.parametrize("name", tasks.names())
def test_every_metric_a_kind_names_has_a_declared_direction(name):
    kind = tasks.kind(name)
    for metric in (*kind.monitorable(), *kind.headline, *kind.cross_validation_metrics):
        assert base_name(metric) in DIRECTIONS, (name, metric)
    assert kind.default_monitor in kind.monitorable()
    assert kind.baselines(0), name


def test_directions_are_read_from_the_declaration_not_guessed():
    assert tasks.direction("val_auc") == "higher"
    assert tasks.direction("val_loss") == "lower"
    assert tasks.direction("val_precision") == "higher"  # not "lower" by a word match
    assert tasks.direction("rmse_dollars") == "lower"
    assert tasks.direction("cross_validation.models.mlp.roc_auc.mean") == "higher"
    assert tasks.direction("mean_error") == "zero"
    with pytest.raises(KeyError, match="'val_sharpness' is not one the task kinds"):
        tasks.direction("val_sharpness")


def test_an_unknown_kind_is_named_with_the_known_ones():
    with pytest.raises(ValueError, match=r"'ordinal' is not registered.*'binary'"):
        tasks.kind("ordinal")


def test_the_best_epoch_follows_the_metrics_direction():
    history = {
        "loss": [0.9, 0.5, 0.7],
        "val_loss": [0.8, 0.6, 0.4],
        "val_auc": [0.6, 0.9, 0.7],
    }
    binary = tasks.kind("binary")
    assert binary.best_epoch(history, "val_auc") == 1
    assert binary.best_epoch(history, "val_loss") == 2
    assert binary.best_epoch(history, "val_accuracy") == 1  # absent: the loss
    assert binary.check_monitor("val_auc", "monitor") is None
    problem = binary.check_monitor("val_rmse", "training.early_stopping.monitor")
    assert problem.startswith("training.early_stopping.monitor = 'val_rmse'")


def test_heads_and_losses():
    assert tasks.kind("binary").output_units(2) == 1
    assert tasks.kind("multiclass").output_units(4) == 4
    assert tasks.kind("regression").output_units(0) == 1
    assert tasks.kind("multiclass").loss == "sparse_categorical_crossentropy"
    assert tasks.kind("image_classification").loss == tasks.kind("multiclass").loss


def test_binary_answer_is_both_probabilities_and_the_class_at_the_threshold():
    answer = tasks.kind("binary").row_answer(
        {"probability": np.array([0.2, 0.7])}, ["no", "yes"], threshold=0.6
    )
    np.testing.assert_allclose(answer["probability_no"], [0.8, 0.3])
    assert answer["predicted_class"].tolist() == ["no", "yes"]
    assert answer["predicted_label"].tolist() == [0, 1]
    assert answer["threshold"].tolist() == [0.6, 0.6]


def test_multiclass_answer_names_every_class_and_the_top_k():
    columns = {
        "proba_0": np.array([0.1, 0.6]),
        "proba_1": np.array([0.7, 0.1]),
        "proba_2": np.array([0.2, 0.3]),
    }
    kind = tasks.kind("multiclass")
    answer = kind.row_answer(columns, ["a", "b", "c"])
    assert answer["predicted_class"].tolist() == ["b", "a"]
    np.testing.assert_allclose(answer["probability_c"], [0.2, 0.3])
    top = kind.row_answer(columns, ["a", "b", "c"], top_k=2)
    assert top["top2_class"].tolist() == ["c", "c"]
    with pytest.raises(ValueError, match="outputs 3 classes but 2 class names"):
        kind.row_answer(columns, ["a", "b"])


def test_a_class_a_baseline_never_saw_gets_probability_zero():
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    fitted = LogisticRegression().fit(x, [0, 0, 2, 2])
    columns = tasks.kind("multiclass").baseline_columns("lr", fitted, x, n_classes=3)
    assert list(columns) == ["lr.proba_0", "lr.proba_1", "lr.proba_2"]
    np.testing.assert_array_equal(columns["lr.proba_1"], 0.0)


def test_multiclass_targets_are_class_indices_and_strangers_are_named():
    import pandas as pd  # noqa: PLC0415

    class Target:
        column, class_names = "soil", ["clay", "loam", "sand"]

    kind = tasks.kind("multiclass")
    y, problems = kind.encode_target(pd.Series(["sand", "clay", "loam"]), Target)
    assert y.tolist() == [2, 0, 1] and problems == []
    _, problems = kind.encode_target(pd.Series(["sand", "peat"]), Target)
    assert "values ['peat'] are not class names" in problems[0]
    _, problems = kind.encode_target(pd.Series(["sand", "clay"]), Target)
    assert "classes ['loam'] have no rows" in problems[0]
