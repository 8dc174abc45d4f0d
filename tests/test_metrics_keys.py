"""The keys of each experiment's metrics JSON stay the ones committed.

``tests/expected_metrics_keys.json`` lists, per experiment, every dotted key path
of the ``metrics.json`` a ``test``-environment run writes (``name[].key`` for the
keys of a list of dicts). A change that adds, renames or drops a metric must
update that file on purpose: the failure prints the paths that changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from dl_experiments.nested import flatten
from tests.helpers import EXPERIMENTS, latest_json

pytestmark = pytest.mark.e2e

EXPECTED = Path(__file__).with_name("expected_metrics_keys.json")


def key_paths(tree: Mapping[str, Any]) -> list[str]:
    """Every dotted key path of a nested dict; lists of dicts are entered as ``[]``."""
    paths: set[str] = set()
    for name, value in flatten(tree).items():
        if value and isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
            paths |= {f"{name}[].{path}" for item in value for path in key_paths(item)}
        else:
            paths.add(name)
    return sorted(paths)


def test_key_paths_enter_nested_dicts_and_lists_of_dicts():
    tree = {"model": {"f1": 0.5, "per_class": {"a": {"recall": 1}}}, "folds": [1, 2]}
    tree["bins"] = [{"bin": 1, "mae": 0.1}, {"bin": 2, "rmse": 0.2}]
    assert key_paths(tree) == [
        "bins[].bin",
        "bins[].mae",
        "bins[].rmse",
        "folds",
        "model.f1",
        "model.per_class.a.recall",
    ]


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_metrics_json_has_the_committed_keys(trained_project: Path, experiment: str):
    metrics = latest_json(trained_project, f"data/08_reporting/{experiment}/metrics.json")
    found = key_paths(metrics)
    expected = json.loads(EXPECTED.read_text())[experiment]
    assert found == expected, {
        "added": sorted(set(found) - set(expected)),
        "missing": sorted(set(expected) - set(found)),
    }
