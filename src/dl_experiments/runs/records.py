"""The run record: one JSON file per Kedro run, saying whether the run is complete.

``data/runs/<run id>.json``, where the run id is the run's save version (the folder
name of every versioned artifact it writes). Written ``running`` before the first
node, updated after each versioned save, closed ``complete`` or ``failed``. A run
killed from outside (SIGKILL, the OOM killer) never closes its record, so it stays
``running``: incomplete. Only complete runs' versions count as "latest".

Fields: ``run_id``, ``status``, ``started_at``, ``finished_at``, ``pipelines``,
``experiments`` (top-level namespaces), ``env``, ``tags``, ``parameters_hash``,
``git_commit``, ``load_versions`` (pinned with ``--load-versions``), ``loaded``
and ``saved`` (``{dataset: {"version": ..., "path": ...}}``), ``outputs`` (the
version folder of every versioned output the run may write), ``keep``, ``host``,
``pid``, ``worker`` (``true`` for a non-chief worker of a TensorFlow cluster) and
``error``. Paths are relative to the project root.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

RUNS_FOLDER = Path("data") / "runs"

Status = Literal["running", "complete", "failed"]


class RunRecordError(ValueError):
    """A run record file cannot be read, or a run id is unknown."""


def now_utc() -> str:
    """The current time as an ISO 8601 string in UTC."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class RunRecord:
    """What one Kedro run did, and whether it finished."""

    run_id: str
    status: Status = "running"
    started_at: str = field(default_factory=now_utc)
    finished_at: str | None = None
    pipelines: list[str] = field(default_factory=list)
    experiments: list[str] = field(default_factory=list)
    env: str | None = None
    tags: list[str] = field(default_factory=list)
    parameters_hash: str | None = None
    git_commit: str | None = None
    load_versions: dict[str, str] = field(default_factory=dict)
    loaded: dict[str, dict[str, str]] = field(default_factory=dict)
    saved: dict[str, dict[str, str]] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    keep: bool = False
    host: str | None = None
    pid: int | None = None
    worker: bool = False
    error: str | None = None

    @property
    def complete(self) -> bool:
        """A finished run whose versions are a run's result (not a cluster worker's)."""
        return self.status == "complete" and not self.worker

    def started(self) -> datetime:
        """``started_at`` as an aware datetime."""
        return datetime.fromisoformat(self.started_at)

    def to_json(self) -> str:
        """The record as indented JSON."""
        return json.dumps(asdict(self), indent=2, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str) -> RunRecord:
        """Parse a record; errors name ``source``."""
        try:
            data = json.loads(text)
            return cls(**data)
        except (json.JSONDecodeError, TypeError) as exc:
            raise RunRecordError(
                f"run record '{source}' is not a valid record ({exc}); expected the "
                "JSON a run wrote"
            ) from None


class RunStore:
    """The run records of one project: ``<project>/data/runs/*.json``."""

    def __init__(self, project_path: Path | str) -> None:
        self.project_path = Path(project_path)
        self.folder = self.project_path / RUNS_FOLDER

    def path(self, run_id: str) -> Path:
        """The record file of ``run_id``."""
        return self.folder / f"{run_id}.json"

    def write(self, record: RunRecord) -> None:
        """Write ``record`` atomically (a reader never sees half a file).

        A write that fails (a full disk) leaves the previous record as it was and
        no temporary file; the ``OSError`` names the record.
        """
        target = self.path(record.run_id)
        temporary = target.with_name(
            f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp"
        )
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary.write_text(record.to_json(), encoding="utf-8")
            os.replace(temporary, target)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise OSError(
                error.errno, f"could not write run record '{target}': {error.strerror}"
            ) from error

    def read(self, run_id: str) -> RunRecord:
        """The record of ``run_id``; ``RunRecordError`` when there is none."""
        path = self.path(run_id)
        if not path.is_file():
            raise RunRecordError(
                f"no run record '{path}'; known runs: {self.run_ids() or 'none'}"
            )
        return RunRecord.from_json(path.read_text(encoding="utf-8"), str(path))

    def run_ids(self) -> list[str]:
        """Every recorded run id, oldest first."""
        if not self.folder.is_dir():
            return []
        return sorted(path.stem for path in self.folder.glob("*.json"))

    def records(self) -> list[RunRecord]:
        """Every record, oldest first."""
        return [self.read(run_id) for run_id in self.run_ids()]

    def delete(self, run_id: str) -> None:
        """Remove the record of ``run_id``."""
        self.path(run_id).unlink(missing_ok=True)

    def relative(self, path: Path | str) -> str:
        """``path`` relative to the project root when it lies inside it."""
        resolved = Path(path)
        try:
            return resolved.relative_to(self.project_path).as_posix()
        except ValueError:
            return resolved.as_posix()

    def absolute(self, path: str) -> Path:
        """A recorded path as an absolute path."""
        return self.project_path / path


def incomplete_versions(
    records: Iterable[RunRecord], current: str | None = None
) -> set[str]:
    """The run ids whose versions must not be loaded as "latest".

    Every recorded run that is not complete (still running, killed, failed) or
    that is a non-chief cluster worker, except ``current``: a run may load what it
    saved itself. Versions without a record (written before records existed, or
    outside a Kedro session) are not excluded.
    """
    return {
        record.run_id
        for record in records
        if not record.complete and record.run_id != current
    }
