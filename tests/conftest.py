"""Shared fixtures: throw-away copies of the project for end-to-end Kedro runs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def make_project(root: Path) -> Path:
    """A copy of the project's configuration in ``root`` that reads the real raw data.

    Runs write their data/ there, so tests never touch the working tree's results.
    """
    root.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", ".telemetry"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    shutil.copytree(
        PROJECT_ROOT / "conf", root / "conf", ignore=shutil.ignore_patterns("local")
    )
    (root / "conf" / "local").mkdir()
    (root / "src").mkdir()  # Kedro wants it; the package itself is installed
    (root / "logs").mkdir()  # conf/logging.yml's file handler writes logs/info.log
    data = root / "data"
    data.mkdir()
    for entry in (PROJECT_ROOT / "data").iterdir():
        if entry.name == "01_raw" or entry.name.startswith("09_"):
            (data / entry.name).symlink_to(entry)
    notebooks = PROJECT_ROOT / "notebooks"
    if notebooks.exists():
        shutil.copytree(notebooks, root / "notebooks")
    return root


def run_kedro(
    project: Path,
    pipeline: str | None = None,
    env: str = "test",
    params: dict[str, Any] | None = None,
    **run_args: Any,
) -> dict[str, Any]:
    """Run a pipeline in ``project`` in-process, the way ``kedro run`` does."""
    bootstrap_project(project)
    with KedroSession.create(
        project_path=project, env=env, runtime_params=params
    ) as session:
        return session.run(pipeline_name=pipeline, **run_args)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh project copy for one test."""
    return make_project(tmp_path / "project")


@pytest.fixture(scope="session")
def project_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Make named project copies that live for the whole test session."""

    def factory(name: str) -> Path:
        return make_project(tmp_path_factory.mktemp(name) / "project")

    return factory


@pytest.fixture(scope="session")
def trained_project(project_factory: Callable[[str], Path]) -> Path:
    """One project in which every experiment pipeline has run once in ``test``.

    Shared by the tests that need finished runs (notebooks, reports, predictions,
    comparisons), so the suite trains each experiment once.
    """
    root = project_factory("trained")
    run_kedro(root)
    return root
