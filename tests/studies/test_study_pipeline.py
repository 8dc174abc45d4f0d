"""End-to-end studies in the test environment: a study runs, resumes to its total,
prunes, hands on its best parameters, and never looks at the test split."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from kedro.framework.cli.project import run as kedro_run_command
from kedro.framework.startup import bootstrap_project

from dl_experiments.studies.study import objective_value
from tests.conftest import make_project, run_kedro
from tests.studies.conftest import best, latest, load_study, run_study, trials

pytestmark = pytest.mark.e2e


def test_study_writes_trials_best_parameters_seeds_and_report(tuned_wildfire: Path):
    table = trials(tuned_wildfire)
    assert list(table["number"]) == [0, 1, 2]
    assert set(table["state"]) == {"COMPLETE"}
    # conf/test caps each trial at 2 epochs; the pruning callback counts them.
    assert set(table["epochs"]) == {2}
    assert table["worker"].str.contains(":").all()
    for column in ("training.learning_rate", "model.hidden_units", "seconds", "value"):
        assert column in table.columns
    record = best(tuned_wildfire)
    assert record["best_value"] == pytest.approx(table["value"].min())
    assert record["best_trial"] == int(table.loc[table["value"].idxmin(), "number"])
    assert record["overrides"]["training.epochs"] == 2
    assert set(record["overrides"]) >= {"training.learning_rate", "model.dropout"}

    runs = pd.read_csv(latest(tuned_wildfire, "data/08_reporting/wildfire_tune/seed_runs.csv"))
    assert sorted(runs["seed"].unique()) == [0, 1]
    assert set(runs["model"]) == {"model", "majority_class", "logistic_regression"}
    stats = pd.read_csv(
        latest(tuned_wildfire, "data/08_reporting/wildfire_tune/seed_statistics.csv")
    )
    roc = stats[(stats["model"] == "model") & (stats["metric"] == "roc_auc")].iloc[0]
    values = runs[(runs["model"] == "model") & (runs["metric"] == "roc_auc")]["value"]
    assert roc["n"] == 2
    assert roc["mean"] == pytest.approx(values.mean())
    assert roc["sd"] == pytest.approx(values.std(ddof=1))
    assert roc["ci95_low"] <= roc["mean"] <= roc["ci95_high"]
    # The seeds run the best configuration: its validation score on seed 0 is a
    # real training run, not a copy of the trial's.
    assert ((runs["split"] == "validation") == (runs["metric"] == "val_loss")).all()

    report = latest(tuned_wildfire, "data/08_reporting/wildfire_tune/report.html").read_text()
    for text in ("wildfire: study report", "seed statistics", "best parameters", "trials"):
        assert text in report
    assert report.count("data:image/png;base64,") == 5
    config = yaml.safe_load(
        latest(tuned_wildfire, "data/08_reporting/wildfire_tune/best_run_config.yml").read_text()
    )
    assert config["run"]["pipelines"] == "wildfire"
    assert config["run"]["params"]["wildfire"]["training"]["epochs"] == 2


def test_rerun_resumes_and_stops_at_n_trials(tuned_wildfire: Path):
    before = trials(tuned_wildfire)
    run_study(tuned_wildfire, tune={"n_trials": 5})
    after = trials(tuned_wildfire)
    assert list(after["number"]) == [0, 1, 2, 3, 4]
    # Finished trials are kept as they were, never rerun.
    pd.testing.assert_frame_equal(after.iloc[:3], before, check_dtype=False)
    run_study(tuned_wildfire, tune={"n_trials": 5})
    assert len(trials(tuned_wildfire)) == 5
    study = load_study(tuned_wildfire)
    assert len(study.trials) == 5


def test_best_parameters_reproduce_the_best_trial_through_kedro_run_config(
    tuned_wildfire: Path, monkeypatch: pytest.MonkeyPatch
):
    record = best(tuned_wildfire)
    config = latest(tuned_wildfire, "data/08_reporting/wildfire_tune/best_run_config.yml")
    bootstrap_project(tuned_wildfire)
    monkeypatch.chdir(tuned_wildfire)
    result = CliRunner().invoke(
        kedro_run_command,
        ["--config", str(config), "--env", "test", "--to-nodes", "wildfire.train_model"],
    )
    assert result.exit_code == 0, result.output
    history = json.loads(
        latest(tuned_wildfire, "data/07_model_output/wildfire/training_history.json").read_text()
    )
    assert len(history["history"]["loss"]) == 2
    assert objective_value(history, "val_loss", restored=True) == pytest.approx(
        record["best_value"], rel=1e-6
    )


def test_enqueue_defaults_trains_the_experiments_own_values_first(project: Path):
    run_study(project, tune={"enqueue_defaults": True, "n_trials": 2})
    table = trials(project)
    assert list(table["origin"]) == ["defaults", "sampled"]
    own = table.iloc[0]
    # conf/base/parameters_wildfire.yml's values (conf/test leaves them alone).
    assert own["training.learning_rate"] == pytest.approx(0.001)
    assert own["training.batch_size"] == 32
    assert json.loads(own["model.hidden_units"]) == [32, 16]
    assert own["model.dropout"] == pytest.approx(0.3)
    assert own["model.l2"] == pytest.approx(0.001)
    assert own["epochs"] == 2, "the epoch cap applies to the default trial too"
    run_study(project, tune={"enqueue_defaults": True, "n_trials": 3})
    resumed = trials(project)
    assert list(resumed["origin"]) == ["defaults", "sampled", "sampled"]
    assert list(resumed["state"]) == ["COMPLETE"] * 3


def test_a_pruner_prunes_trials_per_epoch(project: Path):
    # val_loss is never below 0.01: a threshold pruner stops each trial at its
    # first reported epoch.
    run_study(
        project,
        tune={
            "n_trials": 2,
            "pruner": {"type": "threshold", "upper": 0.01, "n_warmup_steps": 0},
        },
    )
    table = trials(project)
    assert list(table["state"]) == ["PRUNED", "PRUNED"]
    assert list(table["epochs"]) == [1, 1]
    assert best(project)["pruned"] == 2
    assert best(project)["best_trial"] is None
    study = load_study(project)
    # Optuna keeps a pruned trial's last reported value: the first epoch's.
    for trial in study.trials:
        assert list(trial.intermediate_values) == [1]
        assert trial.value == pytest.approx(trial.intermediate_values[1])


def _scramble_test_labels(project: Path) -> None:
    """Flip the fire label of every row the (unstratified, seeded) split puts in the
    test set, in the project's own copy of the raw CSV."""
    from dl_experiments.config import FeatureConfig, SplitConfig, TargetConfig
    from dl_experiments.preprocessing.tabular import make_model_input, split_data

    raw = project / "data" / "01_raw"
    source = raw.resolve() / "forestfires.csv"
    raw.unlink()
    raw.mkdir()
    readings = pd.read_csv(source)
    params = yaml.safe_load((project / "conf/base/parameters_wildfire.yml").read_text())
    wildfire = params["wildfire"]
    model_input = make_model_input(
        readings,
        TargetConfig(**wildfire["target"]),
        FeatureConfig(**wildfire["features"]),
        "w",
    )
    split = SplitConfig(**dict(wildfire["split"], stratify=False))
    _, _, test = split_data(model_input, split, wildfire["seed"])
    fire = readings.loc[test.index, "area"] > 0
    readings.loc[test.index, "area"] = np.where(fire, 0.0, 1.0)
    readings.to_csv(raw / "forestfires.csv", index=False)


def test_the_search_never_sees_the_test_split(project_factory):
    unstratified = {"wildfire": {"split": {"stratify": False}}}
    original, scrambled = project_factory("original"), project_factory("scrambled")
    _scramble_test_labels(scrambled)
    assert not (original / "data/01_raw").resolve().samefile(
        (scrambled / "data/01_raw").resolve()
    )
    for project in (original, scrambled):
        run_study(project, tune={"n_trials": 2}, params=unstratified)
    columns = ["number", "state", "value", "training.learning_rate", "model.hidden_units"]
    pd.testing.assert_frame_equal(trials(original)[columns], trials(scrambled)[columns])
    assert best(original)["overrides"] == best(scrambled)["overrides"]


def test_a_bad_study_configuration_leaves_the_experiment_alone(project: Path):
    # The experiment's own run does not read its study's configuration.
    run_kedro(
        project,
        "wildfire",
        params={"wildfire_tune": {"n_trials": 0}},
        node_names=["wildfire.validate_sensor_readings"],
    )
    with pytest.raises(Exception, match=r"wildfire_tune\.n_trials = 0"):
        run_study(project, tune={"n_trials": 0})


def test_bad_search_space_stops_before_any_trial(project: Path):
    with pytest.raises(Exception, match=r"search_space\.model\.widths: unknown parameter"):
        run_study(
            project,
            tune={"search_space": {"model.widths": {"type": "int", "low": 1, "high": 4}}},
        )
    assert not (project / "data" / "10_studies").exists()


@pytest.mark.parametrize("experiment", ["housing", "fashion_mnist"])
def test_every_experiment_has_a_study(experiment: str, tmp_path: Path):
    project = make_project(tmp_path / "project")
    run_kedro(project, f"{experiment}_tune")
    table = trials(project, experiment)
    assert len(table) == 2
    assert set(table["state"]) == {"COMPLETE"}
    stats = pd.read_csv(
        latest(project, f"data/08_reporting/{experiment}_tune/seed_statistics.csv")
    )
    assert (stats["n"] == 2).all()
    assert "model" in set(stats["model"])
    assert latest(project, f"data/08_reporting/{experiment}_tune/report.html").exists()


def test_seeds_pipeline_evaluates_the_default_configuration(project: Path):
    run_kedro(project, "wildfire_seeds")
    runs = pd.read_csv(latest(project, "data/08_reporting/wildfire_seeds/seed_runs.csv"))
    assert sorted(runs["seed"].unique()) == [0, 1]
    history = runs[runs["split"] == "validation"]
    assert len(history) == 2
    assert history["value"].nunique() == 2  # two seeds, two different models
    assert not (project / "data" / "10_studies").exists()
