"""MetricsHistoryDataset: every saved version of a versioned JSON, oldest first."""

from __future__ import annotations

import pytest
from kedro.io import DatasetError, Version
from kedro_datasets.json import JSONDataset

from dl_experiments.datasets import MetricsHistoryDataset

VERSIONS = [
    "2026-01-02T03.04.05.006Z",
    "2026-01-02T03.04.06.000Z",
    "2026-02-01T00.00.00.000Z",
]


def save_versions(path, contents):
    for version, content in zip(VERSIONS, contents, strict=False):
        JSONDataset(filepath=str(path), version=Version(None, version)).save(content)


def test_loads_every_version_the_versioned_json_dataset_saved(tmp_path):
    path = tmp_path / "metrics.json"
    save_versions(path, [{"model": {"accuracy": a}} for a in (0.5, 0.7, 0.6)])
    dataset = MetricsHistoryDataset(filepath=str(path))
    history = dataset.load()
    assert list(history) == VERSIONS
    assert [h["model"]["accuracy"] for h in history.values()] == [0.5, 0.7, 0.6]
    assert dataset.exists()


def test_no_saved_version_loads_as_empty(tmp_path):
    dataset = MetricsHistoryDataset(filepath=str(tmp_path / "metrics.json"))
    assert dataset.load() == {}
    assert not dataset.exists()


def test_a_folder_without_the_file_is_not_a_version(tmp_path):
    path = tmp_path / "metrics.json"
    save_versions(path, [{"a": 1}])
    (path / "2026-03-01T00.00.00.000Z").mkdir()  # e.g. a run that failed before saving
    assert list(MetricsHistoryDataset(filepath=str(path)).load()) == VERSIONS[:1]


def test_a_broken_version_is_named(tmp_path):
    path = tmp_path / "metrics.json"
    save_versions(path, [{"a": 1}])
    broken = path / "2026-03-01T00.00.00.000Z" / "metrics.json"
    broken.parent.mkdir()
    broken.write_text("{not json")
    with pytest.raises(DatasetError, match="2026-03-01T00.00.00.000Z.*not valid JSON"):
        MetricsHistoryDataset(filepath=str(path)).load()


def test_is_read_only(tmp_path):
    with pytest.raises(DatasetError, match="read-only"):
        MetricsHistoryDataset(filepath=str(tmp_path / "m.json")).save({"a": 1})
