"""Comparing runs: the on-demand pipeline over every experiment's saved metrics."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from kedro.framework.project import pipelines
from kedro.framework.startup import bootstrap_project

from dl_experiments.evaluation.comparison import metric_direction
from dl_experiments.pipelines.compare_runs import create_pipeline
from dl_experiments.pipelines.compare_runs.pipeline import experiment_names
from tests.conftest import PROJECT_ROOT, run_kedro

COMPARISON = "data/08_reporting/{}/comparison/metrics_by_version"


def test_one_namespaced_copy_per_experiment_pipeline():
    names = experiment_names()
    assert "wildfire" in names
    assert "compare_runs" not in names
    assert not [name for name in names if name.endswith("_predict")]
    pipe = create_pipeline()
    assert {node.namespace for node in pipe.nodes} == set(names)
    assert pipe.inputs() == {"params:compare_runs"} | {
        f"{name}.metrics_history" for name in names
    }


def test_not_part_of_the_default_run():
    bootstrap_project(PROJECT_ROOT)
    assert "compare_runs" in pipelines
    default = {node.name for node in pipelines["__default__"].nodes}
    assert not default & {node.name for node in pipelines["compare_runs"].nodes}


@pytest.mark.e2e
def test_compares_every_saved_version_of_an_experiment(project):
    for seed in (1, 2):
        run_kedro(project, "wildfire", params={"wildfire": {"seed": seed}})
    run_kedro(project, "compare_runs", namespaces=["wildfire"])

    folder = project / "data/08_reporting/wildfire/metrics.json"
    saved = {p.parent.name: json.loads(p.read_text()) for p in folder.glob("*/*.json")}
    table = pd.read_csv(project / f"{COMPARISON.format('wildfire')}.csv")
    assert sorted(saved) == table["version"].tolist()
    for column in ("accuracy", "roc_auc", "log_loss"):
        expected = [saved[v]["model"][column] for v in table["version"]]
        assert table[column].tolist() == pytest.approx(expected)
        values = table.set_index("version")[column]
        best = (
            values.idxmin() if metric_direction(column) == "lower" else values.idxmax()
        )
        best_row = table.loc[table["version"] == best, "best_for"].item()
        assert column in best_row.split(", ")
    assert "n_samples" not in table.columns  # a count, not a metric

    markdown = (project / f"{COMPARISON.format('wildfire')}.md").read_text()
    for version in saved:
        assert f"| {version}" in markdown
    png = project / f"{COMPARISON.format('wildfire')}.png"
    assert png.read_bytes().startswith(b"\x89PNG")
    # --namespaces=wildfire compared wildfire alone
    compared = (project / "data/08_reporting").glob("*/comparison/*.csv")
    assert [path.parent.parent.name for path in compared] == ["wildfire"]
