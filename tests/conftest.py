"""Shared fixtures: throw-away copies of the project for end-to-end Kedro runs;
the tiers the tests fall in (``make test-fast`` runs the untiered ones)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Test tiers, the markers of pyproject.toml. A test gets them from the fixtures it
# uses (directly or through other fixtures) and the folder it lives in, so a new
# test falls in its tier by itself. Given by hand (``pytestmark`` or a decorator):
# ``e2e`` on any other test that runs a pipeline through training, ``cluster`` on
# a test that starts several cooperating processes.
MARKERS_BY_FIXTURE = {
    "browser": "browser",  # a real Chromium (tests/test_browser.py)
    "postgresql_url": "postgres",  # a real PostgreSQL server
    "trained_project": "e2e",  # session-long project copies trained once
    "trained_wildfire": "e2e",
    "project_factory": "e2e",
}
MARKERS_BY_FOLDER = {"benchmarks": "benchmark"}  # tests/<folder>/


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with the tiers its fixtures and its folder imply."""
    tests = PROJECT_ROOT / "tests"
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        wanted = {
            MARKERS_BY_FIXTURE[name] for name in fixtures & MARKERS_BY_FIXTURE.keys()
        }
        path = Path(item.path)
        if path.is_relative_to(tests):
            wanted |= {
                MARKERS_BY_FOLDER[part]
                for part in path.relative_to(tests).parts[:-1]
                if part in MARKERS_BY_FOLDER
            }
        present = {marker.name for marker in item.iter_markers()}
        for name in sorted(wanted - present):
            item.add_marker(name)


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


@pytest.fixture(scope="session")
def trained_wildfire(project_factory: Callable[[str], Path]) -> Path:
    """A project where the wildfire pipeline has run once in ``test``: read it, or
    take a ``wildfire_copy`` to change it. One training for every test that needs
    a finished wildfire run and not a run of its own."""
    root = project_factory("trained_wildfire")
    run_kedro(root, "wildfire")
    return root


@pytest.fixture
def wildfire_copy(trained_wildfire: Path, tmp_path: Path) -> Path:
    """A private copy of ``trained_wildfire`` (raw data stays a link)."""
    return Path(shutil.copytree(trained_wildfire, tmp_path / "project", symlinks=True))
