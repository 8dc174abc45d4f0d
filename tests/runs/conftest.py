"""Fixtures for the run tests: a full disk (the trained project to copy,
``wildfire_copy``, is in tests/conftest.py)."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable

import pytest
from fsspec.implementations.local import LocalFileOpener


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
