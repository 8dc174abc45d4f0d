"""A user's own sensor CSV works through configuration alone."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import run_kedro
from tests.helpers import version_files

pytestmark = pytest.mark.e2e


def write_station_csv(path, rows: int = 160, seed: int = 3) -> pd.DataFrame:
    """Readings from weather stations, ';'-separated, with a text label column."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "station": rng.choice(["north", "south", "ridge"], rows),
            "temperature_c": rng.normal(22, 6, rows).round(1),
            "humidity_pct": rng.uniform(10, 95, rows).round(0),
            "wind_kmh": rng.gamma(2, 5, rows).round(1),
            "rain_mm": rng.exponential(0.5, rows).round(2),
        }
    )
    dryness = frame["temperature_c"] / 10 - frame["humidity_pct"] / 30
    frame["status"] = np.where(dryness + rng.normal(0, 0.5, rows) > 0, "fire", "no fire")
    frame.to_csv(path, sep=";", index=False)
    return frame


def configure_for(project, csv_path) -> None:
    """Point the catalog at the CSV and describe it in parameters: no code."""
    catalog = {
        "wildfire.sensor_readings": {
            "type": "pandas.CSVDataset",
            "filepath": str(csv_path),
            "load_args": {"sep": ";"},
            "metadata": {"kedro-viz": {"layer": "raw"}},
        }
    }
    (project / "conf/base/catalog_wildfire.yml").write_text(yaml.safe_dump(catalog))
    path = project / "conf/base/parameters_wildfire.yml"
    params = yaml.safe_load(path.read_text())
    params["wildfire"]["data"]["schema"] = {
        "min_rows": 50,
        "columns": {
            "station": {"type": "categorical", "allowed": ["north", "south", "ridge"]},
            "temperature_c": {"min": -40, "max": 60},
            "humidity_pct": {"min": 0, "max": 100},
            "wind_kmh": {"min": 0},
            "rain_mm": {"min": 0},
            "status": {"type": "categorical", "allowed": ["fire", "no fire"]},
        },
    }
    params["wildfire"]["target"] = {
        "column": "status",
        "task": "binary",
        "positive_value": "fire",
        "class_names": ["no fire", "fire"],
    }
    params["wildfire"]["features"] = {
        "numeric": ["temperature_c", "humidity_pct", "wind_kmh", "rain_mm"],
        "categorical": ["station"],
        "log_transform": ["rain_mm"],
    }
    path.write_text(yaml.safe_dump(params))


def test_own_sensor_csv_with_text_labels_runs_end_to_end(project, tmp_path):
    frame = write_station_csv(tmp_path / "stations.csv")
    configure_for(project, tmp_path / "stations.csv")

    run_kedro(project, "wildfire")

    (metrics_path,) = version_files(project, "data/08_reporting/wildfire/metrics.json")
    metrics = json.loads(metrics_path.read_text())
    model = metrics["model"]
    assert model["positive_class"] == "fire"
    assert set(model["per_class"]) == {"no fire", "fire"}
    test_rows = int(np.ceil(len(frame) * 0.2))
    assert model["n_samples"] == test_rows
    fires = (frame["status"] == "fire").sum()
    assert metrics["cross_validation"]["n_rows"] == len(frame)
    assert sum(v["count"] for v in model["class_balance"].values()) == test_rows
    assert 0 < fires < len(frame)
    (model_input,) = version_files(project, "data/04_feature/wildfire/model_input.parquet")
    columns = set(pd.read_parquet(model_input).columns)
    assert columns == {"temperature_c", "humidity_pct", "wind_kmh", "rain_mm", "station", "target"}
