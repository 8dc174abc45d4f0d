"""What a user sees while `kedro run` works: progress lines, the end-of-run summary,
Kedro's log file, and no TensorFlow noise on the console.

One real `kedro run` of all three experiments in the test environment, as a user
types it (a subprocess in a project copy, so conf/logging.yml is found as usual),
its console read through a pipe, as `| tee` or a CI log reads it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

EXPERIMENTS = ("wildfire", "housing", "fashion_mnist")


@pytest.fixture(scope="module")
def logged_run(project_factory) -> tuple[Path, subprocess.CompletedProcess]:
    project = project_factory("logged_run")
    # a user's shell: importing the project in this test process sets
    # TF_CPP_MIN_LOG_LEVEL, which the child would take as the user's own choice
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kedro",
            "run",
            "--env=test",
            "--params",
            "fashion_mnist.training.epochs=2",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return project, result


def log_text(project: Path) -> str:
    return (project / "logs/info.log").read_text(encoding="utf-8")


def test_log_file_keeps_the_whole_run_in_plain_lines(logged_run):
    project, _ = logged_run
    text = log_text(project)
    assert "Using 'conf/logging.yml' as logging configuration" in text
    assert "Pipeline execution completed successfully" in text
    assert not re.search(r"[\x1b\r\x08]", text), "control characters in logs/info.log"


def test_every_training_logs_progress_with_eta(logged_run):
    project, _ = logged_run
    text = log_text(project)
    line = (
        r"dl_experiments\.modelling\.progress - INFO - {label}: epoch {epoch} \| "
        r"loss [\d.e-]+ \| {monitor} [\d.e-]+ \| lr [\d.e+-]+ \| [\d.]+ s/epoch \| ETA \S+"
    )
    for label, epoch, monitor in (
        ("fashion_mnist", "1/2", "val_accuracy"),
        ("fashion_mnist", "2/2", "val_accuracy"),
        ("housing", "3/3", "val_loss"),
        ("wildfire", "3/3", "val_loss"),
        ("wildfire cross-validation fold 2/2", "1/3", "val_loss"),
    ):
        assert re.search(
            line.format(label=label, epoch=epoch, monitor=monitor), text
        ), (
            label,
            epoch,
        )
    assert re.search(
        r"cross-validation fold 2/2 done: MLP accuracy [\d.]+, ROC AUC [\d.]+ \| "
        r"[\d.]+ s/fold \| ETA",
        text,
    )


def test_each_experiment_ends_with_a_summary_and_the_run_with_a_table(logged_run):
    project, _ = logged_run
    text = log_text(project)
    for experiment in EXPERIMENTS:
        match = re.search(
            rf"{experiment} finished\. Test .+\n  .+\n  report: (\S+)\n  W&B: not tracked",
            text,
        )
        assert match, experiment
        assert (project / match.group(1)).is_file()
    assert (
        "does not beat the best baseline" in text or "beats the best baseline" in text
    )
    table = text.split("Run summary (test split):\n", 1)[1]
    rows = table.splitlines()[2:5]
    assert sorted(row.split()[0] for row in rows) == sorted(EXPERIMENTS)


def test_console_has_no_tensorflow_noise_nor_progress_bars(logged_run):
    _, result = logged_run
    console = result.stdout + result.stderr
    assert "epoch 2/2" in console  # the progress lines do reach the console
    for noise in ("node_def_util", "E0000", "W0000", "\x08", "\r"):
        assert noise not in console, noise


def test_in_a_pipe_report_paths_and_table_rows_stay_whole(logged_run):
    """No console line is cut at 80 columns (or any width): each report's path is
    whole on its line and each row of the table holds all of its cells."""
    project, result = logged_run
    console = result.stdout
    version = r"\d{4}-\d\d-\d\dT\d\d\.\d\d\.\d\d\.\d{3}Z"
    paths = {}
    for experiment in EXPERIMENTS:
        path = rf"data/08_reporting/{experiment}/report\.html/{version}/report\.html"
        match = re.search(rf"^  report: ({path})$", console, re.MULTILINE)
        assert match, f"{experiment}'s report path is not whole on one line"
        paths[experiment] = match.group(1)
        assert (project / paths[experiment]).is_file()
    table = console.split("Run summary (test split):\n", 1)[1].splitlines()
    header, rule, rows = table[0], table[1], table[2 : 2 + len(EXPERIMENTS)]
    assert header.split() == (
        "experiment metric model baseline best baseline report W&B".split()
    )
    assert set(rule) == {"-", " "}
    assert sorted(row.split()[0] for row in rows) == sorted(EXPERIMENTS)
    for row in rows:
        experiment = row.split()[0]
        assert row.split()[-3:] == [paths[experiment], "not", "tracked"], row
