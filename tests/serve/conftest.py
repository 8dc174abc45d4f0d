"""The scoring service's fixtures: one project copy trained once per test session
(wildfire, housing, fashion_mnist in ``test``), and the service started for real,
as a user starts it, on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from tests.conftest import PROJECT_ROOT, run_kedro

EXAMPLES = PROJECT_ROOT / "data" / "09_predict_examples"
IMAGES = EXAMPLES / "fashion_mnist_images"
# What each experiment's training run saves for the predict pipeline to load.
ARTIFACTS = {
    "wildfire": ["wildfire.model", "wildfire.preprocessor"],
    "housing": ["housing.model", "housing.preprocessor"],
    "fashion_mnist": ["fashion_mnist.model"],
}
START_TIMEOUT = 600  # seconds: a hang guard on a shared machine, not a speed check


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Service:
    """The service in its own process (``python -m dl_experiments.serve`` or
    ``python -m kedro serve``) in a project copy, logging to ``log``."""

    def __init__(self, project: Path, log: Path, *args: str, kedro: bool = False):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = ["-m", "kedro", "serve"] if kedro else ["-m", "dl_experiments.serve"]
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [sys.executable, *command, "--env=test", f"--port={self.port}", *args],
                cwd=project,
                env=os.environ
                | {
                    "KEDRO_DISABLE_TELEMETRY": "true",
                    "DO_NOT_TRACK": "1",
                    "COLUMNS": "400",
                },
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        """What the process printed so far."""
        return self.log.read_text(errors="replace")

    def wait_ready(self) -> Service:
        """Wait until ``/health`` answers; fail with the log if the process ends."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"the service exited ({self.process.returncode}):\n{self.output()[-5000:]}"
                )
            try:
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        self.stop()
        pytest.fail(
            f"the service did not start in {START_TIMEOUT} s:\n{self.output()[-5000:]}"
        )

    def client(self, timeout: float = 120) -> httpx.Client:
        """An HTTP client for the service (generous timeout: the machine is shared)."""
        return httpx.Client(base_url=self.url, timeout=timeout)

    def stop(self) -> None:
        """SIGTERM (uvicorn's graceful shutdown), SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def served_project(project_factory: Callable[[str], Path]) -> Path:
    """A project copy where wildfire, housing and fashion_mnist trained once in
    ``test`` (up to the model and its preprocessor)."""
    root = project_factory("serve")
    for experiment, outputs in ARTIFACTS.items():
        run_kedro(root, experiment, to_outputs=outputs)
    return root


@pytest.fixture(scope="session")
def service(
    served_project: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """``kedro serve`` on the trained project, with small limits for the 413 cases."""
    log = tmp_path_factory.mktemp("serve_logs") / "service.log"
    running = Service(
        served_project,
        log,
        "--max-rows=50",
        "--max-images=20",
        "--max-body-bytes=300000",
        "--max-image-pixels=250000",
        kedro=True,
    )
    try:
        yield running.wait_ready()
    finally:
        running.stop()


def example_records(experiment: str) -> list[dict]:
    """The shipped example rows of a table experiment, as JSON records."""
    name = {"wildfire": "wildfire_readings.csv", "housing": "housing_districts.csv"}
    frame = pd.read_csv(EXAMPLES / name[experiment])
    return frame.to_dict(orient="records")


def example_images() -> list[Path]:
    """The shipped example PNGs, in file-name order."""
    return sorted(IMAGES.glob("*.png"))
