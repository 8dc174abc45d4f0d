"""Where a study lives, and what a user reads when writing there fails.

A journal file under ``data/10_studies/`` by default (``studies.journal``: checked
and, after a torn write, repaired before Optuna reads it), ``journal:///<path>``
for another file, or an RDB URL (``sqlite:///...``, ``postgresql://...``) with
heartbeats so that the trials of a killed worker are marked failed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import optuna

from dl_experiments.studies.journal import JournalWriteError, open_journal

JOURNAL_SCHEME = "journal://"


class StudyStorageError(RuntimeError):
    """Writing to a study's storage failed in the middle of a study."""


def journal_path(url: str | None, folder: str, study_name: str) -> Path | None:
    """The journal file of a study, or None when it lives in a database."""
    if url is None:
        return Path(folder) / f"{study_name}.journal"
    if url.startswith(JOURNAL_SCHEME):
        return Path(url[len(JOURNAL_SCHEME) :])
    return None


def make_storage(url: str | None, folder: str, study_name: str) -> Any:
    """The study's storage: a journal file ``<folder>/<study_name>.journal`` by
    default (safe for several processes on one machine), ``journal:///<path>`` for
    another file, or an RDB URL with heartbeats."""
    journal = journal_path(url, folder, study_name)
    if journal is not None:
        return open_journal(journal)
    return optuna.storages.RDBStorage(url, heartbeat_interval=30, grace_period=120)


def storage_label(url: str | None, folder: str, study_name: str) -> str:
    """Where the study lives, for reports: a path, or the URL without its password."""
    if url is None:
        return str(Path(folder) / f"{study_name}.journal")
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


def storage_failure(error: BaseException) -> BaseException | None:
    """The failed storage write behind ``error`` (its causes and contexts
    included), or None. Optuna may report such a failure as another exception
    raised while it handles it (an ``AssertionError`` after a failed ``tell``)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(
            current, JournalWriteError | optuna.exceptions.StorageInternalError
        ):
            return current
        current = current.__cause__ or current.__context__
    return None


def _root(error: BaseException) -> str:
    """The innermost cause's message (the OS's or the database server's)."""
    while error.__cause__ is not None:
        error = error.__cause__
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


@contextlib.contextmanager
def storage_errors(
    study_name: str, label: str, current_trial: Callable[[], int | None]
) -> Iterator[None]:
    """Turn a failed storage write inside the block into ``StudyStorageError``,
    naming the study, the storage, the trial under way and what to do."""
    try:
        yield
    except Exception as error:
        failure = storage_failure(error)
        if failure is None:
            raise
        trial = current_trial()
        during = f" while trial {trial} was running" if trial is not None else ""
        detail = (
            str(failure).rstrip(".")
            if isinstance(failure, JournalWriteError)
            else f"{type(failure).__name__}: {_root(failure)}"
        )
        consequence = (
            f" Trial {trial} is not recorded as finished, so it does not count: "
            "it is marked failed and another trial takes its place when the study "
            "resumes."
            if trial is not None
            else ""
        )
        raise StudyStorageError(
            f"Study '{study_name}' could not write to its storage {label}{during}: "
            f"{detail}.{consequence} Free space (or repair the database) and run "
            "the same command again; the study resumes with every finished trial."
        ) from failure  # Optuna's own error while handling it adds nothing
