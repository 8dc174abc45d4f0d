"""Scoring helpers: top-k image predictions, binary scores and summaries."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest

from dl_experiments.config import TargetConfig
from dl_experiments.modelling.scoring import (
    score_images,
    summarise_classes,
    summarise_values,
)

NAMES = ["a", "b", "c", "d"]


@pytest.fixture(scope="module")
def image_model() -> keras.Model:
    """A small seeded softmax classifier over 4x4 uint8 images."""
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((4, 4, 1)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Flatten(),
            keras.layers.Dense(len(NAMES), activation="softmax"),
        ]
    )


def test_top_k_lists_the_most_probable_classes_in_order(image_model):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(50, 4, 4, 1), dtype=np.uint8)
    ids = pd.DataFrame({"image": [f"img{i}" for i in range(50)]})
    predictions = score_images(image_model, images, ids, NAMES, {"model": "v1"}, 3)
    expected = image_model.predict(images, verbose=0).astype(np.float64)
    order = np.argsort(-expected, axis=1)
    assert predictions["image"].tolist() == ids["image"].tolist()
    assert predictions["predicted_label"].tolist() == order[:, 0].tolist()
    for rank in range(3):
        assert predictions[f"top{rank + 1}_class"].tolist() == [
            NAMES[i] for i in order[:, rank]
        ]
        np.testing.assert_allclose(
            predictions[f"top{rank + 1}_probability"],
            np.take_along_axis(expected, order[:, [rank]], axis=1)[:, 0],
            rtol=1e-6,
        )
    assert "top4_class" not in predictions
    assert (predictions["model_version"] == "v1").all()


def test_class_count_mismatch_is_an_error(image_model):
    images = np.zeros((2, 4, 4, 1), dtype=np.uint8)
    ids = pd.DataFrame({"image": [0, 1]})
    with pytest.raises(ValueError, match="outputs 4 classes but 3 class names"):
        score_images(image_model, images, ids, NAMES[:3], {}, 3)


def test_class_summary_counts_every_class_and_the_rejects():
    predictions = pd.DataFrame(
        {"predicted_class": ["b", "b", "a"], "model_version": ["v1"] * 3}
    )
    rejects = pd.DataFrame({"row": [4, 4, 7], "column": ["x", "y", "x"]})
    summary = summarise_classes(predictions, rejects, ["a", "b", "c"], threshold=0.4)
    assert summary == {
        "n_scored": 3,
        "n_rejected": 2,
        "versions": {"model": "v1"},
        "threshold": 0.4,
        "predicted_class_counts": {"a": 1, "b": 2, "c": 0},
        "predicted_class_shares": {"a": 0.333333, "b": 0.666667, "c": 0.0},
    }


def test_value_summary_is_the_distribution_of_predictions():
    values = np.arange(1.0, 101.0)
    predictions = pd.DataFrame({"prediction": values, "model_version": "v2"})
    summary = summarise_values(predictions, pd.DataFrame(columns=["row"]))
    distribution = summary["prediction_distribution"]
    assert summary["n_scored"] == 100 and summary["n_rejected"] == 0
    assert distribution["mean"] == pytest.approx(50.5)
    assert distribution["q50"] == pytest.approx(np.quantile(values, 0.5))
    assert distribution["q95"] == pytest.approx(np.quantile(values, 0.95))
    assert (distribution["min"], distribution["max"]) == (1.0, 100.0)


def test_binary_class_names_default_to_the_target_column():
    default = TargetConfig(column="area", task="binary", greater_than=0)
    assert default.labels == ["not area", "area"]
    named = TargetConfig.model_validate(
        {
            "column": "s",
            "task": "binary",
            "positive_value": 1,
            "class_names": ["n", "y"],
        }
    )
    assert named.labels == ["n", "y"]
