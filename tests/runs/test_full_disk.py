"""A save that fails for lack of space: the run fails, nothing half-written can be
loaded, the last complete run stays "latest", and the error names the dataset and
the path. The disk is made full for one file (``full_disk``): its first bytes land,
then the write fails with ``ENOSPC``, as on a real full disk."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.io import DatasetError, Version
from kedro_datasets.json import JSONDataset
from kedro_datasets.pandas import CSVDataset

from dl_experiments.runs import RunRecord, RunStore
from dl_experiments.runs.catalog import DatasetSaveError, RunAwareDataCatalog
from tests.conftest import run_kedro
from tests.helpers import snapshot, versions

V1, V2 = "2026-01-01T00.00.00.000Z", "2026-01-02T00.00.00.000Z"


def versioned_catalog(root: Path, run_id: str) -> RunAwareDataCatalog:
    dataset = JSONDataset(
        filepath=str(root / "data" / "metrics.json"), version=Version(None, run_id)
    )
    catalog = RunAwareDataCatalog({"metrics": dataset}, save_version=run_id)
    catalog.use_run_records(root)
    return catalog


def test_a_failed_versioned_save_keeps_the_last_complete_version(tmp_path, full_disk):
    store = RunStore(tmp_path)
    store.write(RunRecord(run_id=V1, status="complete"))
    versioned_catalog(tmp_path, V1).save("metrics", {"auc": 0.75})
    store.write(RunRecord(run_id=V2))  # the run now under way
    catalog = versioned_catalog(tmp_path, V2)
    hits = full_disk("metrics.json/")

    with pytest.raises(DatasetSaveError) as raised:
        catalog.save("metrics", {"auc": 0.5, "padding": "x" * 500})
    assert hits == [str(tmp_path / "data/metrics.json" / V2 / "metrics.json")]
    assert str(raised.value) == (
        f"Could not save 'metrics' to 'data/metrics.json/{V2}/metrics.json': "
        "[Errno 28] No space left on device. What it had written "
        f"(data/metrics.json/{V2}) was removed, so no later load can pick up a "
        f"half-written file. The latest version of 'metrics' stays {V1} (the last "
        "complete run's). Free space on that disk and run again."
    )
    assert isinstance(raised.value, DatasetError)  # Kedro's kind of error, still
    assert versions(tmp_path, "data/metrics.json") == [V1]
    assert catalog.load("metrics") == {"auc": 0.75}


def test_a_failed_save_of_an_unversioned_file_leaves_no_half_file(tmp_path, full_disk):
    path = tmp_path / "table.csv"
    catalog = RunAwareDataCatalog({"table": CSVDataset(filepath=str(path))})
    catalog.save("table", pd.DataFrame({"a": [1, 2]}))
    full_disk("table.csv", room=3)

    with pytest.raises(DatasetSaveError) as raised:
        catalog.save("table", pd.DataFrame({"a": range(1000)}))
    message = str(raised.value)
    assert message.startswith(
        f"Could not save 'table' to '{path}': [Errno 28] No space left on device. "
        f"What it had written ({path}) was removed"
    )
    assert not path.exists()  # not three bytes of a table for the next load


class CheckedCSVDataset(CSVDataset):
    """A CSV dataset that refuses an empty table before it opens its file."""

    def save(self, data: pd.DataFrame) -> None:
        if data.empty:
            raise ValueError("an empty table")
        super().save(data)


def test_a_save_that_fails_before_writing_leaves_the_file_alone(tmp_path):
    path = tmp_path / "table.csv"
    catalog = RunAwareDataCatalog({"table": CheckedCSVDataset(filepath=str(path))})
    catalog.save("table", pd.DataFrame({"a": [1, 2]}))
    before = path.read_bytes()
    with pytest.raises(DatasetError, match="an empty table") as raised:
        catalog.save("table", pd.DataFrame({"a": []}))
    assert not isinstance(raised.value, DatasetSaveError)
    assert path.read_bytes() == before


def test_a_save_that_fails_after_emptying_its_file_removes_it(tmp_path):
    path = tmp_path / "table.csv"
    catalog = RunAwareDataCatalog({"table": CSVDataset(filepath=str(path))})
    catalog.save("table", pd.DataFrame({"a": [1, 2]}))
    with pytest.raises(DatasetError) as raised:
        catalog.save("table", object())  # the file is opened (emptied), then fails
    assert not isinstance(raised.value, DatasetSaveError)  # not the system's fault
    assert not path.exists()


def test_a_run_record_that_cannot_be_written_stays_as_it_was(tmp_path, monkeypatch):
    store = RunStore(tmp_path)
    store.write(RunRecord(run_id=V1))
    before = store.path(V1).read_text()
    original = Path.write_text

    def full(self: Path, text: str, *args, **kwargs):
        original(self, text[:10], *args, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OSError, match=f"could not write run record '{store.path(V1)}'"):
        store.write(RunRecord(run_id=V1, status="complete"))
    monkeypatch.undo()
    assert store.path(V1).read_text() == before
    assert sorted(p.name for p in store.folder.iterdir()) == [f"{V1}.json"]


@pytest.mark.e2e
def test_a_full_disk_mid_run_fails_the_run_and_keeps_the_last_one(
    wildfire_copy: Path, full_disk
):
    project = wildfire_copy
    store = RunStore(project)
    (complete,) = store.run_ids()
    before = snapshot(project)
    hits = full_disk("metrics.json/")

    with pytest.raises(DatasetSaveError) as raised:
        run_kedro(project, "wildfire")
    (failed,) = sorted(set(store.run_ids()) - {complete})
    assert len(hits) == 1
    message = str(raised.value)
    assert message.startswith(
        f"Could not save 'wildfire.metrics' to 'data/08_reporting/wildfire/"
        f"metrics.json/{failed}/metrics.json': [Errno 28] No space left on device."
    )
    assert f"The latest version of 'wildfire.metrics' stays {complete}" in message
    record = store.read(failed)
    assert record.status == "failed"
    assert record.error.startswith("DatasetSaveError: Could not save 'wildfire.metrics'")
    # Everything the failed run wrote is gone; the complete run's files are intact.
    assert snapshot(project) == before
    bootstrap_project(project)
    with KedroSession.create(project_path=project, env="test") as session:
        catalog = session.load_context().catalog
        loaded = catalog.load("wildfire.metrics")
    saved = project / "data/08_reporting/wildfire/metrics.json" / complete
    assert loaded == json.loads((saved / "metrics.json").read_text())
