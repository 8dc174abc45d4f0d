"""A study's journal file after a torn write: repaired under Optuna's lock, the
torn bytes kept aside, the middle never rewritten; a failed append taken back.

Every journal here is written by Optuna itself; a torn write is made by cutting
the bytes of a real record short, as a kill or a power loss mid-write leaves them.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import optuna
import pytest
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock
from optuna.trial import TrialState

from dl_experiments.studies.journal import (
    OPERATIONS,
    TORN_SUFFIX,
    JournalCorruptError,
    JournalWriteError,
    open_journal,
)
from dl_experiments.studies.storage import StudyStorageError, storage_errors

optuna.logging.set_verbosity(optuna.logging.WARNING)
STUDY = "torn"


def objective(trial: optuna.Trial) -> float:
    return trial.suggest_float("x", 0.0, 1.0)


def finished_study(journal: Path, n_trials: int = 3) -> optuna.Study:
    """A study with ``n_trials`` complete trials in ``journal``."""
    study = optuna.create_study(study_name=STUDY, storage=open_journal(journal))
    study.optimize(objective, n_trials=n_trials)
    return study


def tear(journal: Path, write: Callable[[], object], keep: float = 0.5) -> bytes:
    """Do ``write`` (one appended record), then cut that record to ``keep`` of its
    bytes, without its newline; the torn bytes."""
    before = journal.read_bytes()
    write()
    record = journal.read_bytes()[len(before) :]
    assert record.endswith(b"\n") and record.count(b"\n") == 1
    torn = record[: int(len(record) * keep)]
    journal.write_bytes(before + torn)
    return torn


def torn_files(journal: Path) -> list[Path]:
    return sorted(journal.parent.glob(f"{journal.name}.*{TORN_SUFFIX}"))


def plain_storage(journal: Path) -> optuna.storages.JournalStorage:
    """Optuna's own journal storage, as any tool outside the project opens it."""
    return optuna.storages.JournalStorage(JournalFileBackend(str(journal)))


def glue_records_after_the_tear(journal: Path) -> None:
    """Write two records with Optuna's own backend after a torn line: the first is
    glued to the torn bytes, and reading after the second fails."""
    stuck = optuna.load_study(study_name=STUDY, storage=plain_storage(journal))
    stuck.set_user_attr("after", 1)  # glued to the torn bytes
    with pytest.raises(json.JSONDecodeError):
        stuck.set_user_attr("later", 2)  # written, then the read back fails


def every_line_is_a_record(journal: Path) -> None:
    data = journal.read_bytes()
    assert data.endswith(b"\n")
    for line in data.splitlines():
        assert isinstance(json.loads(line)["op_code"], int)


def test_the_operation_words_follow_optunas_journal_operations():
    from optuna.storages.journal._storage import JournalOperation  # noqa: PLC0415

    assert sorted(OPERATIONS) == sorted(op.value for op in JournalOperation)
    assert JournalOperation(4).name == "CREATE_TRIAL"
    assert JournalOperation(6).name == "SET_TRIAL_STATE_VALUES"


def test_a_torn_last_line_is_moved_aside_and_the_study_resumes(tmp_path, caplog):
    journal = tmp_path / "study.journal"
    study = finished_study(journal)
    values = [t.value for t in study.trials]
    trial = study.ask()
    whole = journal.read_bytes()
    torn = tear(journal, lambda: study.tell(trial, 0.25))
    line = whole.count(b"\n") + 1

    with caplog.at_level(logging.WARNING, logger="dl_experiments.studies.journal"):
        storage = open_journal(journal)
    (aside,) = torn_files(journal)
    assert aside.name == f"study.journal.line{line}{TORN_SUFFIX}"
    assert aside.read_bytes() == torn  # kept byte for byte
    assert journal.read_bytes() == whole  # the complete records, untouched
    (message,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert f"Study journal '{journal}'" in message
    assert f"moved aside, byte for byte, to '{aside}'" in message
    assert (
        f"lost with them: a change of state of trial 3 of study '{STUDY}' (cut before "
        "the state): the trial is not recorded as finished and does not count"
    ) in message
    assert f"keeps its {line - 1} complete record(s)" in message

    resumed = optuna.load_study(study_name=STUDY, storage=storage)
    states = [t.state for t in resumed.trials]
    assert states == [TrialState.COMPLETE] * 3 + [TrialState.RUNNING]
    assert [t.value for t in resumed.trials[:3]] == values
    resumed.optimize(objective, n_trials=2)
    every_line_is_a_record(journal)
    # Optuna's own reader agrees: the journal is whole again.
    reloaded = optuna.load_study(study_name=STUDY, storage=plain_storage(journal))
    assert [t.number for t in reloaded.trials] == [0, 1, 2, 3, 4, 5]
    assert sum(t.state == TrialState.COMPLETE for t in reloaded.trials) == 5


def test_without_the_repair_optuna_glues_the_next_record_to_the_torn_line(tmp_path):
    """What a study journal came to before: one torn line blocks every reader."""
    journal = tmp_path / "study.journal"
    study = finished_study(journal)
    trial = study.ask()
    tear(journal, lambda: study.tell(trial, 0.25))
    glue_records_after_the_tear(journal)
    with pytest.raises(json.JSONDecodeError, match="Expecting ':' delimiter"):
        optuna.load_study(study_name=STUDY, storage=plain_storage(journal))


def test_a_torn_record_with_records_glued_after_it_is_repaired(tmp_path, caplog):
    journal = tmp_path / "study.journal"
    study = finished_study(journal)
    trial = study.ask()
    torn = tear(journal, lambda: study.tell(trial, 0.25), keep=0.4)
    line = journal.read_bytes().count(b"\n") + 1
    glue_records_after_the_tear(journal)

    with caplog.at_level(logging.WARNING, logger="dl_experiments.studies.journal"):
        repaired = optuna.load_study(study_name=STUDY, storage=open_journal(journal))
    (aside,) = torn_files(journal)
    assert aside.read_bytes() == torn
    assert f"Line {line}: {len(torn)} torn byte(s)" in caplog.text
    assert repaired.user_attrs == {"after": 1, "later": 2}  # kept
    assert [t.state for t in repaired.trials][-1] == TrialState.RUNNING
    every_line_is_a_record(journal)


def test_a_whole_last_record_missing_its_newline_is_kept(tmp_path, caplog):
    journal = tmp_path / "study.journal"
    study = finished_study(journal)
    trial = study.ask()
    before = journal.read_bytes()
    study.tell(trial, 0.5)
    journal.write_bytes(journal.read_bytes()[:-1])  # only the newline is missing

    with caplog.at_level(logging.WARNING, logger="dl_experiments.studies.journal"):
        storage = open_journal(journal)
    assert not torn_files(journal)
    assert "was a whole record missing its newline" in caplog.text
    resumed = optuna.load_study(study_name=STUDY, storage=storage)
    assert resumed.trials[3].state == TrialState.COMPLETE
    assert journal.read_bytes().startswith(before)
    every_line_is_a_record(journal)


def test_a_torn_end_of_a_trial_is_named_with_its_state(tmp_path, caplog):
    journal = tmp_path / "study.journal"
    study = finished_study(journal)
    trial = study.ask()
    tear(journal, lambda: study.tell(trial, 0.5), keep=0.9)
    with caplog.at_level(logging.WARNING, logger="dl_experiments.studies.journal"):
        open_journal(journal)
    assert f"the end of trial 3 of study '{STUDY}' (COMPLETE)" in caplog.text


def test_a_torn_record_too_short_to_tell_its_trial_says_so(tmp_path, caplog):
    journal = tmp_path / "study.journal"
    study = finished_study(journal)
    trial = study.ask()
    tear(journal, lambda: study.tell(trial, 0.5), keep=0.05)
    with caplog.at_level(logging.WARNING, logger="dl_experiments.studies.journal"):
        open_journal(journal)
    assert "a record too short to tell which trial it belonged to" in caplog.text


def test_a_lost_new_trial_is_named(tmp_path, caplog):
    journal = tmp_path / "study.journal"
    study = finished_study(journal)
    tear(journal, study.ask, keep=0.9)
    with caplog.at_level(logging.WARNING, logger="dl_experiments.studies.journal"):
        open_journal(journal)
    assert f"a new trial of study '{STUDY}' (it would have been trial 3)" in caplog.text


def test_corruption_in_the_middle_stops_with_the_file_the_line_and_what_to_do(
    tmp_path,
):
    journal = tmp_path / "study.journal"
    finished_study(journal)
    lines = journal.read_bytes().split(b"\n")
    lines[4] = lines[4].replace(b'"op_code":', b'"op_code"', 1)  # one byte gone
    journal.write_bytes(b"\n".join(lines))
    before = journal.read_bytes()
    total = before.count(b"\n")

    with pytest.raises(JournalCorruptError) as raised:
        open_journal(journal)
    message = str(raised.value)
    assert f"Study journal '{journal}' is corrupt at line 5 of {total}" in message
    assert "not valid JSON" in message
    assert f"sed -n '5p' '{journal}'" in message
    assert f"head -n 4 '{journal}.corrupt' > '{journal}'" in message
    assert journal.read_bytes() == before  # never rewritten
    assert not torn_files(journal)
    # The command the message gives does what it says.
    command = message.partition("what was recorded after them is lost): ")[2]
    command = command.partition(" ;")[0]
    subprocess.run(["bash", "-c", command], check=True)
    assert Path(f"{journal}.corrupt").read_bytes() == before
    assert journal.read_bytes() == b"".join(line + b"\n" for line in lines[:4])
    open_journal(journal)  # whole again


def test_a_line_of_other_json_in_the_middle_is_corruption_too(tmp_path):
    journal = tmp_path / "study.journal"
    finished_study(journal)
    lines = journal.read_bytes().split(b"\n")
    lines.insert(2, b'{"note": "edited by hand"}')
    journal.write_bytes(b"\n".join(lines))
    with pytest.raises(JournalCorruptError, match="at line 3 of .*not an Optuna"):
        open_journal(journal)


def test_a_worker_appending_after_another_died_mid_write_repairs_first(
    tmp_path, caplog
):
    """Worker A has the study open; worker B is killed mid-write; A's next write
    moves B's torn bytes aside instead of gluing its record to them."""
    journal = tmp_path / "study.journal"
    study = finished_study(journal)
    other = optuna.load_study(study_name=STUDY, storage=plain_storage(journal))
    trial = other.ask()
    torn = tear(journal, lambda: other.tell(trial, 0.5))

    with caplog.at_level(logging.WARNING, logger="dl_experiments.studies.journal"):
        study.optimize(objective, n_trials=1)
    (aside,) = torn_files(journal)
    assert aside.read_bytes() == torn
    assert "repaired before this worker's next write" in caplog.text
    assert f"of trial 3 of study '{STUDY}'" in caplog.text
    every_line_is_a_record(journal)
    reloaded = optuna.load_study(study_name=STUDY, storage=plain_storage(journal))
    assert [t.state for t in reloaded.trials] == [TrialState.COMPLETE] * 3 + [
        TrialState.RUNNING,
        TrialState.COMPLETE,
    ]


@pytest.fixture
def full_disk_on(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path, bytes], list]:
    """Make writes to one file fail as on a full disk once a record holding
    ``marker`` is written: half its bytes land, then ``ENOSPC``."""
    original = os.write
    failures: list[int] = []

    def arm(path: Path, marker: bytes) -> list:
        target = os.path.realpath(path)

        def write(descriptor: int, data) -> int:
            try:
                name = os.readlink(f"/proc/self/fd/{descriptor}")
            except OSError:
                name = ""
            if name == target and marker in bytes(data):
                original(descriptor, bytes(data)[: len(data) // 2])
                failures.append(len(data))
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return original(descriptor, data)

        monkeypatch.setattr(os, "write", write)
        return failures

    return arm


def test_a_failed_append_is_taken_back(tmp_path, full_disk_on):
    journal = tmp_path / "study.journal"
    study = finished_study(journal)
    trial = study.ask()
    before = journal.read_bytes()
    failures = full_disk_on(journal, b'"state":1')
    with pytest.raises(JournalWriteError) as raised:
        study.tell(trial, 0.5)
    assert failures, "the full disk was never hit"
    message = str(raised.value)
    assert f"Could not append to study journal '{journal}'" in message
    assert "set the state of trial id 3 to COMPLETE" in message
    assert "No space left on device" in message
    assert "cut back to its last whole record" in message
    assert journal.read_bytes() == before
    reloaded = optuna.load_study(study_name=STUDY, storage=plain_storage(journal))
    assert reloaded.trials[3].state == TrialState.RUNNING  # never counted complete


def test_a_storage_failure_mid_trial_names_the_study_trial_and_storage(
    tmp_path, full_disk_on
):
    """Optuna reports a failed ``tell`` as an ``AssertionError`` raised while it
    handles it; the study's error names what happened instead."""
    journal = tmp_path / "study.journal"
    study = finished_study(journal)
    full_disk_on(journal, b'"state":1')
    with pytest.raises(StudyStorageError) as raised:
        with storage_errors(STUDY, str(journal), lambda: 3):
            study.optimize(objective, n_trials=1)
    message = str(raised.value)
    assert message.startswith(
        f"Study '{STUDY}' could not write to its storage {journal} while trial 3 was "
        "running: Could not append to study journal"
    )
    assert "No space left on device" in message
    assert "Trial 3 is not recorded as finished, so it does not count" in message
    states = [t.state for t in optuna.load_study(
        study_name=STUDY, storage=plain_storage(journal)
    ).trials]
    assert states == [TrialState.COMPLETE] * 3 + [TrialState.RUNNING]


def test_other_errors_pass_through_unchanged():
    with pytest.raises(KeyError, match="not a storage problem"):
        with storage_errors(STUDY, "somewhere", lambda: None):
            raise KeyError("not a storage problem")


WORKER = textwrap.dedent(
    """
    import logging, sys, time
    from pathlib import Path
    import optuna
    from dl_experiments.studies.storage import make_storage

    folder, go = sys.argv[1], Path(sys.argv[2])
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.01)
    print("opening", flush=True)
    study = optuna.load_study(
        study_name="torn", storage=make_storage(None, folder, "torn")
    )
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=3)
    print("done", flush=True)
    """
)


def start_worker(folder: Path, go: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(folder), str(go)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    return process


def test_two_workers_start_on_a_torn_journal_at_once(tmp_path):
    journal = tmp_path / f"{STUDY}.journal"
    study = finished_study(journal)
    values = [t.value for t in study.trials]
    trial = study.ask()
    torn = tear(journal, lambda: study.tell(trial, 0.25))
    go = tmp_path / "go"
    workers = [start_worker(tmp_path, go) for _ in range(2)]
    go.touch()  # both are waiting: they open the journal at the same moment
    outputs = [worker.communicate(timeout=300)[0] for worker in workers]
    for worker, output in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, output
    repairs = [output.count("was repaired before the study resumed") for output in outputs]
    assert sorted(repairs) == [0, 1], outputs  # exactly one repair
    (aside,) = torn_files(journal)
    assert aside.read_bytes() == torn
    every_line_is_a_record(journal)
    reloaded = optuna.load_study(study_name=STUDY, storage=plain_storage(journal))
    numbers = [t.number for t in reloaded.trials]
    assert numbers == list(range(10))  # no duplicates, no gaps: 4 + 2 x 3
    states = [t.state for t in reloaded.trials]
    assert states.count(TrialState.COMPLETE) == 9
    assert states[3] == TrialState.RUNNING  # the trial whose end was torn
    assert [t.value for t in reloaded.trials[:3]] == values


def test_the_repair_waits_for_the_journal_lock(tmp_path):
    """A worker in the middle of a write holds ``<journal>.lock``; the repair
    waits for it rather than cut what that worker is writing."""
    journal = tmp_path / f"{STUDY}.journal"
    study = finished_study(journal)
    trial = study.ask()
    tear(journal, lambda: study.tell(trial, 0.25))
    torn_journal = journal.read_bytes()
    lock = JournalFileOpenLock(str(journal))
    lock.acquire()
    go = tmp_path / "go"
    go.touch()
    try:
        worker = start_worker(tmp_path, go)
        assert worker.stdout.readline().strip() == "opening"
        time.sleep(1.0)  # time for a repair that ignored the lock to happen
        assert journal.read_bytes() == torn_journal
        assert not torn_files(journal)
        assert worker.poll() is None
    finally:
        lock.release()
    output = worker.communicate(timeout=300)[0]
    assert worker.returncode == 0, output
    assert "was repaired before the study resumed" in output
    assert len(torn_files(journal)) == 1
