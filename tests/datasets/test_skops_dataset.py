"""The fitted preprocessor is saved with skops: loading never runs code from the file."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
import yaml
from kedro.io import DataCatalog, DatasetError, Version

from dl_experiments.config.data import FeatureConfig
from dl_experiments.datasets import SkopsDataset, UnsafeArtifactError
from dl_experiments.preprocessing.tabular import fit_preprocessor, transform

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VERSION = "2026-01-01T00.00.00.000Z"


class WritesMarker:
    """Runs code when it is rebuilt: by pickle (``__reduce__``) or skops (``__setstate__``)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))

    def __setstate__(self, state: dict) -> None:
        Path(state["marker"]).write_text("ran")


def _catalog(tmp_path: Path) -> DataCatalog:
    """The project's own ``{namespace}.preprocessor`` entry, in ``tmp_path``."""
    entries = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog.yml").read_text())
    entry = dict(entries["{namespace}.preprocessor"])
    assert entry["type"] == "dl_experiments.datasets.SkopsDataset"
    entry["filepath"] = str(tmp_path / "preprocessor.skops")
    return DataCatalog.from_config(
        {"preprocessor": entry},
        load_versions={"preprocessor": VERSION},
        save_version=VERSION,
    )


def _table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "a": rng.normal(size=60),
            "b": rng.exponential(size=60),
            "c": ["x", "y", "z"] * 20,
        }
    )


@pytest.mark.parametrize(
    "features",
    [
        {"numeric": ["a", "b"], "categorical": ["c"], "log_transform": ["b"]},
        {"numeric": ["a", "b"], "categorical": ["c"], "clip_quantiles": [0.01, 0.99]},
        {"numeric": ["a", "b"], "categorical": ["c"], "scaler": "quantile"},
    ],
)
def test_the_fitted_preprocessor_round_trips(tmp_path: Path, features: dict):
    table = _table()
    fitted = fit_preprocessor(table, FeatureConfig(**features))
    catalog = _catalog(tmp_path)
    catalog.save("preprocessor", fitted)
    np.testing.assert_array_equal(
        transform(catalog.load("preprocessor"), table), transform(fitted, table)
    )


def _plant(tmp_path: Path, raw: bytes) -> Path:
    path = tmp_path / "preprocessor.skops" / VERSION / "preprocessor.skops"
    path.parent.mkdir(parents=True)
    path.write_bytes(raw)
    return path


def test_a_planted_pickle_payload_is_never_run(tmp_path: Path):
    marker = tmp_path / "marker"
    payload = pickle.dumps(WritesMarker(str(marker)))
    pickle.loads(payload)  # the control: unpickled, the payload runs
    assert marker.read_text() == "ran"
    marker.unlink()

    path = _plant(tmp_path, payload)
    with pytest.raises(DatasetError, match="is not a skops file") as error:
        _catalog(tmp_path).load("preprocessor")
    assert isinstance(error.value.__cause__, UnsafeArtifactError)
    assert str(path) in str(error.value)
    assert not marker.exists()


def test_a_skops_file_with_an_untrusted_type_is_refused(tmp_path: Path):
    marker = tmp_path / "marker"
    raw = sio.dumps({"scaler": WritesMarker(str(marker))})
    untrusted = f"{__name__}.WritesMarker"
    sio.loads(raw, trusted=[untrusted])  # the control: trusted, its code runs
    assert marker.read_text() == "ran"
    marker.unlink()

    path = _plant(tmp_path, raw)
    with pytest.raises(DatasetError, match="not trusted") as error:
        _catalog(tmp_path).load("preprocessor")
    assert isinstance(error.value.__cause__, UnsafeArtifactError)
    assert str(path) in str(error.value)
    assert untrusted in str(error.value)
    assert not marker.exists()


def test_a_damaged_skops_file_names_the_file(tmp_path: Path):
    raw = sio.dumps(
        fit_preprocessor(_table(), FeatureConfig(numeric=["a"], categorical=[]))
    )
    path = _plant(tmp_path, raw[: len(raw) // 2])
    with pytest.raises(UnsafeArtifactError, match="not a skops file") as error:
        SkopsDataset(
            filepath=str(tmp_path / "preprocessor.skops"),
            version=Version(VERSION, None),
        ).load()
    assert str(path) in str(error.value)
