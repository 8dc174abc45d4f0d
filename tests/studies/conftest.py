"""Helpers for study tests: run a study in a project copy, read what it left."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
import pandas as pd
import pytest

from tests.conftest import run_kedro

STUDY_NODE = "{name}_tune.run_study"


def latest(project: Path, relpath: str) -> Path:
    """The newest version of a versioned artifact (``<relpath>/<version>/<file>``)."""
    folder = project / relpath
    version = sorted(p.name for p in folder.iterdir())[-1]
    return folder / version / folder.name


def run_study(
    project: Path,
    experiment: str = "wildfire",
    tune: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    search_only: bool = True,
) -> None:
    """``kedro run --pipeline=<experiment>_tune --env=test`` in-process, with
    ``tune`` merged over the study's test configuration (only the search when
    ``search_only``)."""
    runtime = dict(params or {})
    if tune:
        runtime[f"{experiment}_tune"] = tune
    node_names = [STUDY_NODE.format(name=experiment)] if search_only else None
    run_kedro(
        project, f"{experiment}_tune", params=runtime or None, node_names=node_names
    )


def trials(project: Path, experiment: str = "wildfire") -> pd.DataFrame:
    """The latest trials table the study wrote."""
    return pd.read_csv(latest(project, f"data/08_reporting/{experiment}_tune/trials.csv"))


def best(project: Path, experiment: str = "wildfire") -> dict[str, Any]:
    """The latest best-parameters record."""
    path = latest(project, f"data/08_reporting/{experiment}_tune/best_params.json")
    return json.loads(path.read_text())


def load_study(project: Path, experiment: str = "wildfire") -> optuna.Study:
    """The study itself, from the journal file its storage folder holds."""
    record = best(project, experiment)
    return optuna.load_study(
        study_name=record["study_name"],
        storage=optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(record["storage"])
        ),
    )


@pytest.fixture(scope="session")
def tuned_wildfire(project_factory: Callable[[str], Path]) -> Path:
    """A project in which the whole ``wildfire_tune`` pipeline ran once (test env)."""
    project = project_factory("tuned_wildfire")
    run_study(project, search_only=False)
    return project
