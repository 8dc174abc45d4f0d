"""What a study does with trials before sampling: a worker killed mid-trial leaves a
RUNNING trial that the next worker marks failed; the default configuration's trial
is queued once."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys

import optuna
from optuna.trial import TrialState

from dl_experiments.studies.study import (
    ORIGIN_ATTR,
    WORKER_ATTR,
    _budget_used,
    _enqueue_defaults,
    _fail_stale_trials,
)


def _running_trial(study: optuna.Study, worker: str) -> int:
    trial = study.ask()
    trial.set_user_attr(WORKER_ATTR, worker)
    return trial.number


def test_running_trials_of_dead_processes_on_this_host_are_marked_failed(caplog):
    study = optuna.create_study(storage=optuna.storages.InMemoryStorage())
    finished = study.ask()
    study.tell(finished, 1.0)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    host = socket.gethostname()
    dead = _running_trial(study, f"{host}:{gone.stdout.strip()}")
    alive = _running_trial(study, f"{host}:{os.getpid()}")
    elsewhere = _running_trial(study, "another-host:1")
    assert _budget_used(study) == 4

    with caplog.at_level(logging.WARNING, logger="dl_experiments.studies.study"):
        _fail_stale_trials(study)

    states = {trial.number: trial.state for trial in study.get_trials()}
    assert states == {
        finished.number: TrialState.COMPLETE,
        dead: TrialState.FAIL,
        alive: TrialState.RUNNING,  # its process still runs
        elsewhere: TrialState.RUNNING,  # another machine's: its storage's heartbeat decides
    }
    assert f"Trial {dead} of a process that is gone marked failed" in caplog.text
    assert _budget_used(study) == 3, "the failed trial no longer counts against n_trials"


def test_the_defaults_trial_is_queued_once_and_again_after_a_failure():
    study = optuna.create_study(storage=optuna.storages.InMemoryStorage())
    defaults = {"training.learning_rate": 0.001, "model.hidden_units": "[32, 16]"}
    _enqueue_defaults(study, defaults)
    _enqueue_defaults(study, defaults)
    waiting = study.get_trials(states=(TrialState.WAITING,))
    assert len(waiting) == 1, "a second start must not queue it twice"

    trial = study.ask()
    assert trial.suggest_float("training.learning_rate", 1e-4, 1e-2, log=True) == 0.001
    assert trial.user_attrs[ORIGIN_ATTR] == "defaults"
    study.tell(trial, state=TrialState.FAIL)  # cut short by Ctrl-C
    _enqueue_defaults(study, defaults)
    assert len(study.get_trials(states=(TrialState.WAITING,))) == 1, "queued again"

    again = study.ask()
    again.suggest_float("training.learning_rate", 1e-4, 1e-2, log=True)
    study.tell(again, 0.5)
    _enqueue_defaults(study, defaults)
    assert not study.get_trials(states=(TrialState.WAITING,)), "it finished: not again"
