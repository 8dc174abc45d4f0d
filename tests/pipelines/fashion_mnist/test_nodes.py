"""Fashion-MNIST nodes and the shared image nodes they wire, on small arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dl_experiments.config import (
    CNNConfig,
    ImageBaselinesConfig,
    ImageDataConfig,
    TrainingConfig,
    ValidationSplitConfig,
)
from dl_experiments.modelling.baselines import fit_pixel_baselines
from dl_experiments.modelling.cost import multiply_adds
from dl_experiments.modelling.images import predict_images, train_image_classifier
from dl_experiments.templates import images as nodes
from dl_experiments.validation import DataValidationError

NAMES = [f"class_{i}" for i in range(10)]
DATA = ImageDataConfig(image_shape=(28, 28), class_names=NAMES)


def validate_train_images(images, labels, data: ImageDataConfig):
    """The template's training-image check, for the fashion_mnist namespace."""
    return nodes._validated(images, labels, data, "fashion_mnist.train")


def validate_test_images(images, labels, data: ImageDataConfig):
    return nodes.validate_test_images(images, labels, data, 0, "fashion_mnist")


def split_of(size: float) -> ValidationSplitConfig:
    return ValidationSplitConfig(validation_size=size)


def labelled(n_per_class: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Images whose class is where a bright 7x7 square sits (learnable by a CNN)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(10), n_per_class)
    rng.shuffle(labels)
    images = rng.integers(0, 60, (len(labels), 28, 28)).astype(np.uint8)
    rows, cols = (labels // 4) * 9, (labels % 4) * 7
    offsets = np.arange(7)
    r = rows[:, None, None] + offsets[None, :, None]
    c = cols[:, None, None] + offsets[None, None, :]
    images[np.arange(len(labels))[:, None, None], r, c] = 255
    return images, labels.astype(np.uint8)


def test_validation_passes_good_data_and_returns_int64_labels():
    images, labels = labelled(3)
    checked_images, checked_labels = validate_train_images(images, labels, DATA)
    assert checked_images is images
    assert checked_labels.dtype == np.int64
    np.testing.assert_array_equal(checked_labels, labels)


def test_images_and_labels_of_different_counts_are_rejected():
    images, labels = labelled(3)
    with pytest.raises(DataValidationError) as error:
        validate_train_images(images, labels[:-2], DATA)
    assert error.value.dataset == "fashion_mnist.train_images"
    assert "30 images but 28 labels in 'fashion_mnist.train_labels'" in str(error.value)


def test_labels_outside_the_classes_are_rejected():
    images, labels = labelled(3)
    labels = labels.copy()
    labels[[4, 7]] = [10, 255]
    with pytest.raises(DataValidationError) as error:
        validate_test_images(images, labels, DATA)
    assert error.value.dataset == "fashion_mnist.test_labels"
    message = str(error.value)
    assert "2 of 30 labels are outside 0-9, e.g. 10 at position 4" in message
    assert "expected class indices 0-9" in message


def test_images_of_another_size_are_rejected():
    images = np.zeros((5, 32, 32), dtype=np.uint8)
    with pytest.raises(DataValidationError, match=r"shape \(5, 32, 32\); expected \(n, 28, 28\)"):
        validate_train_images(images, np.zeros(5, np.uint8), DATA)


def test_split_is_seeded_stratified_disjoint_and_complete():
    _, labels = labelled(50)
    split = nodes.split_training_images(labels, DATA, split_of(0.2), 7)
    train, validation = split["train"], split["validation"]
    assert len(train) == 400 and len(validation) == 100
    assert np.intersect1d(train, validation).size == 0
    np.testing.assert_array_equal(np.sort(np.r_[train, validation]), np.arange(500))
    assert np.bincount(labels[validation]).tolist() == [10] * 10
    again = nodes.split_training_images(labels, DATA, split_of(0.2), 7)
    np.testing.assert_array_equal(again["validation"], validation)
    other = nodes.split_training_images(labels, DATA, split_of(0.2), 8)
    assert not np.array_equal(other["validation"], validation)


def test_split_of_a_subsample_keeps_class_proportions():
    _, labels = labelled(50)
    data = DATA.model_copy(update={"max_train_images": 200})
    split = nodes.split_training_images(labels, data, split_of(0.1), 0)
    chosen = np.r_[split["train"], split["validation"]]
    assert len(chosen) == 200 and len(np.unique(chosen)) == 200
    assert np.bincount(labels[chosen]).tolist() == [20] * 10
    assert np.bincount(labels[split["validation"]]).tolist() == [2] * 10


def test_test_images_are_all_used_or_a_stratified_subsample():
    images, labels = labelled(20)
    same_images, same_labels = nodes.select_test_images(images, labels, DATA, 0)
    assert same_images is images and same_labels is labels
    data = DATA.model_copy(update={"max_test_images": 50})
    few_images, few_labels = nodes.select_test_images(images, labels, data, 0)
    assert few_images.shape == (50, 28, 28)
    assert np.bincount(few_labels).tolist() == [5] * 10
    positions = [np.flatnonzero((images == image).all(axis=(1, 2)))[0] for image in few_images]
    assert positions == sorted(positions)
    np.testing.assert_array_equal(labels[positions], few_labels)


BASELINES = ImageBaselinesConfig()
BASELINE_COLUMNS = [f"logistic_regression.proba_{i}" for i in range(10)]


def baseline_run(images, labels, test_images, seed: int = 0):
    """The pixel baselines on a seeded 80 / 20 split of ``images``."""
    split = nodes.split_training_images(labels, DATA, split_of(0.2), seed)
    return split, fit_pixel_baselines(
        images, labels, split, test_images, NAMES, BASELINES, seed
    )


def test_the_pixel_baseline_learns_separable_classes():
    images, labels = labelled(20)
    test_images, test_labels = labelled(5, seed=1)
    _, baseline = baseline_run(images, labels, test_images)
    assert list(baseline.columns) == BASELINE_COLUMNS
    assert baseline.index.name == "image_index"
    assert list(baseline.index) == list(range(50))
    np.testing.assert_allclose(baseline.sum(axis=1), 1.0)
    accuracy = (baseline.to_numpy().argmax(axis=1) == test_labels).mean()
    assert accuracy >= 0.9


def test_the_pixel_baseline_fits_on_the_training_part_only():
    images, labels = labelled(20)
    test_images, _ = labelled(5, seed=1)
    split, baseline = baseline_run(images, labels, test_images)
    # Every image outside split["train"] (the validation part) replaced by noise
    # with wrong labels: had the fit seen them, the predictions would change.
    held_out = np.setdiff1d(np.arange(len(labels)), split["train"])
    assert len(held_out) == 40
    noisy_images, noisy_labels = images.copy(), labels.copy()
    noise = np.random.default_rng(5).integers(0, 256, (len(held_out), 28, 28))
    noisy_images[held_out] = noise.astype(np.uint8)
    noisy_labels[held_out] = (labels[held_out] + 1) % 10
    again = fit_pixel_baselines(
        noisy_images, noisy_labels, split, test_images, NAMES, BASELINES, 0
    )
    pd.testing.assert_frame_equal(again, baseline)


def test_the_pixel_baseline_is_reproducible_and_covers_unseen_classes():
    images, labels = labelled(20)
    test_images, _ = labelled(2, seed=1)
    _, first = baseline_run(images, labels, test_images)
    _, second = baseline_run(images, labels, test_images)
    pd.testing.assert_frame_equal(first, second)
    # No class-9 image among the training part: its column is there, and 0.
    keep = np.flatnonzero(labels != 9)
    split = {"train": keep, "validation": np.flatnonzero(labels == 9)}
    baseline = fit_pixel_baselines(
        images, labels, split, test_images, NAMES, BASELINES, 0
    )
    assert list(baseline.columns) == BASELINE_COLUMNS
    assert (baseline["logistic_regression.proba_9"] == 0).all()
    np.testing.assert_allclose(baseline.sum(axis=1), 1.0)


def test_evaluate_puts_the_baseline_beside_the_model_with_the_same_metrics():
    images, labels = labelled(20)
    test_images, test_labels = labelled(5, seed=1)
    _, baseline = baseline_run(images, labels, test_images)
    # A model that is always right: the baseline does not beat it.
    columns = [f"proba_{i}" for i in range(10)]
    model = pd.DataFrame(np.eye(10)[test_labels], columns=columns)
    model.insert(0, "y_true", test_labels.astype(np.int64))
    metrics = nodes.evaluate_images(model, DATA, baseline)
    assert metrics["task"] == "image_classification"
    assert list(metrics["baselines"]) == ["logistic_regression"]
    result = metrics["baselines"]["logistic_regression"]
    assert set(result) == set(metrics["model"])
    assert result["n_samples"] == 50
    assert 0.9 <= result["accuracy"] <= metrics["model"]["accuracy"] == 1.0
    assert "baselines" not in nodes.evaluate_images(model, DATA)


MODEL = CNNConfig(
    conv_blocks=[{"filters": 8, "convs": 1}, {"filters": 16, "convs": 1}],
    dense_units=[32],
)
TRAINING = TrainingConfig(
    epochs=6,
    batch_size=32,
    learning_rate=0.003,
    verbose=0,
    early_stopping={"enabled": False},
)


@pytest.fixture(scope="module")
def trained():
    images, labels = labelled(30)
    split = nodes.split_training_images(labels, DATA, split_of(0.2), 0)
    model, history = train_image_classifier(
        images, labels, split, NAMES, MODEL, TRAINING, seed=0
    )
    return model, history


def test_the_cnn_learns_a_learnable_task_from_uint8_images(trained):
    model, history = trained
    assert model.input_shape == (None, 28, 28, 1)
    assert model.output_shape == (None, 10)
    assert history["train_samples"] == 240 and history["validation_samples"] == 60
    assert history["epochs_run"] == 6
    test_images, test_labels = labelled(5, seed=1)
    predictions = predict_images(model, test_images, test_labels)
    accuracy = (predictions.filter(like="proba_").to_numpy().argmax(1) == test_labels).mean()
    assert accuracy >= 0.9
    assert history["history"]["val_accuracy"][-1] >= 0.9


def test_predictions_table_has_labels_and_one_probability_per_class(trained):
    model, _ = trained
    images, labels = labelled(2, seed=2)
    predictions = predict_images(model, images, labels)
    assert list(predictions.columns) == ["y_true", *[f"proba_{i}" for i in range(10)]]
    assert predictions.index.name == "image_index"
    np.testing.assert_array_equal(predictions["y_true"], labels)
    np.testing.assert_allclose(predictions.iloc[:, 1:].sum(axis=1), 1.0, atol=1e-5)
    unlabelled = predict_images(model, images)
    assert "y_true" not in unlabelled.columns
    np.testing.assert_allclose(unlabelled.to_numpy(), predictions.iloc[:, 1:].to_numpy())


def test_evaluate_reports_named_classes_top2_log_loss_and_training_cost(trained):
    model, history = trained
    images, labels = labelled(5, seed=3)
    predictions = predict_images(model, images, labels)
    metrics = nodes.add_training_cost(nodes.evaluate_images(predictions, DATA), history)
    result = metrics["model"]
    assert list(result["per_class"]) == NAMES
    assert {m["support"] for m in result["per_class"].values()} == {5}
    for key in ("accuracy", "precision_macro", "recall_weighted", "f1_macro", "top_2_accuracy"):
        assert 0.0 <= result[key] <= 1.0, key
    assert result["top_2_accuracy"] >= result["accuracy"]
    assert result["log_loss"] > 0
    assert metrics["training"]["epochs_run"] == 6
    assert metrics["training"]["training_seconds"] == history["training_seconds"]


def test_test_time_shifts_wrap_the_trained_network_and_are_scored_on_validation():
    images, labels = labelled(30)
    split = nodes.split_training_images(labels, DATA, split_of(0.2), 0)
    shifted = MODEL.model_copy(update={"test_time_shifts": [(0, 1), (0, -1)]})
    model, history = train_image_classifier(
        images, labels, split, NAMES, shifted, TRAINING, seed=0
    )
    network = model.get_layer("cnn")
    record = history["test_time_shifts"]
    assert record["views"] == 3
    validation = split["validation"]
    for key, scorer in (("val_accuracy_without", network), ("val_accuracy_with", model)):
        scored = predict_images(scorer, images[validation], labels[validation])
        accuracy = (scored.filter(like="proba_").to_numpy().argmax(1) == scored["y_true"]).mean()
        assert record[key] == pytest.approx(accuracy, abs=1e-6), key
    assert history["multiply_adds_per_sample"] == multiply_adds(network)
    metrics = nodes.add_training_cost(
        nodes.evaluate_images(predict_images(model, images, labels), DATA), history
    )
    assert metrics["training"]["test_time_shifts"] == record
