"""Helpers for the predict-pipeline tests: saved versions and scoring a given file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import yaml

from tests.conftest import run_kedro


def versions(project: Path, artifact: str) -> list[str]:
    """Saved version names of an artifact (a path under the project), oldest first."""
    return sorted(path.name for path in (project / artifact).iterdir())


def latest(project: Path, artifact: str) -> Path:
    """The file of an artifact's latest version."""
    folder = project / artifact / versions(project, artifact)[-1]
    return folder / Path(artifact).name


def use_catalog(project: Path, env: str, entries: dict[str, dict]) -> str:
    """A configuration environment ``env`` in ``project``: the ``test`` one plus
    catalog ``entries`` (paths relative to the project); returns its name."""
    folder = project / "conf" / env
    shutil.copytree(project / "conf" / "test", folder, dirs_exist_ok=True)
    (folder / "catalog_inputs_override.yml").write_text(yaml.safe_dump(entries))
    return env


def score_table(  # noqa: PLR0913 - what to score, where, and the run's options
    project: Path,
    pipeline: str,
    dataset: str,
    table: pd.DataFrame,
    env: str,
    **run_args,
) -> None:
    """Run ``pipeline`` on ``table``, written as a CSV, through a configuration
    environment ``env`` that points the catalog entry ``dataset`` at it."""
    (project / "inputs").mkdir(exist_ok=True)
    table.to_csv(project / "inputs" / f"{env}.csv", index=False)
    entry = {"type": "pandas.CSVDataset", "filepath": f"inputs/{env}.csv"}
    run_kedro(
        project, pipeline, env=use_catalog(project, env, {dataset: entry}), **run_args
    )
