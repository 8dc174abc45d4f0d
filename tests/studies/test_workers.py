"""Several processes on one study: two ``kedro run`` workers share its journal file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from optuna.trial import TrialState

from tests.conftest import PROJECT_ROOT
from tests.studies.conftest import load_study

pytestmark = [pytest.mark.e2e, pytest.mark.cluster]

N_TRIALS = 4


def kedro_worker(project: Path) -> subprocess.Popen:
    """``kedro run --pipelines=wildfire_tune --env=test`` (the search node only)."""
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT / "src"))
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kedro",
            "run",
            "--pipelines=wildfire_tune",
            "--env=test",
            "--nodes=wildfire_tune.run_study",
            # Longer trials than conf/test's, so that both workers get some.
            f"--params=wildfire_tune.n_trials={N_TRIALS},wildfire_tune.max_epochs=5",
        ],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_workers_share_one_study(project: Path):
    workers = [kedro_worker(project) for _ in range(2)]
    outputs = [worker.communicate(timeout=600)[0] for worker in workers]
    for worker, output in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, output[-3000:]
    study = load_study(project)
    numbers = [trial.number for trial in study.trials]
    assert len(numbers) == len(set(numbers))
    counted = [t for t in study.trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(counted) == N_TRIALS
    workers_seen = {trial.user_attrs["worker"] for trial in counted}
    assert len(workers_seen) == 2, workers_seen
    # Seeded per trial number: the two workers never propose the same configuration.
    configurations = [tuple(sorted(t.params.items())) for t in counted]
    assert len(set(configurations)) == N_TRIALS
