"""Every common kind of table by configuration alone: a 4-class table and a
regression table without coordinates, described in a conf/<env> with the YAML that
docs/own_data.md shows (copied from the page as it is), conf/base untouched.

Each trains, reports (figures that do not apply are "not drawn", never faked),
predicts new rows, runs a tiny study and a seeds run.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dl_experiments.not_drawn import not_drawn_reason
from tests.conftest import make_project, run_kedro
from tests.helpers import (
    conf_digest,
    guide_section,
    latest,
    latest_json,
    own_raw_folder,
)
from tests.test_browser import browser, open_page, served  # noqa: F401 - fixture
from tests.tracking.wandb_records import find_offline_runs, read_offline_run

pytestmark = pytest.mark.e2e

ENV = "own_data"
SOILS = ["clay", "loam", "sand", "silt"]
# Small enough to run in seconds: the guide's YAML is the user's, these are the test's.
QUICK = {"training": {"epochs": 12, "early_stopping": {"patience": 4}}}
TINY_STUDY = {
    "n_trials": 2,
    "max_epochs": 2,
    "sampler": {"n_startup_trials": 1},
    "pruner": {"type": "none"},
    "seeds": [0, 1],
}


def write_env(project: Path, files: dict[str, str], wandb: str = "mode: disabled\n"):
    env = project / "conf" / ENV
    env.mkdir()
    (env / "wandb.yml").write_text(wandb)
    for name, body in files.items():
        (env / name).write_text(body)


def soil_samples(rows: int, seed: int, labelled: bool = True) -> pd.DataFrame:
    """Probe readings whose soil type shows in moisture, pH and conductivity."""
    rng = np.random.default_rng(seed)
    soil = rng.integers(0, 4, rows)
    frame = pd.DataFrame(
        {
            "sample_id": [f"s{i:04d}" for i in range(rows)],
            "site": rng.choice(["east", "west"], rows),
            "moisture_pct": (
                np.array([45, 30, 12, 38])[soil] + rng.normal(0, 4, rows)
            ).clip(0, 100),
            "ph": (
                np.array([6.2, 6.8, 7.4, 6.5])[soil] + rng.normal(0, 0.2, rows)
            ).clip(0, 14),
            "conductivity": (
                np.array([0.9, 0.5, 0.2, 0.7])[soil] + rng.normal(0, 0.08, rows)
            ).clip(0),
            "organic_pct": rng.uniform(0, 8, rows),
        }
    )
    if labelled:
        frame["soil"] = np.array(SOILS)[soil]
    return frame


def buildings(rows: int, seed: int, labelled: bool = True) -> pd.DataFrame:
    """Energy use of buildings: area, occupants, insulation and the weather."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "building_id": [f"b{i:04d}" for i in range(rows)],
            "floor_area_m2": rng.uniform(40, 400, rows).round(1),
            "occupants": rng.integers(0, 12, rows),
            "insulation": rng.choice(["poor", "fair", "good"], rows),
            "outdoor_temp_c": rng.uniform(-15, 30, rows).round(1),
        }
    )
    if labelled:
        factor = frame["insulation"].map({"poor": 1.6, "fair": 1.2, "good": 0.9})
        frame["energy_kwh"] = (
            (
                frame["floor_area_m2"]
                * factor
                * (1 + (18 - frame["outdoor_temp_c"]).clip(0) / 20)
                + 40 * frame["occupants"]
                + rng.normal(0, 15, rows)
            )
            .clip(0)
            .round(1)
        )
    return frame


def test_guide_shows_both_examples_as_catalog_and_parameters():
    """Each example is a catalog and a parameters file whose data lies in
    data/01_raw, where the tests below write it."""
    for heading in ("Several classes", "Regression without coordinates"):
        files = guide_section(heading)
        assert set(files) in (
            {"catalog_wildfire.yml", "parameters_wildfire.yml"},
            {"catalog_housing.yml", "parameters_housing.yml"},
        ), heading
        for body in files.values():
            for path in re.findall(r"filepath: (\S+)", body):
                assert path.startswith("data/01_raw/"), path


@pytest.fixture(scope="module")
def soils(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project where the guide's 4-class example trained, predicted and ran a
    tiny study (and its seeds)."""
    project = make_project(tmp_path_factory.mktemp("soils") / "project")
    raw = own_raw_folder(project)
    soil_samples(400, seed=1).to_csv(raw / "soil_samples.csv", index=False)
    soil_samples(25, seed=2, labelled=False).to_csv(
        raw / "new_soil_samples.csv", index=False
    )
    base = conf_digest(project)
    write_env(project, guide_section("Several classes"), wandb="mode: offline\n")
    quick = {"wildfire": QUICK | {"evaluation": {"cv_folds": 2}}}
    run_kedro(project, "wildfire", env=ENV, params=quick)
    run_kedro(project, "wildfire_predict", env=ENV)
    run_kedro(
        project, "wildfire_tune", env=ENV, params=quick | {"wildfire_tune": TINY_STUDY}
    )
    assert conf_digest(project) == base
    return project


@pytest.fixture(scope="module")
def energy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project where the guide's regression example without coordinates
    trained, predicted, ran a tiny study and a seeds run."""
    project = make_project(tmp_path_factory.mktemp("energy") / "project")
    raw = own_raw_folder(project)
    buildings(300, seed=3).to_csv(raw / "buildings.csv", index=False)
    buildings(15, seed=4, labelled=False).to_csv(raw / "new_buildings.csv", index=False)
    base = conf_digest(project)
    write_env(project, guide_section("Regression without coordinates"))
    quick = {"housing": QUICK}
    run_kedro(project, "housing", env=ENV, params=quick)
    run_kedro(project, "housing_predict", env=ENV)
    tiny = quick | {"housing_tune": TINY_STUDY}
    run_kedro(project, "housing_tune", env=ENV, params=tiny)
    run_kedro(project, "housing_seeds", env=ENV, params=tiny)
    assert conf_digest(project) == base
    return project


def test_a_four_class_table_trains_and_reports_like_fashion_mnist(soils):
    metrics = latest_json(soils, "data/08_reporting/wildfire/metrics.json")
    assert metrics["task"] == "multiclass"
    model = metrics["model"]
    assert list(model["per_class"]) == SOILS
    assert model["confusion_matrix"]["labels"] == SOILS
    for key in ("top_2_accuracy", "log_loss", "roc_auc", "f1_macro"):
        assert model[key] is not None, key
    assert "positive_class" not in model
    assert set(metrics["baselines"]) == {
        "majority_class",
        "logistic_regression",
        "hist_gradient_boosting",
    }
    assert model["accuracy"] > metrics["baselines"]["majority_class"]["accuracy"] + 0.2
    folds = metrics["cross_validation"]["models"]
    assert set(folds) == {
        "mlp",
        "majority_class",
        "logistic_regression",
        "hist_gradient_boosting",
    }
    assert len(folds["mlp"]["accuracy"]["folds"]) == 2
    predictions = pd.read_parquet(
        latest(soils, "data/07_model_output/wildfire/test_predictions.parquet")
    )
    assert [c for c in predictions.columns if c.startswith("proba_")] == [
        f"proba_{i}" for i in range(4)
    ]
    # Figures: the multi-class ones drawn, the binary threshold plot "not drawn".
    for figure in ("confusion_matrix", "roc_pr_curves", "training_history"):
        png = latest(soils, f"data/08_reporting/wildfire/{figure}.png").read_bytes()
        assert png.startswith(b"\x89PNG") and not_drawn_reason(png) is None, figure
    threshold = latest(soils, "data/08_reporting/wildfire/threshold_calibration.png")
    assert "binary classifiers only" in not_drawn_reason(threshold.read_bytes())
    report = latest(soils, "data/08_reporting/wildfire/report.html").read_text()
    assert "threshold calibration: not drawn" in report


def test_a_four_class_table_is_tracked_with_its_charts(soils):
    runs = [read_offline_run(p) for p in find_offline_runs(soils / "wandb")]
    (tracked,) = [run for run in runs if run.job_type == "wildfire"]
    assert tracked.finished and tracked.exit_code == 0
    assert tracked.summary["task"] == "multiclass"
    panels = tracked.config["_wandb"]["visualize"]
    assert panels["charts/confusion_matrix"]["panel_config"]["panelDefId"].startswith(
        "wandb/confusion_matrix"
    )
    assert "charts/roc_curve" in panels and "charts/pr_curve" in panels
    assert "figures/threshold_calibration" not in tracked.summary  # not drawn


def test_a_four_class_table_scores_new_rows(soils):
    new = soil_samples(25, seed=2, labelled=False)
    scored = pd.read_csv(latest(soils, "data/07_model_output/wildfire/predictions.csv"))
    assert scored["sample_id"].tolist() == new["sample_id"].tolist()
    probabilities = scored[[f"probability_{name}" for name in SOILS]].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert (
        np.asarray(SOILS)[probabilities.argmax(axis=1)] == scored["predicted_class"]
    ).all()
    summary = latest_json(soils, "data/08_reporting/wildfire/prediction_summary.json")
    assert sum(summary["predicted_class_counts"].values()) == 25
    assert "threshold" not in summary


def test_a_four_class_table_is_searched_and_seeded(soils):
    trials = pd.read_csv(latest(soils, "data/08_reporting/wildfire_tune/trials.csv"))
    assert len(trials) == 2
    seeds = pd.read_csv(latest(soils, "data/08_reporting/wildfire_tune/seed_runs.csv"))
    assert sorted(seeds["seed"].unique()) == [0, 1]


def test_a_regression_table_without_coordinates_has_no_map(energy):
    metrics = latest_json(energy, "data/08_reporting/housing/metrics.json")
    assert metrics["task"] == "regression"
    assert {"rmse", "mae", "r2", "mean_error"} <= set(metrics["model"])
    assert "target_cap" not in metrics
    assert not any(key.startswith("rmse_") for key in metrics["model"])  # no unit
    assert set(metrics["baselines"]) == {
        "mean_predictor",
        "linear_regression",
        "hist_gradient_boosting",
    }
    model_input = pd.read_parquet(
        latest(energy, "data/04_feature/housing/model_input.parquet")
    )
    assert not any(column.startswith("coord_rot_") for column in model_input.columns)
    error_map = latest(energy, "data/08_reporting/housing/error_map.png").read_bytes()
    assert "evaluation.map" in not_drawn_reason(error_map)
    for figure in ("predicted_vs_actual", "residuals", "residual_histogram"):
        png = latest(energy, f"data/08_reporting/housing/{figure}.png").read_bytes()
        assert not_drawn_reason(png) is None, figure
    report = latest(energy, "data/08_reporting/housing/report.html").read_text()
    assert "error map: not drawn" in report


def test_a_regression_table_without_coordinates_predicts_and_is_searched(energy):
    new = buildings(15, seed=4, labelled=False)
    scored = pd.read_csv(latest(energy, "data/07_model_output/housing/predictions.csv"))
    assert scored["building_id"].tolist() == new["building_id"].tolist()
    assert np.isfinite(scored["prediction"]).all()
    trials = pd.read_csv(latest(energy, "data/08_reporting/housing_tune/trials.csv"))
    assert len(trials) == 2
    seeds = pd.read_csv(latest(energy, "data/08_reporting/housing_tune/seed_runs.csv"))
    assert sorted(seeds["seed"].unique()) == [0, 1]


@pytest.mark.parametrize("which", ["soils", "energy"])
def test_their_reports_render_every_figure_in_a_browser(browser, request, which):  # noqa: F811
    project = request.getfixturevalue(which)
    experiment = "wildfire" if which == "soils" else "housing"
    reporting = project / "data" / "08_reporting"
    report = latest(project, f"data/08_reporting/{experiment}/report.html")
    html = report.read_text(encoding="utf-8")
    with served(reporting) as base:
        watched = open_page(browser, base + report.relative_to(reporting).as_posix())
        assert watched.page.locator("p.reading").is_visible()
        assert watched.page.locator("p.not-drawn").count() == 1
        assert watched.image_count() == html.count("<figure") >= 4
        assert watched.broken_images() == []
        assert watched.errors() == []
        watched.page.close()
