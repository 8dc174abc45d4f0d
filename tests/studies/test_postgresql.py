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
import psycopg
import pytest
import yaml
from optuna.trial import TrialState

from tests.helpers import kedro_cli
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


# The server's own answer to a full disk (SQLSTATE 53100), raised when a trial's
# value is to be stored: the transaction that would mark the trial complete fails.
FULL_DISK = """
CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'could not extend file "base/5/16500": No space left on device'
        USING ERRCODE = 'disk_full';
END $$;
CREATE TRIGGER full_disk BEFORE INSERT ON trial_values
    FOR EACH ROW EXECUTE FUNCTION full_disk();
"""
ROOM_AGAIN = "DROP TRIGGER full_disk ON trial_values; DROP FUNCTION full_disk();"


def test_a_full_database_disk_mid_trial_never_counts_the_trial(
    project: Path, postgresql_url: str
):
    name = "wildfire-on-a-full-disk"
    tune = {"n_trials": 2, "storage": postgresql_url, "study_name": name}
    settings = project / "conf" / "test" / "parameters_wildfire.yml"
    parameters = yaml.safe_load(settings.read_text())
    parameters["wildfire_tune"].update(tune)  # for the command line's run
    settings.write_text(yaml.safe_dump(parameters))
    optuna.storages.RDBStorage(postgresql_url)  # the tables exist
    with psycopg.connect(postgresql_url, autocommit=True) as database:
        database.execute(FULL_DISK)
    try:
        failed = kedro_cli(
            project,
            "run",
            "--pipelines=wildfire_tune",
            "--env=test",
            "--nodes=wildfire_tune.run_study",
            check=False,
        )
    finally:
        with psycopg.connect(postgresql_url, autocommit=True) as database:
            database.execute(ROOM_AGAIN)
    output = " ".join((failed.stdout + failed.stderr).split())
    label = postgresql_url.replace("optuna@", "optuna:***@")
    assert failed.returncode != 0, output[-3000:]
    assert (
        f"StudyStorageError: Study '{name}' could not write to its storage {label} "
        "while trial 0 was running: StorageInternalError:"
    ) in output, output[-3000:]
    assert "No space left on device" in output
    assert "Trial 0 is not recorded as finished, so it does not count" in output
    study = optuna.load_study(study_name=name, storage=postgresql_url)
    assert [t.state for t in study.trials] == [TrialState.RUNNING]

    run_study(project, tune=tune)  # the server has room again
    study = optuna.load_study(study_name=name, storage=postgresql_url)
    states = [t.state for t in study.trials]
    assert states[0] == TrialState.FAIL  # its worker is gone: failed, not complete
    assert states.count(TrialState.COMPLETE) == 2
