"""W&B (offline): one run per trial, grouped by the study, plus the study's summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.studies.conftest import best, run_study, trials
from tests.tracking.wandb_records import find_offline_runs, read_offline_run

pytestmark = pytest.mark.e2e


def test_each_trial_is_a_run_grouped_by_study(project: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    run_study(project, tune={"n_trials": 2})
    runs = [read_offline_run(path) for path in find_offline_runs(project / "wandb")]
    study_name = best(project)["study_name"]
    trial_runs = sorted((r for r in runs if r.job_type == "trial"), key=lambda r: r.name)
    assert [r.name for r in trial_runs] == [f"{study_name}-trial-0", f"{study_name}-trial-1"]
    table = trials(project)
    for run, (_, row) in zip(trial_runs, table.iterrows(), strict=True):
        assert run.group == study_name
        assert run.finished and run.exit_code == 0
        assert run.summary["state"] == "COMPLETE"
        assert run.summary["value"] == pytest.approx(row["value"])
        assert run.config["training.learning_rate"] == pytest.approx(row["training.learning_rate"])
        assert len(run.curve("epoch/val_loss")) == row["epochs"] == 2
    (summary,) = [r for r in runs if r.job_type != "trial"]
    assert summary.name.startswith("wildfire_tune-")
    assert summary.summary["study/best_value"] == pytest.approx(table["value"].min())
    assert summary.finished and summary.exit_code == 0
