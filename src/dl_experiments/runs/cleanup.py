"""Deleting old runs: keep the newest complete runs, marked runs and what they need.

A run is deleted as a unit: every version folder it wrote (named by its run id)
and its record. Kept are

- the newest ``keep`` complete runs of each experiment;
- every run marked ``keep`` (``python -m dl_experiments.runs keep <run id>``);
- every run a kept run loaded an artifact from (a ``--tags=reporting`` run needs
  the training run whose model it scored), and so on, transitively;
- incomplete runs (running, killed, failed, cluster workers) younger than
  ``incomplete_after``, and any whose process is still alive on this machine.

Everything else recorded goes. Versions without a record (saved before run records
existed) are listed and left alone. Only folders whose name is the run's id are
ever deleted.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from dl_experiments.runs.records import RunRecord, RunStore, now_utc


@dataclass
class CleanupPlan:
    """What ``clean`` keeps (with the reason) and deletes."""

    kept: dict[str, str] = field(default_factory=dict)
    removed: dict[str, str] = field(default_factory=dict)
    folders: dict[str, list[Path]] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)
    unrecorded: list[Path] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        """Bytes the deleted runs take on disk."""
        return sum(self.bytes.values())


def folder_size(path: Path) -> int:
    """Bytes of the files under ``path`` (a file or a folder)."""
    if path.is_file():
        return path.stat().st_size
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


def process_alive(record: RunRecord) -> bool:
    """Whether the run's process still runs on this machine."""
    if record.pid is None or record.host != socket.gethostname():
        return False
    try:
        os.kill(record.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_folders(record: RunRecord, store: RunStore) -> list[Path]:
    """The existing version folders of ``record`` (named by its run id)."""
    paths = {
        *record.outputs.values(),
        *(item["path"] for item in record.saved.values()),
    }
    folders = [store.absolute(path) for path in sorted(paths)]
    return [path for path in folders if path.name == record.run_id and path.exists()]


def plan_cleanup(  # noqa: PLR0912 - one rule per branch, in the docstring's order
    store: RunStore,
    keep: int,
    now: datetime | None = None,
    incomplete_after: timedelta = timedelta(days=1),
    alive: Callable[[RunRecord], bool] = process_alive,
) -> CleanupPlan:
    """Decide which runs to delete; nothing is touched."""
    if keep < 1:
        raise ValueError(
            f"keep={keep}; expected at least 1 complete run per experiment"
        )
    now = now or datetime.fromisoformat(now_utc())
    records = {record.run_id: record for record in store.records()}
    plan = CleanupPlan()
    newest = sorted(records.values(), key=lambda record: record.run_id, reverse=True)
    per_experiment: dict[str, int] = {}
    for record in newest:
        if not record.complete:
            continue
        for experiment in record.experiments or ["(none)"]:
            if per_experiment.get(experiment, 0) < keep:
                per_experiment[experiment] = per_experiment.get(experiment, 0) + 1
                plan.kept.setdefault(record.run_id, f"newest {keep} of {experiment}")
    for record in newest:
        if record.keep:
            plan.kept[record.run_id] = "marked keep"
        elif not record.complete and record.run_id not in plan.kept:
            if now - record.started() < incomplete_after:
                plan.kept[record.run_id] = (
                    f"{record.status}, younger than {incomplete_after}"
                )
            elif record.status == "running" and alive(record):
                plan.kept[record.run_id] = "still running on this machine"
    pending = list(plan.kept)
    while pending:
        needer = records[pending.pop()]
        for name, item in sorted(needer.loaded.items()):
            version = item["version"]
            if version in records and version not in plan.kept:
                plan.kept[version] = f"{name} needed by {needer.run_id}"
                pending.append(version)
    for record in newest:
        if record.run_id in plan.kept:
            continue
        plan.removed[record.run_id] = (
            "older complete run" if record.complete else f"{record.status}, incomplete"
        )
        plan.folders[record.run_id] = run_folders(record, store)
        plan.bytes[record.run_id] = (
            sum(folder_size(path) for path in plan.folders[record.run_id])
            + store.path(record.run_id).stat().st_size
        )
    plan.unrecorded = _unrecorded_versions(records.values(), store)
    return plan


def _unrecorded_versions(records, store: RunStore) -> list[Path]:
    """Version folders beside recorded ones that no record owns."""
    artifact_folders = {
        store.absolute(path).parent
        for record in records
        for path in record.outputs.values()
    }
    known = set(store.run_ids())
    return sorted(
        child
        for folder in artifact_folders
        if folder.is_dir()
        for child in folder.iterdir()
        if child.is_dir() and child.name not in known
    )


def apply_cleanup(plan: CleanupPlan, store: RunStore) -> int:
    """Delete the planned runs' folders and records; the bytes freed."""
    freed = 0
    for run_id, folders in plan.folders.items():
        for folder in folders:
            if folder.name != run_id:  # never anything but the run's own version
                continue
            freed += folder_size(folder)
            if folder.is_dir():
                shutil.rmtree(folder)
            else:
                folder.unlink()
        freed += store.path(run_id).stat().st_size
        store.delete(run_id)
    return freed
