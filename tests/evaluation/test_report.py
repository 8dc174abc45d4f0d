"""The run report: one self-contained HTML page of parameters, metrics and figures."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import matplotlib
import pytest
from kedro.framework.project import pipelines
from kedro.framework.startup import bootstrap_project
from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import Node, Pipeline
from kedro.runner import SequentialRunner
from matplotlib import pyplot as plt

from dl_experiments.datasets.figure_dataset import (
    FigureDataset,
    not_drawn,
    not_drawn_reason,
)
from dl_experiments.evaluation.report import (
    RESERVED,
    build_report,
    cross_validation_table,
    models_table,
    params_hash,
)
from dl_experiments.pipeline_registry import is_experiment
from dl_experiments.templates.reporting import with_report

matplotlib.use("Agg")

METRICS = {
    "task": "binary",
    "model": {
        "n_samples": 10,
        "accuracy": 0.8125,
        "positive_class": "fire",
        "per_class": {"no": {"recall": 0.5}, "fire": {"recall": 0.75}},
        "confusion_matrix": {"labels": ["no", "fire"], "matrix": [[3, 2], [1, 4]]},
    },
    "baselines": {
        "majority_class": {"n_samples": 10, "accuracy": 0.5, "roc_auc": 0.5},
    },
    "cross_validation": {
        "n_splits": 2,
        "models": {"mlp": {"accuracy": {"mean": 0.61, "std": 0.02, "folds": [1, 2]}}},
    },
    "error_by_true_value_bin": [{"bin": 0, "mae": 0.25}, {"bin": 1, "mae": 0.5}],
}


def png(color: str) -> bytes:
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.set_facecolor(color)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def embedded_images(html: str) -> list[bytes]:
    return [
        base64.b64decode(data)
        for data in re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", html)
    ]


def test_models_table_puts_the_model_beside_each_baseline():
    table = models_table(METRICS)
    assert list(table.columns) == ["model", "majority_class"]
    assert table.loc["accuracy"].tolist() == [0.8125, 0.5]
    assert table.loc["roc_auc"].tolist() == [None, 0.5]
    assert "per_class" not in table.index  # nested results get their own tables


def test_cross_validation_table_shows_mean_and_std():
    table = cross_validation_table(METRICS["cross_validation"])
    assert table.loc["accuracy", "mlp"] == "0.61 ± 0.02"


def test_report_holds_params_metrics_and_every_figure():
    figures = {"roc_curve": png("red"), "network": png("blue")}
    html = build_report(
        {"seed": 7, "model": {"hidden_units": [32, 16]}}, METRICS, title="run <1>", **figures
    )
    assert html.startswith("<!DOCTYPE html>")
    assert "<title>run &lt;1&gt;</title>" in html  # text is escaped
    assert "<th>model.hidden_units</th><td>[32, 16]</td>" in html
    assert '<th>seed</th><td class="num">7</td>' in html
    header = "<th>metric</th><th>model</th><th>majority_class</th>"
    assert header in html
    assert (
        '<th>accuracy</th><td class="num">0.8125</td><td class="num">0.5</td>' in html
    )
    assert "predicted fire" in html and "true no" in html
    assert "0.61 ± 0.02" in html
    assert '<th>1</th><td class="num">1</td><td class="num">0.5</td>' in html
    assert embedded_images(html) == list(figures.values())
    assert "http" not in html.replace("'data:image", "")  # nothing to fetch


def test_report_opens_with_the_headline_then_figures_then_collapsed_tables():
    params = {"seed": 7}
    run_info = {"run_id": "2026-01-02T03.04.05.678Z", "git_commit": "abc123"}
    html = build_report(params, METRICS, run_info, title="demo", network=png("blue"))
    reading = (
        "The model beats the best baseline (majority_class) on test accuracy: 0.8125 "
        "against 0.5, a difference of 0.312 on 10 test samples."
    )
    assert f"<p class='reading'>{reading}</p>" in html
    order = [
        html.index("<p class='reading'>"),
        html.index("<table class='headline'>"),
        html.index("2026-01-02T03.04.05.678Z"),
        html.index("<figure"),
        html.index("<details><summary>Test set: model and baselines (4 metrics)"),
        html.index("<details><summary>All 1 parameters"),
    ]
    assert order == sorted(order)
    assert "<tr class='model'><th>model</th>" in html
    assert "<th>majority_class (best baseline)</th>" in html
    assert f"<dd>{params_hash(params)}</dd>" in html and "<dd>abc123</dd>" in html
    assert len(params_hash(params)) == 12
    assert params_hash({"seed": 7}) != params_hash({"seed": 8})


def test_report_without_baselines_says_so():
    html = build_report({}, {"task": "multiclass", "model": {"accuracy": 0.9}})
    assert "no baseline to compare with yet" in html
    assert "No baseline has been run for this experiment." in html
    assert "<dd>unknown</dd>" in html  # no run id outside a Kedro run


def test_a_figure_not_drawn_shows_its_reason_and_no_image(tmp_path):
    """A figure that does not apply (an error map without map columns) is saved
    as a "not drawn" PNG; the report says why instead of embedding it."""
    dataset = FigureDataset(filepath=str(tmp_path / "error_map.png"))
    dataset.save(not_drawn("no map columns (evaluation.map is not set)"))
    saved = dataset.load()
    assert not_drawn_reason(saved) == "no map columns (evaluation.map is not set)"
    assert not_drawn_reason(png("red")) is None
    html = build_report({}, METRICS, error_map=saved, network=png("blue"))
    assert embedded_images(html) == [png("blue")]
    assert (
        "<p class='not-drawn' id='figure-error_map'>error map: not drawn, no map "
        "columns (evaluation.map is not set)</p>" in html
    )


def test_report_rejects_a_figure_that_is_not_png_bytes():
    with pytest.raises(ValueError, match="report figure 'roc_curve'.*PNG bytes"):
        build_report({}, METRICS, roc_curve=plt.figure())


def draw_network() -> bytes:
    return png("blue")


def draw_evaluation() -> tuple[bytes, dict]:
    return png("red"), {"not": "a figure"}


def figure_pipeline() -> Pipeline:
    """Two nodes writing ``*_plot`` figures (and one output that is not a figure)."""
    return Pipeline(
        [
            Node(draw_network, None, "network_plot", name="plot_model"),
            Node(
                draw_evaluation,
                None,
                ["roc_curve_plot", "evaluation_notes"],
                name="plot_evaluation",
            ),
        ]
    )


def test_report_node_reads_the_namespace_params_metrics_and_plots():
    """``with_report`` adds the report node, fed every ``*_plot`` output."""
    pipeline = with_report(figure_pipeline(), "demo")
    (node,) = [node for node in pipeline.nodes if node.name == "build_report"]
    assert set(node.inputs) == {
        "params:demo",
        "metrics",
        "run_info",
        "network_plot",
        "roc_curve_plot",
    }
    assert node.outputs == ["report"] and node.tags == {"reporting"}
    catalog = DataCatalog(
        {
            "params:demo": MemoryDataset({"seed": 3}),
            "metrics": MemoryDataset(METRICS),
            "run_info": MemoryDataset({"run_id": "2026-01-02T03.04.05.678Z"}),
            "network_plot": MemoryDataset(png("blue")),
            "roc_curve_plot": MemoryDataset(png("red")),
            "report": MemoryDataset(),
        }
    )
    SequentialRunner().run(Pipeline([node]), catalog)
    html = catalog.load("report")
    assert "<h1>demo: run report</h1>" in html
    assert len(embedded_images(html)) == 2


def test_report_collects_the_figures_the_pipeline_writes():
    """Run whole: the figures the nodes return are the ones the report embeds."""
    catalog = DataCatalog(
        {
            "params:demo": MemoryDataset({"seed": 3}),
            "metrics": MemoryDataset(METRICS),
            "run_info": MemoryDataset({}),
        }
    )
    SequentialRunner().run(with_report(figure_pipeline(), "demo"), catalog)
    html = catalog.load("report")
    assert sorted(embedded_images(html)) == sorted([png("blue"), png("red")])


@pytest.mark.parametrize("figure", sorted(RESERVED))
def test_report_node_refuses_reserved_figure_names(figure):
    clashing = Pipeline([Node(draw_network, None, f"{figure}_plot", name="plot")])
    with pytest.raises(ValueError, match="reserved"):
        with_report(clashing, "demo")


@pytest.mark.e2e
def test_every_experiment_run_saves_its_report(trained_project: Path):
    bootstrap_project(trained_project)
    experiments = [n for n in pipelines if n != "__default__" and is_experiment(n)]
    assert "wildfire" in experiments
    for name in experiments:
        assert f"{name}.report" in pipelines[name].all_outputs(), name
        folder = trained_project / "data" / "08_reporting" / name
        report = sorted((folder / "report.html").glob("*/report.html"))[-1]
        html = report.read_text(encoding="utf-8")
        metrics_file = sorted((folder / "metrics.json").glob("*/metrics.json"))[-1]
        assert report.parent.name == metrics_file.parent.name  # same run, same version
        metrics = json.loads(metrics_file.read_text())
        for baseline in metrics.get("baselines", {}):
            assert f"<th>{baseline}</th>" in html
        assert report.parent.name in html  # the run id
        assert "<p class='reading'>" in html
        plots = {
            ds.removeprefix(f"{name}.").removesuffix("_plot")
            for ds in pipelines[name].all_outputs()
            if ds.endswith("_plot")
        }
        saved = {  # the latest version of each figure
            path.parent.parent.stem: path.read_bytes()
            for path in sorted(folder.glob("*.png/*/*.png"))
        }
        assert plots <= set(saved)
        assert sorted(embedded_images(html)) == sorted(saved[p] for p in plots)
