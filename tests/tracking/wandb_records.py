"""Read an offline W&B run back from its files, without W&B's servers (for the tests).

An offline run is a folder ``wandb/offline-run-<time>-<id>/`` holding
``run-<id>.wandb``: a log of W&B's own protobuf ``Record`` messages (config,
history rows, summary updates, files, the exit code) in the LevelDB log framing
W&B uses: a 7-byte file header, then 32 KiB blocks of chunks, each with a CRC-32,
a length and a type (full, first, middle, last). :func:`read_offline_run` replays
that log into plain dicts, so a run can be checked or compared before (or instead
of) ``wandb sync``.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wandb.proto import wandb_internal_pb2

FILE_HEADER = struct.Struct("<4sHB")  # ident, magic, version
FILE_IDENT, FILE_MAGIC = b":W&B", 0xBEE1
CHUNK_HEADER = struct.Struct("<IHB")  # CRC-32, length, type
BLOCK_SIZE = 32 * 1024
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


class OfflineRunError(ValueError):
    """A ``.wandb`` file that is not a readable W&B run log."""


@dataclass
class OfflineRun:
    """What a run logged, replayed from its ``.wandb`` file."""

    path: Path
    run_id: str = ""
    name: str = ""
    group: str = ""
    job_type: str = ""
    project: str = ""
    tags: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    artifacts: list[dict[str, str]] = field(default_factory=list)
    exit_code: int | None = None

    @property
    def finished(self) -> bool:
        """Whether the run was closed (it wrote its exit record)."""
        return self.exit_code is not None

    def curve(self, key: str) -> list[Any]:
        """Every logged value of ``key`` (``epoch/loss``, ...), in logging order."""
        return [row[key] for row in self.history if key in row]


def iter_records(path: Path | str) -> Iterator[wandb_internal_pb2.Record]:
    """The W&B ``Record`` messages of a ``.wandb`` file, in order.

    Raises:
        OfflineRunError: when the header, a checksum or the framing is wrong.
    """
    path = Path(path)
    data = path.read_bytes()
    if len(data) < FILE_HEADER.size:
        raise OfflineRunError(f"{path}: {len(data)} bytes, too short for a W&B run log")
    ident, magic, _version = FILE_HEADER.unpack_from(data)
    if ident != FILE_IDENT or magic != FILE_MAGIC:
        raise OfflineRunError(
            f"{path}: header {ident!r}/{magic:#x}, expected {FILE_IDENT!r}/{FILE_MAGIC:#x}"
        )
    for payload in _chunks(data, path):
        record = wandb_internal_pb2.Record()
        record.ParseFromString(payload)
        yield record


def _chunks(data: bytes, path: Path) -> Iterator[bytes]:
    position, pending = FILE_HEADER.size, b""
    while position + CHUNK_HEADER.size <= len(data):
        left_in_block = BLOCK_SIZE - position % BLOCK_SIZE
        if left_in_block < CHUNK_HEADER.size:  # block trailer: zero padding
            position += left_in_block
            continue
        checksum, length, kind = CHUNK_HEADER.unpack_from(data, position)
        if (checksum, length, kind) == (0, 0, 0):  # unused rest of a block
            position += left_in_block
            continue
        start = position + CHUNK_HEADER.size
        payload = data[start : start + length]
        if len(payload) < length:
            return  # the run is still being written: the last chunk is incomplete
        if zlib.crc32(payload, zlib.crc32(bytes([kind]))) != checksum:
            raise OfflineRunError(f"{path}: checksum mismatch at byte {position}")
        position = start + length
        if kind == FULL:
            yield payload
        elif kind == FIRST:
            pending = payload
        elif kind == MIDDLE:
            pending += payload
        elif kind == LAST:
            yield pending + payload
            pending = b""
        else:
            raise OfflineRunError(f"{path}: unknown chunk type {kind} at byte {position}")


def _set(tree: dict[str, Any], item: Any) -> None:
    keys = list(item.nested_key) or [item.key]
    node = tree
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[keys[-1]] = json.loads(item.value_json)


def _remove(tree: dict[str, Any], item: Any) -> None:
    keys = list(item.nested_key) or [item.key]
    node = tree
    for key in keys[:-1]:
        node = node.get(key, {})
    if isinstance(node, dict):
        node.pop(keys[-1], None)


def _apply_run(run: OfflineRun, record: Any) -> None:
    info = record.run
    run.run_id, run.name, run.group = info.run_id, info.display_name, info.run_group
    run.job_type, run.project, run.tags = info.job_type, info.project, list(info.tags)
    for item in info.config.update:
        _set(run.config, item)


def _apply_config(run: OfflineRun, record: Any) -> None:
    for item in record.config.update:
        _set(run.config, item)
    for item in record.config.remove:
        _remove(run.config, item)


def _apply_summary(run: OfflineRun, record: Any) -> None:
    for item in record.summary.update:
        _set(run.summary, item)
    for item in record.summary.remove:
        _remove(run.summary, item)


def _apply_history(run: OfflineRun, record: Any) -> None:
    row: dict[str, Any] = {}
    for item in record.history.item:
        _set(row, item)
    run.history.append(row)


def _apply_files(run: OfflineRun, record: Any) -> None:
    run.files.extend(file.path for file in record.files.files)


def _apply_artifact(run: OfflineRun, record: Any) -> None:
    run.artifacts.append({"name": record.artifact.name, "type": record.artifact.type})


def _apply_exit(run: OfflineRun, record: Any) -> None:
    run.exit_code = record.exit.exit_code


_APPLY = {
    "run": _apply_run,
    "config": _apply_config,
    "summary": _apply_summary,
    "history": _apply_history,
    "files": _apply_files,
    "artifact": _apply_artifact,
    "exit": _apply_exit,
}


def read_offline_run(run_dir: Path | str) -> OfflineRun:
    """Replay the ``.wandb`` file in ``run_dir`` into an :class:`OfflineRun`."""
    run_dir = Path(run_dir)
    logs = sorted(run_dir.glob("*.wandb"))
    if not logs:
        raise OfflineRunError(f"{run_dir}: no .wandb file, not a W&B run folder")
    run = OfflineRun(path=run_dir)
    for record in iter_records(logs[0]):
        apply = _APPLY.get(record.WhichOneof("record_type") or "")
        if apply is not None:
            apply(run, record)
    return run


def find_offline_runs(root: Path | str) -> list[Path]:
    """The offline run folders under ``root`` (a ``wandb/`` folder), oldest first."""
    return sorted(path.parent for path in Path(root).glob("offline-run-*/*.wandb"))
