"""End-to-end: train fashion_mnist in the test environment, then classify images."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dl_experiments.validation import DataValidationError
from tests.conftest import PROJECT_ROOT, run_kedro
from tests.helpers import (
    FASHION_MNIST_CLASSES,
    latest,
    predict_artifacts,
    trained_copy,
    use_catalog,
    versions,
)

pytestmark = pytest.mark.e2e

EXAMPLES = PROJECT_ROOT / "data" / "09_predict_examples"
MODEL, PREDICTIONS, REJECTS, SUMMARY = predict_artifacts("fashion_mnist")


def idx_entry(filepath: str) -> dict:
    return {
        "fashion_mnist.new_images": {
            "type": "dl_experiments.datasets.IDXDataset",
            "filepath": filepath,
            "kind": "images",
        }
    }


def folder_entry(folder: str) -> dict:
    return {
        "fashion_mnist.new_images": {
            "type": "partitions.PartitionedDataset",
            "path": folder,
            "dataset": "pillow.ImageDataset",
            "filename_suffix": ".png",
        }
    }


@pytest.fixture(scope="module")
def trained(project_factory) -> Path:
    """A CNN trained in the test environment, with its test-set predictions."""
    return trained_copy(
        project_factory,
        "fashion_mnist_predict",
        "fashion_mnist",
        to_outputs=["fashion_mnist.test_predictions"],
    )


def test_example_folder_is_classified_with_top_three(trained):
    run_kedro(trained, "fashion_mnist_predict")
    predictions = pd.read_csv(latest(trained, PREDICTIONS))
    files = sorted(
        path.stem for path in (EXAMPLES / "fashion_mnist_images").glob("*.png")
    )
    assert predictions["image"].tolist() == files
    assert (predictions["predicted_class"] == predictions["top1_class"]).all()
    assert predictions["predicted_class"].isin(FASHION_MNIST_CLASSES).all()
    top = predictions[["top1_probability", "top2_probability", "top3_probability"]]
    assert (top.diff(axis=1).iloc[:, 1:] <= 0).all().all()
    assert ((top >= 0) & (top <= 1)).all().all() and (top.sum(axis=1) <= 1 + 1e-6).all()
    (version,) = versions(trained, MODEL)
    assert (predictions["model_version"] == version).all()

    summary = json.loads(latest(trained, SUMMARY).read_text())
    assert summary["n_scored"] == len(files) and summary["n_rejected"] == 0
    assert summary["versions"] == {"model": version}
    assert list(summary["predicted_class_counts"]) == FASHION_MNIST_CLASSES
    counts = predictions["predicted_class"].value_counts()
    assert summary["predicted_class_counts"] == {
        name: int(counts.get(name, 0)) for name in FASHION_MNIST_CLASSES
    }

    # the same 12 images as one IDX file score the same as the PNGs
    env = use_catalog(
        trained, "example_idx", idx_entry(str(EXAMPLES / "fashion_mnist_images.idx"))
    )
    run_kedro(trained, "fashion_mnist_predict", env=env)
    from_idx = pd.read_csv(latest(trained, PREDICTIONS))
    assert from_idx["image"].tolist() == list(range(12))
    columns = ["predicted_class", "top1_class", "top1_probability", "top3_probability"]
    pd.testing.assert_frame_equal(
        from_idx[columns], predictions[columns].iloc[:12], check_exact=False, rtol=1e-6
    )


def test_test_set_images_score_as_the_evaluation_step_scored_them(trained):
    images = latest(trained, "data/05_model_input/fashion_mnist/test_set_images.idx.gz")
    evaluated = pd.read_parquet(
        latest(trained, "data/07_model_output/fashion_mnist/test_predictions.parquet")
    )
    env = use_catalog(trained, "test_images", idx_entry(str(images)))
    run_kedro(trained, "fashion_mnist_predict", env=env)

    predictions = pd.read_csv(latest(trained, PREDICTIONS))
    probabilities = evaluated[[f"proba_{i}" for i in range(10)]].to_numpy()
    assert len(predictions) == len(probabilities)
    assert predictions["image"].tolist() == list(range(len(probabilities)))
    np.testing.assert_array_equal(
        predictions["predicted_label"], probabilities.argmax(axis=1)
    )
    np.testing.assert_allclose(
        predictions["top1_probability"], probabilities.max(axis=1), rtol=1e-6, atol=1e-7
    )
    third = np.sort(probabilities, axis=1)[:, -3]
    np.testing.assert_allclose(
        predictions["top3_probability"], third, rtol=1e-6, atol=1e-7
    )


def test_other_sizes_and_colour_are_converted(trained, tmp_path):
    from PIL import Image  # noqa: PLC0415

    folder = trained / "inputs" / "converted"
    folder.mkdir(parents=True)
    original = Image.open(EXAMPLES / "fashion_mnist_images" / "t10k-00000.png")
    original.save(folder / "gray-28.png")
    original.convert("RGB").save(folder / "rgb-28.png")
    original.resize((84, 84), Image.Resampling.NEAREST).convert("RGBA").save(
        folder / "rgba-84.png"
    )
    env = use_catalog(trained, "converted", folder_entry("inputs/converted"))
    run_kedro(trained, "fashion_mnist_predict", env=env)
    predictions = pd.read_csv(latest(trained, PREDICTIONS)).set_index("image")
    gray, rgb, rgba = (
        predictions.loc[name] for name in ("gray-28", "rgb-28", "rgba-84")
    )
    assert rgb["top1_probability"] == pytest.approx(gray["top1_probability"], rel=1e-6)
    assert rgba["predicted_class"] == gray["predicted_class"]
    assert rgba["top1_probability"] == pytest.approx(gray["top1_probability"], abs=0.05)


def test_unreadable_file_is_named_or_rejected(trained):
    folder = trained / "inputs" / "broken"
    folder.mkdir(parents=True)
    for name in ("t10k-00001", "t10k-00002"):
        shutil.copy(EXAMPLES / "fashion_mnist_images" / f"{name}.png", folder)
    (folder / "notes.png").write_text("not an image")
    env = use_catalog(trained, "broken", folder_entry("inputs/broken"))

    with pytest.raises(DataValidationError, match="file 'notes' cannot be read"):
        run_kedro(trained, "fashion_mnist_predict", env=env)

    run_kedro(
        trained,
        "fashion_mnist_predict",
        env=env,
        params={"fashion_mnist": {"predict": {"on_invalid": "reject"}}},
    )
    predictions = pd.read_csv(latest(trained, PREDICTIONS))
    assert predictions["image"].tolist() == ["t10k-00001", "t10k-00002"]
    rejects = pd.read_csv(latest(trained, REJECTS))
    assert rejects["image"].tolist() == ["notes"]
    summary = json.loads(latest(trained, SUMMARY).read_text())
    assert summary["n_scored"] == 2 and summary["n_rejected"] == 1
