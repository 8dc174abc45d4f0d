"""End-to-end: which run the service answers with, and when that changes.

A project copy starts untrained and the service (``python -m dl_experiments.serve``)
starts anyway, answering 503 "not trained". A training run is then picked up
without a restart; killed and failed runs never are; a newer complete run replaces
the served one atomically while clients keep sending (every answer comes from one
run: the model and preprocessor versions and the values agree). A pinned run stays
served; an incomplete one is refused at start.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from dl_experiments.runs import RunRecord, RunStore
from tests.conftest import run_kedro
from tests.helpers import kedro_cli, versions
from tests.serve.conftest import ARTIFACTS, Service, example_records

pytestmark = pytest.mark.e2e

MODEL = "data/06_models/housing/model.keras"
PREPROCESSOR = "data/06_models/housing/preprocessor.skops"
ROWS = example_records("housing")[:6]
WAIT = 600  # seconds: hang guards on a shared machine, not speed checks
TRAIN_FOREVER = (
    "housing.training.epochs=100000,housing.training.early_stopping.enabled=false"
)


def wait_for(condition: Callable[[], bool], what: str, service: Service) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if service.process.poll() is not None:
            pytest.fail(
                f"the service exited before {what}:\n{service.output()[-4000:]}"
            )
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {WAIT} s:\n{service.output()[-4000:]}")
        time.sleep(0.5)


def served(client: httpx.Client, name: str = "housing") -> dict:
    return client.get("/v1/experiments").json()[name]


def scores(client: httpx.Client) -> tuple[str, list[float]]:
    """The served run id and the predictions for ``ROWS``, checked to be of one run."""
    response = client.post("/v1/housing/predict", json=ROWS)
    assert response.status_code == 200, response.text
    answer = response.json()
    run_id = answer["run_id"]
    assert answer["versions"] == {"model": run_id, "preprocessor": run_id}
    for row in answer["predictions"]:
        assert row["model_version"] == row["preprocessor_version"] == run_id
    return run_id, [row["prediction"] for row in answer["predictions"]]


def complete_runs(project: Path) -> list[str]:
    """The ids of the project's complete runs, oldest first."""
    return [record.run_id for record in RunStore(project).records() if record.complete]


def fabricate_incomplete_run(
    project: Path, source: str, run_id: str, status: str
) -> None:
    """A run that saved a whole model and preprocessor (copies of ``source``'s) but
    never completed: what a run killed during its reporting nodes leaves."""
    for artifact in (MODEL, PREPROCESSOR):
        shutil.copytree(project / artifact / source, project / artifact / run_id)
    RunStore(project).write(
        RunRecord(
            run_id=run_id,
            status=status,
            pipelines=["housing"],
            experiments=["housing"],
            env="test",
            error="killed" if status == "failed" else None,
        )
    )


def kill_while_training(project: Path, log: Path) -> str:
    """A real ``kedro run`` of housing, SIGKILLed once it saved its preprocessor."""
    store = RunStore(project)
    before = set(store.run_ids())
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kedro",
                "run",
                "--env=test",
                "--pipeline=housing",
                "--tags=ingestion,preprocessing,training",
                f"--params={TRAIN_FOREVER}",
            ],
            cwd=project,
            env=os.environ | {"KEDRO_DISABLE_TELEMETRY": "true"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + WAIT
    try:
        while True:
            new = sorted(set(store.run_ids()) - before)
            if new and "housing.preprocessor" in store.read(new[0]).saved:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"the run to kill ended or hung:\n{log.read_text()[-3000:]}"
                )
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert store.read(new[0]).status == "running"
    return new[0]


def answers_across_a_new_run(
    project: Path, service: Service, client: httpx.Client
) -> tuple[list[tuple[str, list[float]]], str]:
    """What 8 clients sending all along get while another housing run trains (a
    new seed) and the service switches to it; and that run's id."""
    answers: list[tuple[str, list[float]]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_sending() -> None:
        try:
            with service.client() as own:
                while not stop.is_set():
                    answers.append(scores(own))
        except BaseException as error:  # a failed check in a client thread
            errors.append(error)
            raise

    clients = [threading.Thread(target=keep_sending) for _ in range(8)]
    for thread in clients:
        thread.start()
    try:
        kedro_cli(
            project,
            "run",
            "--env=test",
            "--pipeline=housing",
            "--to-outputs=housing.model,housing.preprocessor",
            "--params=housing.seed=7",
        )
        second = complete_runs(project)[-1]
        wait_for(lambda: served(client)["run_id"] == second, "the new run", service)
        time.sleep(3)  # answers from the new run too
    finally:
        stop.set()
        for thread in clients:
            thread.join()
    assert not errors, errors[0]
    return answers, second


def test_new_complete_runs_are_served_without_restart_and_incomplete_never(
    project_factory, tmp_path: Path
):
    project = project_factory("serve_reload")
    service = Service(project, tmp_path / "service.log", "--reload-interval=0.5")
    try:
        service.wait_ready()
        with service.client() as client:
            # nothing trained: every experiment says so, at start and per route
            for name in ARTIFACTS:
                assert f"{name}: not trained" in service.output()
            assert "0 of 3 experiments served" in service.output()
            ready = client.get("/ready")
            assert ready.status_code == 503 and ready.json()["ready"] is False
            for response in (
                client.post("/v1/housing/predict", json=ROWS),
                client.get("/v1/housing/schema"),
            ):
                assert response.status_code == 503
                assert response.json()["error"] == "not_trained"
                assert "kedro run --pipeline=housing" in response.json()["message"]

            # a training run: picked up between requests, no restart
            run_kedro(project, "housing", to_outputs=ARTIFACTS["housing"])
            (first,) = versions(project, MODEL)
            wait_for(
                lambda: served(client).get("run_id") == first, "run A served", service
            )
            assert client.get("/ready").status_code == 200
            assert client.post("/v1/wildfire/predict", json=[{}]).status_code == 503
            run_id, first_scores = scores(client)
            assert run_id == first

            # killed (for real, mid-training; and after saving a whole model) and
            # failed runs are never served
            killed = kill_while_training(project, tmp_path / "killed.log")
            fabricate_incomplete_run(
                project, first, "2099-01-01T00.00.00.000Z", "running"
            )
            fabricate_incomplete_run(
                project, first, "2099-01-01T00.00.00.001Z", "failed"
            )
            assert client.post("/v1/reload").json()["changed"] == []
            assert served(client)["run_id"] == first
            assert killed not in service.output()

            # a newer complete run replaces it while 8 clients keep sending
            answers, second = answers_across_a_new_run(project, service, client)
            assert second != first
            _, second_scores = scores(client)
    finally:
        service.stop()
    assert first_scores != second_scores  # another seed, another model
    expected = {first: first_scores, second: second_scores}
    assert {run for run, _ in answers} == {first, second}
    for run, values in answers:
        assert values == expected[run]


def test_a_pinned_run_stays_served_and_an_incomplete_one_is_refused(
    project_factory, tmp_path: Path
):
    project = project_factory("serve_pinned")
    run_kedro(project, "housing", to_outputs=ARTIFACTS["housing"])
    run_kedro(
        project,
        "housing",
        to_outputs=ARTIFACTS["housing"],
        params={"housing": {"seed": 7}},
    )
    first, second = versions(project, MODEL)
    fabricate_incomplete_run(project, second, "2099-01-01T00.00.00.000Z", "running")

    service = Service(
        project,
        tmp_path / "pinned.log",
        f"--run=housing={first}",
        "--reload-interval=0.5",
    )
    try:
        service.wait_ready()
        with service.client() as client:
            assert served(client)["pinned"] is True
            assert scores(client)[0] == first
            assert client.post("/v1/reload").json()["changed"] == []
            assert scores(client)[0] == first
            latest = client.get("/v1/experiments").json()
    finally:
        service.stop()
    assert latest["housing"]["run_id"] == first

    for args, words in (
        (["--run=housing=2099-01-01T00.00.00.000Z"], "is running; only complete runs"),
        ([f"--run=nope={first}"], "unknown experiment(s) ['nope']"),
        (["--run=housing"], "expected EXPERIMENT=RUN_ID"),
    ):
        refused = Service(project, tmp_path / "refused.log", *args)
        assert refused.process.wait(timeout=WAIT) != 0
        assert words in " ".join(refused.output().split()), refused.output()[-3000:]
