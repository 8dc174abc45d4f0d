"""A user's own data, described entirely in a conf/<env> of its own, conf/base untouched.

Each test writes its data, points the catalog at it and describes it in
``conf/own_data/``: the shipped schema must not blend into the new one (the
``_replace`` lists of ``dl_experiments.config_loader``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from dl_experiments.datasets import IDXDataset
from tests.conftest import run_kedro
from tests.helpers import conf_digest

pytestmark = pytest.mark.e2e

ENV = "own_data"


def write_env(project: Path, files: dict[str, dict]) -> None:
    """conf/own_data/ with the given YAML files and W&B off (as in conf/test)."""
    env = project / "conf" / ENV
    env.mkdir()
    shutil.copy(project / "conf/test/wandb.yml", env / "wandb.yml")
    for name, content in files.items():
        (env / name).write_text(yaml.safe_dump(content, sort_keys=False))


def only_version(project: Path, path: str) -> Path:
    (found,) = (project / path).glob("*/*")
    return found


def write_station_csv(path: Path, rows: int = 160, seed: int = 3) -> pd.DataFrame:
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
    frame["status"] = np.where(
        dryness + rng.normal(0, 0.5, rows) > 0, "fire", "no fire"
    )
    frame.to_csv(path, sep=";", index=False)
    return frame


def test_own_sensor_csv_with_text_labels(project, tmp_path):
    frame = write_station_csv(tmp_path / "stations.csv")
    base = conf_digest(project)
    write_env(
        project,
        {
            "catalog_wildfire.yml": {
                "wildfire.sensor_readings": {
                    "type": "pandas.CSVDataset",
                    "filepath": str(tmp_path / "stations.csv"),
                    "load_args": {"sep": ";"},
                }
            },
            "parameters_wildfire.yml": {
                "wildfire": {
                    "_replace": ["data", "target", "features"],
                    "data": {
                        "schema": {
                            "min_rows": 50,
                            "columns": {
                                "station": {
                                    "type": "categorical",
                                    "allowed": ["north", "south", "ridge"],
                                },
                                "temperature_c": {"min": -40, "max": 60},
                                "humidity_pct": {"min": 0, "max": 100},
                                "wind_kmh": {"min": 0},
                                "rain_mm": {"min": 0},
                                "status": {
                                    "type": "categorical",
                                    "allowed": ["fire", "no fire"],
                                },
                            },
                        }
                    },
                    "target": {
                        "column": "status",
                        "task": "binary",
                        "positive_value": "fire",
                        "class_names": ["no fire", "fire"],
                    },
                    "features": {
                        "numeric": [
                            "temperature_c",
                            "humidity_pct",
                            "wind_kmh",
                            "rain_mm",
                        ],
                        "categorical": ["station"],
                        "log_transform": ["rain_mm"],
                    },
                    "training": {"epochs": 3, "early_stopping": {"patience": 2}},
                    "evaluation": {"cv_folds": 2},
                }
            },
        },
    )

    run_kedro(project, "wildfire", env=ENV)

    metrics = json.loads(
        only_version(project, "data/08_reporting/wildfire/metrics.json").read_text()
    )
    model = metrics["model"]
    assert model["positive_class"] == "fire"
    assert set(model["per_class"]) == {"no fire", "fire"}
    test_rows = int(np.ceil(len(frame) * 0.2))
    assert model["n_samples"] == test_rows
    assert metrics["cross_validation"]["n_rows"] == len(frame)
    assert sum(v["count"] for v in model["class_balance"].values()) == test_rows
    model_input = only_version(project, "data/04_feature/wildfire/model_input.parquet")
    assert set(pd.read_parquet(model_input).columns) == {
        "temperature_c",
        "humidity_pct",
        "wind_kmh",
        "rain_mm",
        "station",
        "target",
    }
    assert conf_digest(project) == base


def write_sales_csv(path: Path, rows: int = 300, seed: int = 5) -> pd.DataFrame:
    """House sales with other column names, prices in $1,000."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "lon": rng.uniform(10.0, 11.0, rows).round(4),
            "lat": rng.uniform(59.0, 60.0, rows).round(4),
            "rooms": rng.integers(1, 8, rows),
            "age_years": rng.integers(0, 120, rows),
        }
    )
    frame["price_k"] = (
        150
        + 60 * frame["rooms"]
        - frame["age_years"]
        + 80 * (frame["lat"] - 59)
        + rng.normal(0, 20, rows)
    ).round(1)
    frame.to_csv(path, index=False)
    return frame


def test_own_house_prices_csv(project, tmp_path):
    frame = write_sales_csv(tmp_path / "sales.csv")
    base = conf_digest(project)
    write_env(
        project,
        {
            "catalog_housing.yml": {
                "housing.districts": {
                    "type": "pandas.CSVDataset",
                    "filepath": str(tmp_path / "sales.csv"),
                }
            },
            "parameters_housing.yml": {
                "housing": {
                    "_replace": [
                        "data",
                        "coordinates",
                        "target",
                        "features",
                        "evaluation",
                    ],
                    "data": {
                        "schema": {
                            "min_rows": 100,
                            "columns": {
                                "lon": {"min": -180, "max": 180},
                                "lat": {"min": -90, "max": 90},
                                "rooms": {"type": "integer", "min": 1},
                                "age_years": {"type": "integer", "min": 0},
                                "price_k": {"min": 0},
                            },
                        },
                        "subsample": None,
                    },
                    "coordinates": {"x": "lon", "y": "lat", "rotations": [45]},
                    "target": {"column": "price_k", "task": "regression"},
                    "features": {
                        "numeric": ["rooms", "age_years", "lon", "lat"],
                        "scaler": "standard",
                    },
                    "evaluation": {
                        "target_unit": "$1,000",
                        "unit_value": 1000,
                        "unit_name": "dollars",
                        "target_cap": None,
                        "map": {"x": "lon", "y": "lat"},
                    },
                    "training": {"epochs": 3, "early_stopping": {"patience": 2}},
                }
            },
        },
    )

    run_kedro(project, "housing", env=ENV)

    metrics = json.loads(
        only_version(project, "data/08_reporting/housing/metrics.json").read_text()
    )
    assert metrics["model"]["n_samples"] == round(len(frame) * 0.2)
    model_input = only_version(project, "data/04_feature/housing/model_input.parquet")
    assert set(pd.read_parquet(model_input).columns) == {
        "rooms",
        "age_years",
        "lon",
        "lat",
        "coord_rot_45",
        "target",
    }
    report = only_version(project, "data/08_reporting/housing/report.html").read_text()
    assert "$1,000" in report
    assert conf_digest(project) == base


def write_idx_split(folder: Path, name: str, n: int, seed: int) -> None:
    """``n`` 16x16 images of three shapes (bars, columns, a diagonal) and labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    images = rng.integers(0, 60, (n, 16, 16)).astype(np.uint8)
    for image, label in zip(images, labels, strict=True):
        if label == 0:
            image[6:10, :] = 250
        elif label == 1:
            image[:, 6:10] = 250
        else:
            np.fill_diagonal(image, 250)
    IDXDataset(filepath=str(folder / f"{name}-images.idx"), kind="images").save(images)
    IDXDataset(filepath=str(folder / f"{name}-labels.idx"), kind="labels").save(labels)


def test_own_idx_files_with_three_classes(project, tmp_path):
    write_idx_split(tmp_path, "train", 300, seed=1)
    write_idx_split(tmp_path, "test", 90, seed=2)
    base = conf_digest(project)
    catalog = {
        f"fashion_mnist.{split}_{kind}": {
            "type": "dl_experiments.datasets.IDXDataset",
            "filepath": str(tmp_path / f"{name}-{kind}.idx"),
            "kind": kind,
        }
        for split, name in (("train", "train"), ("test", "test"))
        for kind in ("images", "labels")
    }
    class_names = ["bars", "columns", "diagonal"]
    write_env(
        project,
        {
            "catalog_fashion_mnist.yml": catalog,
            "parameters_fashion_mnist.yml": {
                "fashion_mnist": {
                    "_replace": ["data"],
                    "data": {"image_shape": [16, 16], "class_names": class_names},
                    "training": {"epochs": 2},
                }
            },
        },
    )

    run_kedro(project, "fashion_mnist", env=ENV)

    metrics = json.loads(
        only_version(
            project, "data/08_reporting/fashion_mnist/metrics.json"
        ).read_text()
    )
    assert list(metrics["model"]["per_class"]) == class_names
    assert metrics["model"]["n_samples"] == 90
    assert np.array(metrics["model"]["confusion_matrix"]["matrix"]).shape == (3, 3)
    assert conf_digest(project) == base
