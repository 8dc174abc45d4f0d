"""End-to-end runs of the fashion_mnist pipeline in the test environment
(2,000 training and 500 test images, one epoch)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dl_experiments.datasets import IDXDataset
from tests.conftest import PROJECT_ROOT, run_kedro
from tests.helpers import (
    FASHION_MNIST_CLASSES,
    latest,
    latest_json,
    single_versions,
    trained_copy,
    version_files,
)

pytestmark = pytest.mark.e2e

FIGURES = [
    "training_history",
    "network",
    "confusion_matrix",
    "roc_pr_curves",
    "misclassified",
    "confused_pairs",
    "class_error_rates",
]
ARTIFACTS = [
    "data/06_models/fashion_mnist/model.keras",
    "data/07_model_output/fashion_mnist/training_history.json",
    "data/07_model_output/fashion_mnist/test_predictions.parquet",
    "data/07_model_output/fashion_mnist/baseline_predictions.parquet",
    "data/05_model_input/fashion_mnist/test_set_images.idx.gz",
    "data/05_model_input/fashion_mnist/test_set_labels.idx.gz",
    "data/08_reporting/fashion_mnist/metrics.json",
    *[f"data/08_reporting/fashion_mnist/{name}.png" for name in FIGURES],
]


@pytest.fixture(scope="module")
def trained(project_factory) -> Path:
    """One project in which the fashion_mnist pipeline ran once in ``test``."""
    return trained_copy(project_factory, "fashion_mnist", "fashion_mnist")


def test_a_run_writes_every_artifact_once(trained):
    for artifact, path in single_versions(trained, ARTIFACTS).items():
        assert path.stat().st_size > 0, artifact
    png = version_files(trained, "data/08_reporting/fashion_mnist/misclassified.png")[0]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_test_environment_trains_on_a_stratified_subset(trained):
    history = latest_json(trained, "data/07_model_output/fashion_mnist/training_history.json")
    assert history["train_samples"] == 1_800
    assert history["validation_samples"] == 200
    assert history["epochs_run"] == 1
    labels = IDXDataset(
        filepath=str(version_files(trained, ARTIFACTS[5])[0]), kind="labels"
    ).load()
    assert np.bincount(labels).tolist() == [50] * 10


def test_metrics_cover_every_class_by_name(trained):
    metrics = latest_json(trained, "data/08_reporting/fashion_mnist/metrics.json")
    model = metrics["model"]
    assert model["n_samples"] == 500
    assert list(model["per_class"]) == FASHION_MNIST_CLASSES
    assert sum(c["support"] for c in model["per_class"].values()) == 500
    for key in (
        "accuracy",
        "precision_macro",
        "recall_macro",
        "f1_macro",
        "precision_weighted",
        "recall_weighted",
        "f1_weighted",
        "top_2_accuracy",
        "roc_auc",
    ):
        assert 0.0 <= model[key] <= 1.0, key
    assert model["top_2_accuracy"] >= model["accuracy"]
    assert model["log_loss"] > 0
    matrix = np.array(model["confusion_matrix"]["matrix"])
    assert matrix.shape == (10, 10) and matrix.sum() == 500
    assert np.trace(matrix) / 500 == pytest.approx(model["accuracy"])
    # One epoch on 1,800 images already beats chance (0.1) by far.
    assert model["accuracy"] > 0.3
    assert metrics["training"]["epochs_run"] == 1


def test_the_pixel_baseline_sits_beside_the_model_with_the_same_metrics(trained):
    metrics = latest_json(trained, "data/08_reporting/fashion_mnist/metrics.json")
    assert list(metrics["baselines"]) == ["logistic_regression"]
    baseline = metrics["baselines"]["logistic_regression"]
    assert set(baseline) == set(metrics["model"])
    assert baseline["n_samples"] == 500
    assert list(baseline["per_class"]) == FASHION_MNIST_CLASSES
    # A linear model on 1,800 images' pixels is far above chance (0.1).
    assert baseline["accuracy"] > 0.5
    table = pd.read_parquet(version_files(trained, ARTIFACTS[3])[0])
    assert list(table.columns) == [f"logistic_regression.proba_{i}" for i in range(10)]
    assert table.index.name == "image_index" and len(table) == 500
    np.testing.assert_allclose(table.sum(axis=1), 1.0)
    report = latest(trained, "data/08_reporting/fashion_mnist/report.html").read_text()
    assert "best baseline (logistic_regression) on test accuracy" in report
    assert "<th>logistic_regression (best baseline)</th>" in report


def test_predictions_line_up_with_the_saved_test_images(trained):
    predictions = pd.read_parquet(version_files(trained, ARTIFACTS[2])[0])
    labels = IDXDataset(filepath=str(version_files(trained, ARTIFACTS[5])[0])).load()
    assert list(predictions.columns) == ["y_true", *[f"proba_{i}" for i in range(10)]]
    np.testing.assert_array_equal(predictions["y_true"], labels)


def test_reporting_stage_reruns_from_the_saved_model(trained):
    before = latest_json(trained, "data/08_reporting/fashion_mnist/metrics.json")
    run_kedro(trained, "fashion_mnist", tags=["reporting"])
    assert len(version_files(trained, "data/06_models/fashion_mnist/model.keras")) == 1
    assert len(version_files(trained, "data/08_reporting/fashion_mnist/metrics.json")) == 2
    after = latest_json(trained, "data/08_reporting/fashion_mnist/metrics.json")
    assert after["model"] == before["model"]
    # The baseline is not refitted: its saved test predictions are read again.
    assert len(version_files(trained, ARTIFACTS[3])) == 1
    assert after["baselines"] == before["baselines"]


def _override_catalog(project: Path, entries: dict[str, str]) -> None:
    lines = []
    for name, filepath in entries.items():
        kind = "labels" if name.endswith("labels") else "images"
        lines += [
            f"{name}:",
            "  type: dl_experiments.datasets.IDXDataset",
            f"  filepath: {filepath}",
            f"  kind: {kind}",
        ]
    (project / "conf" / "test" / "catalog_override.yml").write_text("\n".join(lines))


def test_a_truncated_file_stops_the_run_naming_the_file(project):
    source = PROJECT_ROOT / "data" / "01_raw" / "train-labels-idx1-ubyte.gz"
    broken = project / "broken-labels.gz"
    broken.write_bytes(gzip.compress(gzip.decompress(source.read_bytes())[:-1000]))
    _override_catalog(project, {"fashion_mnist.train_labels": str(broken)})
    with pytest.raises(Exception, match="truncated") as error:
        run_kedro(project, "fashion_mnist")
    assert str(broken) in str(error.value)
    assert "header promises shape (60000,)" in str(error.value)
    assert not (project / "data" / "06_models" / "fashion_mnist").exists()


def test_labels_of_the_other_split_stop_the_run_before_training(project):
    test_labels = PROJECT_ROOT / "data" / "01_raw" / "t10k-labels-idx1-ubyte.gz"
    _override_catalog(project, {"fashion_mnist.train_labels": str(test_labels)})
    with pytest.raises(Exception, match="60,000 images but 10,000 labels") as error:
        run_kedro(project, "fashion_mnist")
    assert "train-images-idx3-ubyte.gz" in str(error.value)
    assert not (project / "data" / "06_models" / "fashion_mnist").exists()
