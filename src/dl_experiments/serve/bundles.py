"""Which run each experiment is served from, loaded once and swapped atomically.

A ``Bundle`` holds everything one request needs from one run: the artifacts
(model, preprocessor) loaded through the project's catalog (Keras safe mode, the
skops trusted list: loading never runs code from a file), their versions and the
run id. A request reads its experiment's bundle once and uses it to the end, so it
is answered by one model version, never a model of one run and a preprocessor of
another.

``ModelStore.refresh`` resolves each experiment's versions the way the predict
pipeline does (``resolve_versions``: the newest version written by a complete run,
``runs``), loads what changed and replaces the whole ``{experiment: bundle}``
mapping in one assignment. It is cheap when nothing changed: it only looks again
when the run records (``data/runs``) differ from the last look. A pinned run
(``--run wildfire=<run id>``) is loaded once and never replaced; a pinned run that
is running, failed or was killed is refused.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kedro.io import DatasetError

from dl_experiments.hooks.artifact_versions import resolve_versions
from dl_experiments.runs import RunRecordError, RunStore
from dl_experiments.serve.errors import ServeError
from dl_experiments.serve.experiments import Experiment

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bundle:
    """One run's artifacts of one experiment, ready to score."""

    run_id: str
    versions: dict[str, str]
    artifacts: dict[str, Any] = field(repr=False, compare=False)
    loaded_at: str
    pinned: bool = False
    lock: threading.Lock = field(
        default_factory=threading.Lock, repr=False, compare=False
    )

    def describe(self) -> dict[str, Any]:
        """Run id, versions and when they were loaded."""
        return {
            "status": "serving",
            "run_id": self.run_id,
            "versions": dict(self.versions),
            "pinned": self.pinned,
            "loaded_at": self.loaded_at,
        }


@dataclass(frozen=True)
class NotServed:
    """Why an experiment has nothing to serve (no complete run yet, or its files
    could not be loaded)."""

    reason: str

    def describe(self) -> dict[str, Any]:
        """The status and the reason."""
        return {"status": "not_trained", "reason": self.reason}


Served = Bundle | NotServed


class PinnedRunError(ValueError):
    """A pinned run that cannot be served (unknown, incomplete, or missing files)."""


class ModelStore:
    """The bundles being served, and how they are refreshed."""

    def __init__(
        self,
        project_path: Path,
        experiments: Mapping[str, Experiment],
        catalog_factory: Callable[[], Any],
        pinned: Mapping[str, str] | None = None,
    ) -> None:
        self.experiments = dict(experiments)
        self.pinned = dict(pinned or {})
        unknown = sorted(set(self.pinned) - set(self.experiments))
        if unknown:
            raise PinnedRunError(
                f"--run names unknown experiment(s) {unknown}; experiments with a "
                f"predict pipeline: {sorted(self.experiments)}"
            )
        self._runs = RunStore(project_path)
        self._catalog_factory = catalog_factory
        self._served: dict[str, Served] = {
            name: NotServed("not loaded yet") for name in self.experiments
        }
        self._refreshing = threading.Lock()
        self._seen: object = None

    def served(self, name: str) -> Served:
        """What ``name`` is served from now (one read of the current mapping)."""
        return self._served[name]

    def bundle(self, name: str) -> Bundle:
        """The bundle of ``name``; a 503 ``ServeError`` when it has none."""
        served = self._served[name]
        if isinstance(served, NotServed):
            raise ServeError(
                503, "not_trained", f"experiment '{name}': {served.reason}"
            )
        return served

    def describe(self) -> dict[str, Any]:
        """``{experiment: status}`` of every experiment."""
        served = self._served
        return {name: served[name].describe() for name in sorted(served)}

    def refresh(self, force: bool = False) -> list[str]:
        """Load newer complete runs; returns the experiments whose bundle changed.

        Without ``force`` it does nothing when the run records are as last seen.
        """
        with self._refreshing:
            seen = self._records_state()
            if not force and seen == self._seen:
                return []
            catalog = self._catalog_factory()
            current = self._served
            updated = dict(current)
            for name, experiment in self.experiments.items():
                if name in self.pinned and isinstance(current[name], Bundle):
                    continue
                updated[name] = self._resolve(experiment, catalog, current[name])
            changed = [name for name in updated if updated[name] != current[name]]
            self._served = updated  # the one assignment requests see
            self._seen = seen
        for name in changed:
            _log(name, updated[name])
        return changed

    def _records_state(self) -> object:
        folder = self._runs.folder
        if not folder.is_dir():
            return ()
        return tuple(
            sorted(
                (path.name, stat.st_mtime_ns, stat.st_size)
                for path in folder.glob("*.json")
                for stat in [path.stat()]
            )
        )

    def _resolve(self, experiment: Experiment, catalog: Any, current: Served) -> Served:
        name = experiment.name
        try:
            if name in self.pinned:
                versions = self._pinned_versions(experiment, self.pinned[name])
            else:
                versions = resolve_versions(
                    name, set(experiment.pipeline.inputs()), catalog
                )
        except DatasetError as error:
            if isinstance(current, Bundle):
                logger.warning(
                    "%s: %s; still serving run %s", name, error, current.run_id
                )
                return current
            logger.debug("%s: %s", name, error)
            return NotServed(
                f"not trained: no complete run has saved {list(experiment.artifacts)}; "
                f"run `kedro run --pipeline={name}` and the service picks it up"
            )
        if isinstance(current, Bundle) and current.versions == versions:
            return current
        try:
            artifacts = {
                item: catalog.load(item, version=versions[_short(name, item)])
                for item in experiment.artifacts
            }
        except Exception as error:  # noqa: BLE001 - any failure to load is reported
            message = f"{versions} could not be loaded: {error}"
            if name in self.pinned:
                raise PinnedRunError(f"{name}: {message}") from error
            logger.error("%s: %s", name, message)
            if isinstance(current, Bundle):
                return current
            return NotServed(f"not served: {message}")
        experiment.warm_up(artifacts, versions)
        return Bundle(
            run_id=max(versions.values()),
            versions=versions,
            artifacts=artifacts,
            loaded_at=datetime.now(UTC).isoformat(timespec="seconds"),
            pinned=name in self.pinned,
        )

    def _pinned_versions(self, experiment: Experiment, run_id: str) -> dict[str, str]:
        try:
            record = self._runs.read(run_id)
        except RunRecordError:
            record = None  # a version saved before run records existed
        if record is not None and not record.complete:
            raise PinnedRunError(
                f"{experiment.name}: run {run_id} is {record.status}"
                f"{' (a cluster worker)' if record.worker else ''}; only complete runs "
                "are served (python -m dl_experiments.runs list)"
            )
        return {_short(experiment.name, item): run_id for item in experiment.artifacts}


def _short(namespace: str, name: str) -> str:
    return name.removeprefix(f"{namespace}.")


def _log(name: str, served: Served) -> None:
    if isinstance(served, Bundle):
        logger.info(
            "%s: serving run %s%s (versions %s)",
            name,
            served.run_id,
            " (pinned)" if served.pinned else "",
            served.versions,
        )
    else:
        logger.warning("%s: %s; its routes answer 503", name, served.reason)
