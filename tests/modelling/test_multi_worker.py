"""``multi_worker_mirrored`` as a real cluster: two ``kedro run`` processes on loopback.

Each process is one worker (its own ``TF_CONFIG``) of the same test-environment
wildfire run, both in one project folder. They must both finish with the same
weights, and the chief's model must be the run's version: the other worker's
run is recorded as a worker's, so "latest" never resolves to it even though it
saved later.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from dl_experiments.runs import RunStore
from tests.conftest import make_project

PARAMS = (
    "wildfire.training.strategy=multi_worker_mirrored,wildfire.training.epochs=2,"
    "wildfire.training.early_stopping.enabled=false"
)


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def start_worker(
    project: Path, cluster: dict, index: int, log: Path
) -> subprocess.Popen:
    tf_config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
    env = {
        **os.environ,
        "TF_CONFIG": json.dumps(tf_config),
        "KEDRO_DISABLE_TELEMETRY": "true",
        "COLUMNS": "200",
    }
    with log.open("w") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kedro",
                "run",
                "--env=test",
                "--pipeline=wildfire",
                "--tags=ingestion,preprocessing,training",
                f"--params={PARAMS}",
            ],
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


@pytest.mark.e2e
@pytest.mark.cluster
def test_two_workers_train_one_model_and_the_chiefs_is_the_runs(tmp_path: Path):
    project = make_project(tmp_path / "project")
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    logs = [tmp_path / f"worker{index}.log" for index in range(2)]
    processes = []
    for index in range(2):
        processes.append(start_worker(project, cluster, index, logs[index]))
        time.sleep(1)  # the chief's run id (a timestamp) is the older one
    try:
        codes = [process.wait(timeout=600) for process in processes]
    finally:
        for process in processes:
            process.kill()
    assert codes == [0, 0], "\n".join(log.read_text()[-3000:] for log in logs)

    store = RunStore(project)
    records = store.records()
    assert [record.status for record in records] == ["complete", "complete"]
    chief, worker = records
    assert (chief.worker, worker.worker) == (False, True)
    assert worker.run_id > chief.run_id  # Kedro alone would load the worker's

    models = [
        keras.saving.load_model(
            project / record.saved["wildfire.model"]["path"] / "model.keras"
        )
        for record in records
    ]
    assert models[0].get_layer("batch_norm_1").synchronized
    weights = [model.get_weights() for model in models]
    assert len(weights[0]) == len(weights[1])
    for chief_weight, worker_weight in zip(*weights, strict=True):
        np.testing.assert_array_equal(chief_weight, worker_weight)
    histories = [
        json.loads(
            (
                project
                / record.saved["wildfire.training_history"]["path"]
                / "training_history.json"
            ).read_text()
        )
        for record in records
    ]
    assert [history["replicas"] for history in histories] == [2, 2]
    assert histories[0]["history"]["loss"] == histories[1]["history"]["loss"]

    bootstrap_project(project)
    with KedroSession.create(project_path=project, env="test") as session:
        catalog = session.load_context().catalog
        for name in (
            "wildfire.model",
            "wildfire.preprocessor",
            "wildfire.training_history",
        ):
            assert catalog.get(name).resolve_load_version() == chief.run_id, name
