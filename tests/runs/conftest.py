"""Fixtures for the run tests: a trained project to copy, and a full disk."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fsspec.implementations.local import LocalFileOpener

from tests.helpers import trained_copy


@pytest.fixture(scope="session")
def trained_wildfire(project_factory: Callable[[str], Path]) -> Path:
    """A project where the wildfire pipeline has run once in ``test``; copy to change."""
    return trained_copy(project_factory, "runs_wildfire", "wildfire")


@pytest.fixture
def wildfire_copy(trained_wildfire: Path, tmp_path: Path) -> Path:
    """A private copy of ``trained_wildfire`` (raw data stays a link)."""
    return Path(shutil.copytree(trained_wildfire, tmp_path / "project", symlinks=True))


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """Make the disk full for files whose path holds ``marker``: as on a real full
    disk, the first ``room`` bytes of a file land, then a write fails with
    ``ENOSPC``. Returns the paths that hit it. (Kedro's file datasets write through
    fsspec's local file objects.)"""
    original = LocalFileOpener.write

    def arm(marker: str, room: int = 64) -> list[str]:
        hits: list[str] = []
        written: dict[int, int] = {}

        def write(self: LocalFileOpener, data, *args, **kwargs):
            if marker not in str(self.path):
                return original(self, data, *args, **kwargs)
            used = written.get(id(self), 0)
            if used + len(data) <= room:
                written[id(self)] = used + len(data)
                return original(self, data, *args, **kwargs)
            original(self, data[: max(room - used, 0)])
            written[id(self)] = room
            hits.append(str(self.path))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(LocalFileOpener, "write", write)
        return hits

    return arm
