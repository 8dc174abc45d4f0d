"""A run killed with SIGKILL mid-training never becomes "latest" (issue: runs as units).

A real ``kedro run`` in a throw-away project copy, killed after it saved its
preprocessor and while it trains; then the reporting stage, a predict pipeline,
compare_runs and a notebook-style catalog all use the previous complete run, and
the killed run is listed as incomplete. The timeline is printed (``pytest -s``).
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from dl_experiments.runs import RunStore
from dl_experiments.runs.__main__ import main as runs_cli
from tests.conftest import make_project, run_kedro

# Long enough to be killed while training: early stopping off, epochs unbounded.
TRAIN_FOREVER = (
    "wildfire.training.epochs=100000,wildfire.training.early_stopping.enabled=false,"
    "wildfire.training.log_every=1"
)


def _wait_for(condition, what: str, process: subprocess.Popen, log: Path) -> None:
    """Poll until ``condition()``; fail (naming ``what``) if the run ends first."""
    deadline = time.monotonic() + 600  # a hang guard, not a speed assertion
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the run ended before {what}:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"no {what} within 600 s:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def _start_and_kill(project: Path, store: RunStore, mark, log: Path) -> str:
    """Start a training run, SIGKILL it mid-training; its run id."""
    before = set(store.run_ids())
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kedro",
                "run",
                "--env=test",
                "--pipeline=wildfire",
                "--tags=ingestion,preprocessing,training",
                f"--params={TRAIN_FOREVER}",
            ],
            cwd=project,
            env={**os.environ, "KEDRO_DISABLE_TELEMETRY": "true", "COLUMNS": "200"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    mark(f"second run started (pid {process.pid})")

    def new_runs() -> list[str]:
        return sorted(set(store.run_ids()) - before)

    try:
        _wait_for(lambda: bool(new_runs()), "its run record", process, log)
        (killed,) = new_runs()
        mark(f"run record {killed}: running")
        _wait_for(
            lambda: "wildfire.preprocessor" in store.read(killed).saved,
            "the preprocessor saved",
            process,
            log,
        )
        mark("preprocessor saved (record updated)")
        _wait_for(
            lambda: "wildfire: epoch 3/100000" in log.read_text(), "epoch 3", process, log
        )
        mark("training: epoch 3 of 100000 under way")
    finally:
        process.send_signal(signal.SIGKILL)
        returncode = process.wait(timeout=60)
    assert returncode == -signal.SIGKILL
    mark("SIGKILL sent; the process is gone")
    return killed


def _check_the_killed_record(project: Path, store: RunStore, killed: str) -> None:
    record = store.read(killed)
    assert record.status == "running"  # never closed: incomplete for good
    assert "wildfire.model" in record.outputs
    assert "wildfire.model" not in record.saved
    half_saved = project / record.saved["wildfire.preprocessor"]["path"]
    assert (half_saved / "preprocessor.skops").is_file()  # Kedro alone would load it


@pytest.mark.e2e
def test_a_killed_run_never_becomes_latest(tmp_path: Path):
    project = make_project(tmp_path / "project")
    store = RunStore(project)
    start = time.monotonic()
    timeline: list[str] = []

    def mark(event: str) -> None:
        timeline.append(f"{time.monotonic() - start:7.1f} s  {event}")

    run_kedro(project, "wildfire")
    (complete,) = store.run_ids()
    mark(f"complete run {complete} finished")
    killed = _start_and_kill(project, store, mark, tmp_path / "killed_run.log")
    _check_the_killed_record(project, store, killed)

    # Notebooks: the catalog resolves to the complete run, as one set.
    bootstrap_project(project)
    with KedroSession.create(project_path=project, env="test") as session:
        catalog = session.load_context().catalog
        for name in ("wildfire.preprocessor", "wildfire.model", "wildfire.test_set"):
            assert catalog.get(name).resolve_load_version() == complete, name
    mark("notebook catalog: preprocessor, model, test set of the complete run")

    run_kedro(project, "wildfire", tags=["reporting"])
    reporting = store.run_ids()[-1]
    loaded = store.read(reporting).loaded
    assert {item["version"] for item in loaded.values()} == {complete}
    assert {"wildfire.model", "wildfire.preprocessor", "wildfire.test_set"} <= set(
        loaded
    )
    assert store.read(reporting).status == "complete"
    mark(
        f"reporting run {reporting}: loaded {len(loaded)} artifacts, all of {complete}"
    )

    run_kedro(project, "wildfire_predict")
    predict = store.run_ids()[-1]
    predictions = pd.read_csv(
        project
        / f"data/07_model_output/wildfire/predictions.csv/{predict}/predictions.csv"
    )
    assert set(predictions["model_version"]) == {complete}
    assert set(predictions["preprocessor_version"]) == {complete}
    mark(f"predict run {predict}: scored with model and preprocessor {complete}")

    run_kedro(project, "compare_runs", namespaces=["wildfire"])
    table = pd.read_csv(
        project / "data/08_reporting/wildfire/comparison/metrics_by_version.csv"
    )
    assert list(table["version"]) == [complete, reporting]
    mark(f"compare_runs: versions {list(table['version'])}")

    with contextlib.redirect_stdout(io.StringIO()) as output:
        assert runs_cli(["--project", str(project), "list"]) == 0
    listing = output.getvalue()
    assert any(killed in line and "running*" in line for line in listing.splitlines())
    mark("runs list: the killed run shown as incomplete (running*)")
    print("\nKill-test timeline (pytest -s shows it):\n" + "\n".join(timeline))
