"""A study on a real PostgreSQL server (Debian's package; `.ci/run` installs it).

The server runs for this module only, on loopback, from a fresh data directory,
as the ``postgres`` user when the tests run as root (PostgreSQL refuses root).
Without the server binaries the test fails: it is never skipped.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest

from tests.studies.conftest import best, run_study, trials

pytestmark = pytest.mark.e2e


def postgres_bin() -> Path:
    """The folder of PostgreSQL's server programs (``initdb``, ``pg_ctl``)."""
    found = shutil.which("pg_ctl")
    candidates = [Path(found).parent] if found else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"))]
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    pytest.fail(
        "PostgreSQL's server programs (initdb, pg_ctl) were not found: install "
        "Debian's package (apt-get install -y postgresql), as .ci/run does"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_server_user(command: list[str]) -> list[str]:
    """``command`` as the ``postgres`` user when running as root."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@pytest.fixture(scope="module")
def postgresql_url() -> Iterator[str]:
    """A database URL on a throw-away PostgreSQL server."""
    binaries = postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="dl_experiments_pg_"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = free_port()
    subprocess.run(
        as_server_user([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "optuna"]),
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder}"
    subprocess.run(
        as_server_user(
            [str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l",
             str(folder / "server.log"), "start"]
        ),
        check=True,
        capture_output=True,
    )
    try:
        url = f"postgresql://optuna@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 30
        while True:  # the server accepts connections once pg_ctl -w returns; check
            try:
                optuna.storages.RDBStorage(url)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield url
    finally:
        subprocess.run(
            as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def test_a_study_lives_in_postgresql(project: Path, postgresql_url: str):
    tune = {"n_trials": 2, "storage": postgresql_url, "study_name": "wildfire-on-pg"}
    run_study(project, tune=tune)
    run_study(project, tune=tune)  # resumes from the server: still two trials
    assert len(trials(project)) == 2
    record = best(project)
    assert record["storage"] == postgresql_url.replace("optuna@", "optuna:***@")
    study = optuna.load_study(study_name="wildfire-on-pg", storage=postgresql_url)
    assert [t.state.name for t in study.trials] == ["COMPLETE", "COMPLETE"]
    assert study.best_value == pytest.approx(record["best_value"])
    # Nothing went to the embedded default storage.
    assert not (project / "data" / "10_studies").exists()
