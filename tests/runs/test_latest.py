"""Run records and "latest": unpinned loads resolve to complete runs only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kedro.io import DatasetError

from dl_experiments.datasets import MetricsHistoryDataset
from dl_experiments.hooks.run_records import is_cluster_worker
from dl_experiments.runs import RunRecord, RunRecordError, RunStore
from dl_experiments.runs.catalog import RunAwareDataCatalog

OLD, KILLED, FAILED = (
    "2026-01-01T00.00.00.000Z",
    "2026-01-02T00.00.00.000Z",
    "2026-01-03T00.00.00.000Z",
)


def _save_version(root: Path, name: str, version: str, value: object) -> None:
    folder = root / "data" / name / version
    folder.mkdir(parents=True)
    (folder / name).write_text(json.dumps(value))


def _catalog(root: Path, **kwargs) -> RunAwareDataCatalog:
    entry = {"type": "json.JSONDataset", "versioned": True}
    catalog = RunAwareDataCatalog.from_config(
        {
            "model": {**entry, "filepath": str(root / "data/model.json")},
            "preprocessor": {**entry, "filepath": str(root / "data/preprocessor.json")},
            "history": {
                "type": "dl_experiments.datasets.MetricsHistoryDataset",
                "filepath": str(root / "data/model.json"),
            },
        },
        **kwargs,
    )
    catalog.use_run_records(root)
    return catalog


@pytest.fixture
def runs(tmp_path: Path) -> RunStore:
    """A complete run, a killed one (still 'running') and a failed one."""
    store = RunStore(tmp_path)
    for version, status in ((OLD, "complete"), (KILLED, "running"), (FAILED, "failed")):
        store.write(RunRecord(run_id=version, status=status, experiments=["wildfire"]))
        _save_version(tmp_path, "model.json", version, f"model {version}")
    # the killed run got as far as its preprocessor; the complete run saved both
    for version in (OLD, KILLED):
        _save_version(tmp_path, "preprocessor.json", version, f"prep {version}")
    return store


def test_latest_is_the_newest_complete_run_as_one_set(runs: RunStore):
    catalog = _catalog(runs.project_path)
    assert catalog.load("model") == f"model {OLD}"
    assert catalog.load("preprocessor") == f"prep {OLD}"
    assert catalog.get("model").list_versions(full_path=False) == [OLD]
    assert list(catalog.load("history")) == [OLD]


def test_load_versions_still_pin_an_incomplete_run(runs: RunStore):
    catalog = _catalog(runs.project_path, load_versions={"model": KILLED})
    assert catalog.load("model") == f"model {KILLED}"
    assert catalog.load("model", version=FAILED) == f"model {FAILED}"
    assert catalog.load("preprocessor") == f"prep {OLD}"


def test_a_run_loads_what_it_saved_itself(runs: RunStore):
    """The running run's own versions are its own to load (reporting after training)."""
    catalog = _catalog(runs.project_path, save_version=KILLED)
    assert catalog.load("model") == f"model {KILLED}"


def test_a_run_completing_becomes_latest(runs: RunStore):
    catalog = _catalog(runs.project_path)
    assert catalog.load("model") == f"model {OLD}"
    record = runs.read(FAILED)
    record.status = "complete"
    runs.write(record)
    catalog = _catalog(runs.project_path)
    assert catalog.load("model") == f"model {FAILED}"


def test_versions_without_a_record_count_as_before(runs: RunStore):
    legacy = "2026-02-01T00.00.00.000Z"
    _save_version(runs.project_path, "model.json", legacy, "legacy")
    assert _catalog(runs.project_path).load("model") == "legacy"


def test_no_complete_version_is_a_clear_error(tmp_path: Path):
    store = RunStore(tmp_path)
    store.write(RunRecord(run_id=KILLED))
    _save_version(tmp_path, "model.json", KILLED, "half")
    with pytest.raises(DatasetError, match="Did not find any versions"):
        _catalog(tmp_path).load("model")


def test_a_cluster_workers_run_is_never_latest(runs: RunStore):
    worker = "2026-03-01T00.00.00.000Z"
    runs.write(RunRecord(run_id=worker, status="complete", worker=True))
    _save_version(runs.project_path, "model.json", worker, "worker's")
    assert _catalog(runs.project_path).load("model") == f"model {OLD}"


def test_metrics_history_without_records_lists_every_version(runs: RunStore):
    history = MetricsHistoryDataset(filepath=str(runs.project_path / "data/model.json"))
    assert list(history.load()) == [OLD, KILLED, FAILED]


@pytest.mark.parametrize(
    ("tf_config", "worker"),
    [
        (None, False),
        (
            {"cluster": {"worker": ["a", "b"]}, "task": {"type": "worker", "index": 0}},
            False,
        ),
        (
            {"cluster": {"worker": ["a", "b"]}, "task": {"type": "worker", "index": 1}},
            True,
        ),
        (
            {
                "cluster": {"chief": ["a"], "worker": ["b"]},
                "task": {"type": "worker", "index": 0},
            },
            True,
        ),
        (
            {
                "cluster": {"chief": ["a"], "worker": ["b"]},
                "task": {"type": "chief", "index": 0},
            },
            False,
        ),
    ],
)
def test_which_process_of_a_cluster_is_a_worker(tf_config, worker):
    environ = {"TF_CONFIG": json.dumps(tf_config)} if tf_config else {}
    assert is_cluster_worker(environ) is worker


def test_a_broken_record_names_its_file(tmp_path: Path):
    store = RunStore(tmp_path)
    store.folder.mkdir(parents=True)
    store.path(OLD).write_text("{not json")
    with pytest.raises(RunRecordError, match=str(store.path(OLD))):
        store.records()
