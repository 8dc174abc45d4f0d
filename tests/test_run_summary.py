"""RunLogHook on its own: run_info for the reports, progress labels, the summary."""

from __future__ import annotations

import logging

from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import Node, Pipeline
from kedro_datasets.text import TextDataset

from dl_experiments.hooks.run_log import RunLogHook
from dl_experiments.modelling.progress import current_label

METRICS = {
    "task": "regression",
    "model": {"n_samples": 20, "rmse": 0.5, "mae": 0.4, "r2": 0.7},
    "baselines": {"mean_predictor": {"rmse": 1.0, "mae": 0.8, "r2": 0.0}},
}


class FakeTracker:
    def run_location(self, experiment: str) -> str:
        return f"wandb/offline-run-{experiment}"


def identity(x):
    return x


def test_summary_names_metrics_baseline_report_and_wandb_run(tmp_path, caplog):
    pipeline = Pipeline(
        [
            Node(identity, "params:x", "metrics", name="evaluate"),
            Node(identity, "run_info", "report", name="build_report"),
        ],
        namespace="demo",
    )
    report = TextDataset(filepath=str(tmp_path / "report.html"))
    catalog = DataCatalog(
        {
            "demo.run_info": MemoryDataset(),
            "demo.report": report,
            "demo.metrics": MemoryDataset(),
        }
    )
    hook = RunLogHook()
    hook._project_path = tmp_path
    hook._tracker = FakeTracker()
    hook.before_pipeline_run(
        {"run_id": "2026-01-01T00.00.00.000Z", "env": "test"}, pipeline, catalog
    )
    info = catalog.load("demo.run_info")
    assert (
        info["run_id"] == "2026-01-01T00.00.00.000Z" and info["environment"] == "test"
    )
    assert "git_commit" in info

    first, second = sorted(pipeline.nodes, key=lambda n: n.name != "demo.evaluate")
    hook.before_node_run(first)
    assert current_label() == "demo"
    hook.after_node_run(first, catalog, {"demo.metrics": METRICS})
    assert current_label() == ""
    with caplog.at_level(logging.INFO, logger="dl_experiments.hooks.run_log"):
        hook.before_node_run(second)
        hook.after_node_run(second, catalog, {"demo.report": "<html></html>"})
        hook.after_pipeline_run()
    (message,) = [
        r.getMessage() for r in caplog.records if r.name == "dl_experiments.hooks.run_log"
    ]
    assert message.startswith(
        "demo finished. Test RMSE 0.5000 (best baseline 1.0000), MAE 0.4000 (best "
        "baseline 0.8000), R² 0.7000 (best baseline 0.0000)."
    )
    assert "The model beats the best baseline (mean_predictor) on test RMSE" in message
    assert "\n  report: report.html\n  W&B: wandb/offline-run-demo" in message
    assert "demo" in hook.table() and "mean_predictor" in hook.table()
