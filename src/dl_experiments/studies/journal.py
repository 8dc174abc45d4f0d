"""A study's journal file, kept readable through torn writes.

Optuna's ``JournalFileBackend`` keeps a study as one JSON record per line,
appended under a lock file (``<journal>.lock``). A write cut short (a killed
worker, a power loss, a full disk) leaves the last line without its newline.
Optuna reads past such a line only while nothing follows it: the next append
glues a whole record to the torn bytes, and from then on every reader stops with
a bare ``JSONDecodeError``.

- ``open_journal`` checks the file under that same lock before Optuna reads it.
  A torn last line, and a torn record with records appended after it on the same
  line, are repaired: the torn bytes are moved, byte for byte, to a file next to
  the journal (``<journal>.line<N>.torn``), and a warning names the journal, that
  file and what was lost. Any other line that is not a record stops with
  ``JournalCorruptError``, naming the file, the line and what to do; such a
  journal is never rewritten.
- ``JournalFile``, the backend the project's studies use, never appends after a
  torn line (another worker may have died mid-write since the journal was opened)
  and takes back its own failed write (``JournalWriteError``), so that a full
  disk leaves the journal ending at its last whole record.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optuna.storages import JournalStorage
from optuna.storages.journal import (
    BaseJournalBackend,
    JournalFileBackend,
    JournalFileOpenLock,
)
from optuna.trial import TrialState

logger = logging.getLogger(__name__)

# Every record Optuna writes starts so (``json.dumps(log, separators=(",", ":"))``
# of a dict whose first key is ``op_code``); inside a record it only appears
# escaped, in strings.
RECORD_START = b'{"op_code":'
TORN_SUFFIX = ".torn"

# Optuna's journal operations (``JournalOperation``), in words.
OPERATIONS = {
    0: "create the study",
    1: "delete the study",
    2: "set a study user attribute",
    3: "set a study system attribute",
    4: "create a trial",
    5: "set a parameter",
    6: "set the state",
    7: "report an intermediate value",
    8: "set a user attribute",
    9: "set a system attribute",
}
CREATE_TRIAL, SET_TRIAL_STATE = 4, 6


class JournalError(RuntimeError):
    """A study journal that cannot be read or written as it is."""


class JournalCorruptError(JournalError):
    """A journal line in the middle that is not a record; never repaired alone."""


class JournalWriteError(JournalError):
    """An append to the journal failed (a full disk, an I/O error)."""

    def __init__(self, message: str, cause: OSError) -> None:
        super().__init__(message)
        self.cause = cause


@dataclass(frozen=True)
class TornRecord:
    """Bytes of a record whose write was cut short, and where they stood."""

    line: int
    data: bytes
    aside: Path
    lost: str


@dataclass(frozen=True)
class Repair:
    """What ``repair_journal`` did to one journal."""

    journal: Path
    torn: tuple[TornRecord, ...]
    completed: int | None
    records: int
    when: str = "before the study resumed"

    @property
    def message(self) -> str:
        """The warning a user reads: the journal, the bytes kept aside, the loss."""
        parts = [
            f"Study journal '{self.journal}' was repaired {self.when} (a write cut "
            "short by a killed worker, a power loss or a full disk)."
        ]
        for torn in self.torn:
            parts.append(
                f"Line {torn.line}: {len(torn.data)} torn byte(s) moved aside, byte "
                f"for byte, to '{torn.aside}'; lost with them: {torn.lost}."
            )
        if self.completed is not None:
            parts.append(
                f"Line {self.completed} was a whole record missing its newline; the "
                "newline was added."
            )
        parts.append(f"The journal keeps its {self.records} complete record(s).")
        return " ".join(parts)


def _record(line: bytes) -> dict[str, Any] | None:
    """The journal record ``line`` holds, or None when it holds none."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if isinstance(record, dict) and isinstance(record.get("op_code"), int):
        return record
    return None


def _why_not(line: bytes) -> str:
    try:
        json.loads(line)
    except ValueError as error:
        return f"not valid JSON ({error})"
    return "valid JSON but not an Optuna journal record (no integer 'op_code')"


def _number(pattern: str, data: bytes) -> int | None:
    found = re.search(rb'"' + pattern.encode() + rb'":(\d+)', data)
    return int(found.group(1)) if found else None


class _Records(BaseJournalBackend):
    """Journal records in memory, for Optuna to replay (read-only)."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self._records = records

    def read_logs(self, log_number_from: int) -> Iterable[dict[str, Any]]:
        return self._records[log_number_from:]

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        raise JournalError("a replayed journal is read-only")


def _trial_names(records: list[dict[str, Any]]) -> tuple[dict, dict]:
    """``{trial id: (study name, number)}`` and ``{study id: (name, n trials)}``
    of the complete records, as Optuna replays them."""
    storage = JournalStorage(_Records(records))
    trials, studies = {}, {}
    for study in storage.get_all_studies():
        study_id = storage.get_study_id_from_name(study.study_name)
        owned = storage.get_all_trials(study_id, deepcopy=False)
        studies[study_id] = (study.study_name, len(owned))
        for trial in owned:
            trial_id = storage.get_trial_id_from_study_id_trial_number(
                study_id, trial.number
            )
            trials[trial_id] = (study.study_name, trial.number)
    return trials, studies


def _touched_last(worker: bytes, records: list[dict[str, Any]]) -> int | None:
    """The id of the trial ``worker`` created or wrote last (the one it runs)."""
    name, created, last = worker.decode("utf-8", "replace"), 0, None
    for record in records:
        if record.get("op_code") == CREATE_TRIAL:
            if record.get("worker_id") == name:
                last = created
            created += 1
        elif record.get("worker_id") == name and "trial_id" in record:
            last = record["trial_id"]
    return last


def describe_lost(data: bytes, records: list[dict[str, Any]]) -> str:
    """In words, the record the torn bytes ``data`` were: its trial and operation.

    A record cut before its ``trial_id`` still names its worker, and a worker
    writes to the trial it runs: the one it created or wrote last.
    """
    operation = _number("op_code", data)
    if operation is None:
        return "a record too short to tell which trial it belonged to"
    what = OPERATIONS.get(operation, f"operation {operation}")
    trials, studies = _trial_names(records)
    trial_id, study_id = _number("trial_id", data), _number("study_id", data)
    if operation == CREATE_TRIAL and study_id in studies:
        name, count = studies[study_id]
        return f"a new trial of study '{name}' (it would have been trial {count})"
    worker = re.search(rb'"worker_id":"([^"]+)"', data)
    if trial_id is None and operation > CREATE_TRIAL and worker:
        trial_id = _touched_last(worker.group(1), records)
    if trial_id in trials:
        return _trial_record(operation, what, *trials[trial_id], _number("state", data))
    if study_id in studies:
        return f"a record to {what} of study '{studies[study_id][0]}'"
    return f"a record to {what} (cut before it named its trial)"


def _trial_record(
    operation: int, what: str, study: str, number: int, state: int | None
) -> str:
    trial = f"trial {number} of study '{study}'"
    if operation != SET_TRIAL_STATE:
        return f"a record to {what} of {trial}"
    state_name = TrialState(state).name if state is not None else None
    if state_name == "RUNNING":
        return f"the start of {trial}"
    ended = f"the end of {trial} ({state_name})" if state_name else (
        f"a change of state of {trial} (cut before the state)"
    )
    return f"{ended}: the trial is not recorded as finished and does not count"


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _keep_aside(journal: Path, line: int, data: bytes) -> Path:
    """Write ``data`` to a new file next to the journal, durably; its path."""
    for attempt in range(1000):
        suffix = f".{attempt}" if attempt else ""
        aside = journal.with_name(f"{journal.name}.line{line}{suffix}{TORN_SUFFIX}")
        try:
            with aside.open("xb") as file:
                try:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                except OSError as error:
                    file.close()
                    aside.unlink(missing_ok=True)
                    raise JournalError(
                        f"Study journal '{journal}' ends in {len(data)} torn byte(s) "
                        f"that could not be kept aside in '{aside}' ({error}); the "
                        "journal is left untouched. Free space there and run again."
                    ) from error
        except FileExistsError:
            continue
        _fsync_folder(journal.parent)
        return aside
    raise JournalError(f"no free name for the torn bytes of '{journal}'")


def _replace(journal: Path, content: bytes) -> None:
    """Replace the journal's content atomically (all of it or none)."""
    temporary = journal.with_name(f".{journal.name}.{os.getpid()}.repair")
    try:
        with temporary.open("wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, journal)
    except OSError as error:
        raise JournalError(
            f"Study journal '{journal}' could not be rewritten without its torn "
            f"bytes ({error}); it is left untouched (the torn bytes are also kept "
            "aside). Free space there and run again."
        ) from error
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_folder(journal.parent)


def repair_journal(
    journal: Path, when: str = "before the study resumed"
) -> Repair | None:
    """Repair a torn journal in place (the caller holds its lock); None if whole.

    Raises ``JournalCorruptError`` for a line that is neither a record nor a torn
    record followed, on the same line, by whole records appended after it.
    """
    data = journal.read_bytes()
    body, newline, tail = data.rpartition(b"\n")
    lines = body.split(b"\n") if newline else []
    total = len(lines) + (1 if tail else 0)
    kept: list[bytes] = []
    records: list[dict[str, Any]] = []
    glued: list[tuple[int, bytes]] = []
    for number, raw in enumerate(lines, start=1):
        line, record = raw, _record(raw)
        if record is None:
            start = _glued_start(raw)
            if start < 0:
                raise _corrupt(journal, number, total, raw)
            glued.append((number, raw[:start]))
            line, record = raw[start:], _record(raw[start:])
        kept.append(line)
        records.append(record)
    completed = None
    torn_tail = None
    if tail:
        record = _record(tail)
        if record is None:
            torn_tail = (total, tail)
        else:
            completed = total
            kept.append(tail)
            records.append(record)
    if not glued and torn_tail is None and completed is None:
        return None
    torn = tuple(
        TornRecord(
            line, piece, _keep_aside(journal, line, piece), describe_lost(piece, records)
        )
        for line, piece in [*glued, *([torn_tail] if torn_tail else [])]
    )
    if glued:
        _replace(journal, b"".join(line + b"\n" for line in kept))
    elif torn_tail is not None:
        os.truncate(journal, len(body) + len(newline))
        _fsync_file(journal)
    else:
        with journal.open("ab") as file:
            file.write(b"\n")
            file.flush()
            os.fsync(file.fileno())
    return Repair(journal, torn, completed, len(kept), when)


def _glued_start(line: bytes) -> int:
    """Where whole records start after torn bytes on ``line`` (-1 if they do not)."""
    start = line.find(RECORD_START, 1)
    while start > 0 and _record(line[start:]) is None:
        start = line.find(RECORD_START, start + 1)
    return start if start > 0 else -1


def _fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _corrupt(journal: Path, number: int, total: int, line: bytes) -> JournalCorruptError:
    before = number - 1
    return JournalCorruptError(
        f"Study journal '{journal}' is corrupt at line {number} of {total}: "
        f"{_why_not(line)}; the line starts {line[:60]!r}. Only a torn last line "
        f"(or a torn record with records appended after it) is repaired "
        f"automatically; this line is neither, so the journal is left as it is. "
        f"See the line with: sed -n '{number}p' '{journal}'. To resume from the "
        f"{before} record(s) before it (what was recorded after them is lost): "
        f"mv '{journal}' '{journal}.corrupt' && head -n {before} "
        f"'{journal}.corrupt' > '{journal}' ; or correct line {number} by hand. "
        "Then run the same command again."
    )


@contextlib.contextmanager
def locked(lock: JournalFileOpenLock) -> Iterator[None]:
    """Hold Optuna's journal lock (the ``<journal>.lock`` file) in the block."""
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _append(journal: Path, data: bytes) -> None:
    """Append ``data`` to the journal and flush it to disk (short writes retried)."""
    descriptor = os.open(journal, os.O_WRONLY | os.O_APPEND)
    try:
        view = memoryview(data)
        while view:
            written = os.write(descriptor, view)
            view = view[written:]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _what(logs: list[dict[str, Any]]) -> str:
    log = logs[0] if logs else {}
    what = OPERATIONS.get(log.get("op_code"), "write a record")
    if "trial_id" in log:
        what += f" of trial id {log['trial_id']}"
        if log.get("op_code") == SET_TRIAL_STATE and log.get("state") is not None:
            what += f" to {TrialState(log['state']).name}"
    return what


class JournalFile(JournalFileBackend):
    """Optuna's journal file backend (same format, same ``JournalFileOpenLock``)
    that repairs a torn last line before appending and takes back a failed append.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.lock = JournalFileOpenLock(str(self.path))
        super().__init__(str(self.path), lock_obj=self.lock)

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        """Append ``logs`` as Optuna's backend does, after a whole last line."""
        data = "".join(
            json.dumps(log, separators=(",", ":")) + "\n" for log in logs
        ).encode("utf-8")
        with locked(self.lock):
            if _ends_torn(self.path):
                repair = repair_journal(
                    self.path, "before this worker's next write"
                )
                if repair is not None:
                    logger.warning("%s", repair.message)
            size = self.path.stat().st_size
            try:
                _append(self.path, data)
            except OSError as error:
                raise JournalWriteError(
                    _write_failure(self.path, logs, error, _undo(self.path, size)),
                    error,
                ) from error


def _ends_torn(journal: Path) -> bool:
    """Whether the journal's last byte is not a newline (a write was cut short)."""
    with journal.open("rb") as file:
        size = file.seek(0, os.SEEK_END)
        if size == 0:
            return False
        file.seek(size - 1)
        return file.read(1) != b"\n"


def _undo(journal: Path, size: int) -> bool:
    """Cut the journal back to ``size`` bytes (its last whole record); whether it
    worked (cutting back needs no free space)."""
    try:
        if journal.stat().st_size > size:
            os.truncate(journal, size)
        return True
    except OSError:
        return False


def _write_failure(
    journal: Path, logs: list[dict[str, Any]], error: OSError, undone: bool
) -> str:
    after = (
        "The journal was cut back to its last whole record."
        if undone
        else "The journal could not be cut back; the torn bytes are moved aside "
        "when the study is next opened."
    )
    return (
        f"Could not append to study journal '{journal}' ({_what(logs)}): "
        f"{error}. {after}"
    )


def open_journal(journal: Path | str) -> JournalStorage:
    """Optuna's ``JournalStorage`` on ``journal`` (created if absent), repaired
    first under the journal's lock if a write was cut short."""
    journal = Path(journal)
    journal.parent.mkdir(parents=True, exist_ok=True)
    backend = JournalFile(journal)
    with locked(backend.lock):
        repair = repair_journal(journal)
    if repair is not None:
        logger.warning("%s", repair.message)
    return JournalStorage(backend)
