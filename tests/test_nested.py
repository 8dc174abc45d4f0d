"""One flattening of nested dicts, for the report, W&B and the metrics-keys test."""

from __future__ import annotations

from dl_experiments.nested import flatten


def test_flatten_gives_readable_keys():
    tree = {"training": {"epochs": 3, "early_stopping": {"patience": 2}}, "units": [8, 4]}
    assert flatten(tree) == {
        "training.epochs": 3,
        "training.early_stopping.patience": 2,
        "units": [8, 4],
    }
    assert flatten({"model": {"f1": 0.5}}, sep="/") == {"model/f1": 0.5}


def test_empty_dicts_are_leaves_and_keys_become_text():
    assert flatten({"a": {}, 1: {"b": None}}) == {"a": {}, "1.b": None}
