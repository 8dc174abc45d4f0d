"""A study whose storage write fails mid-trial (a full disk): the run stops with an
error naming the study, the storage and the trial; the trial is never counted as
complete; the next run marks it failed and finishes the study.

The worker is a real ``kedro run`` in which the disk fills up exactly when the
journal is to record a trial as complete: half the record's bytes land, then the
write fails with ``ENOSPC``, as on a real full disk.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from dl_experiments.studies.journal import TORN_SUFFIX
from tests.studies.conftest import run_study, trials

pytestmark = pytest.mark.e2e

N_TRIALS = 2

# ``kedro`` with the disk full for the study journal's "trial COMPLETE" record.
FULL_WHEN_COMPLETE = textwrap.dedent(
    """
    import errno, os, sys

    original = os.write

    def write(descriptor, data):
        try:
            name = os.readlink(f"/proc/self/fd/{descriptor}")
        except OSError:
            name = ""
        if name.endswith(".journal") and b'"state":1' in bytes(data):
            original(descriptor, bytes(data)[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return original(descriptor, data)

    os.write = write
    from kedro.framework.cli import main

    sys.argv[0] = "kedro"
    main()
    """
)


def kedro_with_a_full_disk(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            FULL_WHEN_COMPLETE,
            "run",
            "--pipelines=wildfire_tune",
            "--env=test",
            "--nodes=wildfire_tune.run_study",
            f"--params=wildfire_tune.n_trials={N_TRIALS}",
        ],
        cwd=project,
        env=os.environ | {"COLUMNS": "400", "KEDRO_DISABLE_TELEMETRY": "true"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def journals(project: Path) -> list[Path]:
    return sorted((project / "data" / "10_studies").rglob("*.journal"))


def test_a_full_disk_mid_trial_never_counts_the_trial(project: Path):
    failed = kedro_with_a_full_disk(project)
    output = " ".join((failed.stdout + failed.stderr).split())
    assert failed.returncode != 0, output[-3000:]
    (journal,) = journals(project)
    assert "StudyStorageError: Study '" in output, output[-3000:]
    assert f"could not write to its storage {journal} while trial 0 was running" in (
        output
    )
    assert "AssertionError" not in output  # Optuna's own, while it handled ours
    assert "Could not append to study journal" in output
    assert "(set the state of trial id 0 to COMPLETE): [Errno 28] No space left" in (
        output
    )
    assert "The journal was cut back to its last whole record." in output
    assert "Trial 0 is not recorded as finished, so it does not count" in output
    # The journal ends at a whole record; the trial stays unfinished in it.
    data = journal.read_bytes()
    assert data.endswith(b"\n")
    assert all(json.loads(line) for line in data.splitlines())
    name = json.loads(data.splitlines()[0])["study_name"]
    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(journal))
    )
    study = optuna.load_study(study_name=name, storage=storage)
    assert [t.state for t in study.trials] == [TrialState.RUNNING]

    run_study(project, tune={"n_trials": N_TRIALS})  # the disk has room again
    study = optuna.load_study(study_name=name, storage=storage)
    states = [t.state for t in study.trials]
    assert states[0] == TrialState.FAIL  # its worker is gone: failed, not complete
    assert states.count(TrialState.COMPLETE) == N_TRIALS
    assert [t.number for t in study.trials] == list(range(len(states)))
    table = trials(project)
    assert table.loc[table["number"] == 0, "state"].item() == "FAIL"
    assert not list(journal.parent.glob(f"*{TORN_SUFFIX}"))  # nothing was torn
