"""A fourth experiment moves in by adding its own files, as docs/fourth_experiment.md
says, in a throw-away copy of the whole project (source included).

The four files are read from the guide's code blocks (```` ```python
file=<path> ````), so the guide and what this test does cannot drift apart. The
experiment then trains, reports, tracks to W&B offline, scores new rows, is
compared across runs and drawn by kedro-viz; no file the project already had is
changed.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import PROJECT_ROOT
from tests.helpers import kedro_cli, latest, latest_json

pytestmark = pytest.mark.e2e

GUIDE = PROJECT_ROOT / "docs" / "fourth_experiment.md"
BLOCK = re.compile(r"```\w+ file=(?P<path>\S+)\n(?P<body>.*?)```", re.DOTALL)
COPIED = ("src", "conf", "notebooks", "pyproject.toml", ".telemetry")


def guide_files() -> dict[str, str]:
    """``{path: content}`` of every file block in the guide."""
    return {m["path"]: m["body"] for m in BLOCK.finditer(GUIDE.read_text())}


def measurements(rows: int, seed: int) -> pd.DataFrame:
    """Three sensor channels and a site; ``outcome`` is mostly pressure + flow."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "unit": [f"u{i:04d}" for i in range(rows)],
            "pressure": rng.gamma(4.0, 1.0, rows),
            "flow": rng.uniform(-5, 5, rows),
            "vibration": rng.exponential(1.0, rows),
            "site": rng.choice(["north", "south"], rows),
        }
    )
    signal = frame["pressure"] - 4 + 0.6 * frame["flow"] + rng.normal(0, 0.7, rows)
    frame["outcome"] = np.where(signal > 0, "yes", "no")
    return frame


def batches(rows: int, seed: int) -> pd.DataFrame:
    """Production batches; the grade follows density and moisture."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "batch": [f"b{i:05d}" for i in range(rows)],
            "density": rng.uniform(0.5, 1.5, rows),
            "moisture": rng.uniform(5, 40, rows),
            "hardness": rng.gamma(3.0, 1.0, rows),
            "line": rng.choice(["L1", "L2", "L3"], rows),
        }
    )
    score = 2 * frame["density"] - frame["moisture"] / 20 + rng.normal(0, 0.1, rows)
    frame["grade"] = pd.cut(
        score, [-np.inf, 0.0, 0.6, 1.2, np.inf], labels=list("DCBA")
    )
    return frame


def fields(rows: int, seed: int) -> pd.DataFrame:
    """Fields: yield rises with rain and nitrogen, falls with heat."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "field": [f"f{i:04d}" for i in range(rows)],
            "rain_mm": rng.uniform(200, 900, rows),
            "mean_temp_c": rng.uniform(10, 30, rows),
            "nitrogen_kg_ha": rng.uniform(0, 200, rows),
            "soil": rng.choice(["clay", "loam", "sand"], rows),
        }
    )
    frame["yield_t_ha"] = (
        2
        + frame["rain_mm"] / 200
        + frame["nitrogen_kg_ha"] / 80
        - (frame["mean_temp_c"] - 20).abs() / 5
        + rng.normal(0, 0.3, rows)
    ).clip(0)
    return frame


def copy_project(root: Path) -> Path:
    """The project's source and configuration, and links to its raw data."""
    for name in COPIED:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(
                source,
                root / name,
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "local"),
            )
        else:
            shutil.copy(source, root / name)
    (root / "conf" / "local").mkdir()
    for layer in ("01_raw", "09_predict_examples"):
        (root / "data" / layer).mkdir(parents=True)
        for entry in (PROJECT_ROOT / "data" / layer).iterdir():
            (root / "data" / layer / entry.name).symlink_to(entry)
    return root


def fingerprints(root: Path) -> dict[str, str]:
    """sha256 of every file the project copy started with (outputs excluded)."""
    found = {}
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if relative.parts[0] in {"data", "wandb", "build", "logs", ".viz"}:
            continue
        if path.is_file() and "__pycache__" not in relative.parts:
            found[str(relative)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="module")
def moved_in(tmp_path_factory) -> tuple[Path, dict[str, str], dict[str, str]]:
    root = copy_project(tmp_path_factory.mktemp("fourth") / "project")
    before = fingerprints(root)
    files = guide_files()
    for path, body in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(body)
    measurements(400, 0).drop(columns="unit").to_csv(
        root / "data/01_raw/synthetic_measurements.csv", index=False
    )
    new = measurements(30, 1).drop(columns="outcome")
    new.to_csv(
        root / "data/09_predict_examples/synthetic_measurements.csv", index=False
    )
    batches(2000, 2).drop(columns="batch").to_csv(
        root / "data/01_raw/grades_batches.csv", index=False
    )
    batches(20, 3).drop(columns="grade").to_csv(
        root / "data/09_predict_examples/grades_batches.csv", index=False
    )
    fields(300, 4).drop(columns="field").to_csv(
        root / "data/01_raw/crop_yield_fields.csv", index=False
    )
    fields(12, 5).drop(columns="yield_t_ha").to_csv(
        root / "data/09_predict_examples/crop_yield_fields.csv", index=False
    )
    env = {"PYTHONPATH": str(root / "src"), "WANDB_MODE": "offline"}
    fast = "synthetic.training.epochs=15"
    for args in (
        ("run", "--pipeline=synthetic", f"--params={fast}"),
        ("run", "--pipeline=synthetic", f"--params={fast},synthetic.seed=8"),
        ("run", "--pipeline=synthetic_predict"),
        ("run", "--pipeline=grades", "--params=grades.training.epochs=15"),
        ("run", "--pipeline=grades_predict"),
        ("run", "--pipeline=crop_yield"),
        ("run", "--pipeline=crop_yield_predict"),
        ("run", "--pipeline=compare_runs", "--namespaces=synthetic"),
        ("viz", "build"),
    ):
        kedro_cli(root, *args, **env)
    return root, before, files


@pytest.mark.parametrize("name", ["synthetic", "grades", "crop_yield"])
def test_the_guide_needs_one_package_of_two_modules_and_two_config_files(
    moved_in, name
):
    _, _, files = moved_in
    own = sorted(path for path in files if f"/{name}" in path or f"_{name}." in path)
    assert own == [
        f"conf/base/catalog_{name}.yml",
        f"conf/base/parameters_{name}.yml",
        f"src/dl_experiments/pipelines/{name}/__init__.py",
        f"src/dl_experiments/pipelines/{name}/pipeline.py",
    ]
    lines = sum(len(files[path].splitlines()) for path in own)
    assert lines < 80, lines
    assert len(files) == 12  # three experiments, nothing else


def test_no_file_of_the_project_changes(moved_in):
    root, before, files = moved_in
    after = fingerprints(root)
    assert {path: after.get(path) for path in before} == before
    assert set(after) - set(before) == set(files)


def test_it_trains_and_reports_beside_its_baselines(moved_in):
    root, _, _ = moved_in
    metrics = latest_json(root, "data/08_reporting/synthetic/metrics.json")
    assert set(metrics["baselines"]) == {"majority_class", "logistic_regression"}
    assert metrics["model"]["roc_auc"] > 0.8  # the outcome is learnable
    assert metrics["cross_validation"]["n_splits"] == 3
    report = latest(root, "data/08_reporting/synthetic/report.html").read_text()
    for figure in ("training_history", "network", "confusion_matrix", "roc_pr_curves"):
        assert f"id='figure-{figure}'" in report
    assert "positive_value" in report  # the parameters table


def test_it_is_tracked_in_wandb_offline(moved_in):
    root, _, _ = moved_in
    runs = sorted((root / "wandb").glob("offline-run-*/run-*.wandb"))
    assert len(runs) == 8  # four trainings, three predict runs and compare_runs
    assert all(path.stat().st_size > 0 for path in runs)


def test_new_rows_are_scored_by_the_saved_model(moved_in):
    root, _, _ = moved_in
    predictions = pd.read_csv(
        latest(root, "data/07_model_output/synthetic/predictions.csv")
    )
    assert len(predictions) == 30
    assert predictions["unit"].tolist() == [f"u{i:04d}" for i in range(30)]
    assert set(predictions["predicted_class"]) == {"yes", "no"}
    assert predictions["probability_yes"].between(0, 1).all()


def test_a_multiclass_experiment_reports_every_class_and_grades_new_rows(moved_in):
    root, _, _ = moved_in
    metrics = latest_json(root, "data/08_reporting/grades/metrics.json")
    assert metrics["task"] == "multiclass"
    assert list(metrics["model"]["per_class"]) == ["A", "B", "C", "D"]
    assert set(metrics["baselines"]) == {
        "majority_class",
        "logistic_regression",
        "hist_gradient_boosting",
    }
    assert "cross_validation" not in metrics  # cv_folds: null
    majority = metrics["baselines"]["majority_class"]["accuracy"]
    assert metrics["model"]["accuracy"] > majority + 0.3
    history = latest_json(root, "data/07_model_output/grades/training_history.json")
    assert history["monitor"] == "val_accuracy"
    best = history["history"]["val_accuracy"][history["best_epoch"] - 1]
    assert best == max(history["history"]["val_accuracy"])  # higher is better
    graded = pd.read_csv(latest(root, "data/07_model_output/grades/predictions.csv"))
    assert graded["batch"].tolist() == [f"b{i:05d}" for i in range(20)]
    assert {f"probability_{g}" for g in "ABCD"} <= set(graded.columns)


def test_a_regression_experiment_without_coordinates_draws_no_map(moved_in):
    root, _, _ = moved_in
    metrics = latest_json(root, "data/08_reporting/crop_yield/metrics.json")
    assert metrics["task"] == "regression"
    assert metrics["model"]["rmse"] < metrics["baselines"]["mean_predictor"]["rmse"]
    report = latest(root, "data/08_reporting/crop_yield/report.html").read_text()
    assert "error map: not drawn" in report
    assert "id='figure-predicted_vs_actual'" in report
    scored = pd.read_csv(
        latest(root, "data/07_model_output/crop_yield/predictions.csv")
    )
    assert scored["field"].tolist() == [f"f{i:04d}" for i in range(12)]


def test_compare_runs_and_kedro_viz_see_it(moved_in):
    root, _, _ = moved_in
    table = pd.read_csv(
        root / "data/08_reporting/synthetic/comparison/metrics_by_version.csv"
    )
    assert len(table) == 2
    graph = json.loads((root / "build/api/pipelines/synthetic").read_text())
    tasks = {node["full_name"] for node in graph["nodes"] if node["type"] == "task"}
    assert "synthetic.train_model" in tasks and "synthetic.build_report" in tasks
