"""Small image sets: batch-normalisation momentum from the steps per epoch, the
pooling depth an image size can take, colour input."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import yaml
from sklearn.datasets import load_digits

from dl_experiments.config import CNNConfig, ImageClassification
from dl_experiments.kedro_internals import experiment_model
from dl_experiments.modelling.builders import build_cnn
from dl_experiments.modelling.images import train_image_classifier
from dl_experiments.preprocessing.image_sets import stratified_split_indices
from dl_experiments.validation import ParameterValidationError, parse_params
from tests.conftest import PROJECT_ROOT

BLOCKS = [{"filters": 4}, {"filters": 8}]


def _base_params() -> dict:
    path = PROJECT_ROOT / "conf" / "base" / "parameters_fashion_mnist.yml"
    return yaml.safe_load(path.read_text())["fashion_mnist"]


@pytest.mark.parametrize(
    ("steps", "expected"),
    [(422, 0.99), (400, 0.99), (100, 0.96), (11, 1 - 4 / 11), (1, 0.2)],
)
def test_auto_momentum_forgets_the_initial_statistics_within_an_epoch(steps, expected):
    momentum = CNNConfig(conv_blocks=BLOCKS).momentum(steps)
    assert momentum == pytest.approx(expected)
    # The initial statistics keep under 2% of their weight after one epoch.
    assert momentum ** max(steps, 5) < 0.02


def test_a_momentum_written_by_hand_is_kept():
    config = CNNConfig(conv_blocks=BLOCKS, batch_norm_momentum=0.9)
    assert config.momentum(11) == 0.9


def test_the_full_fashion_mnist_set_keeps_keras_momentum():
    """60,000 images less a tenth for validation, in batches of 128 (422 steps):
    the rule gives Keras' 0.99."""
    params = ImageClassification.model_validate(_base_params())
    steps = math.ceil(60_000 * (1 - params.split.validation_size) / 128)
    assert params.model.batch_norm_momentum == "auto"
    assert params.model.momentum(steps) == 0.99


def test_the_builder_uses_the_momentum_and_the_channels():
    network = build_cnn((8, 8), 3, CNNConfig(conv_blocks=BLOCKS), 3, momentum=0.7)
    assert network.input_shape == (None, 8, 8, 3)
    norms = [
        layer for layer in network.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    assert norms and all(layer.momentum == 0.7 for layer in norms)


def test_pooling_deeper_than_the_image_is_a_parameter_error_naming_the_sizes():
    params = _base_params()
    params["data"] = {"image_shape": [3, 3], "class_names": ["a", "b"]}
    with pytest.raises(
        ParameterValidationError,
        match=r"3x3 images .* 3x3 -> 1x1 -> 0x0 after each block",
    ):
        parse_params(experiment_model("fashion_mnist"), params, "fashion_mnist")


def test_pooling_that_fits_eight_pixels_is_accepted():
    params = _base_params()
    params["data"] = {"image_shape": [8, 8], "class_names": ["a", "b"]}
    sizes = ImageClassification.model_validate(params).model.feature_map_sizes((8, 8))
    assert sizes == [(4, 4), (2, 2)]


@pytest.mark.e2e
@pytest.mark.parametrize(("momentum", "collapses"), [(0.99, True), ("auto", False)])
def test_a_dozen_steps_per_epoch_collapse_with_keras_momentum_only(momentum, collapses):
    """1,617 digits (8x8) in batches of 128: 12 steps per epoch. With 0.99 the first
    block's moving variance stays far above its batches' after 6 epochs and the
    model in inference mode predicts one class; the rule's momentum tracks it."""
    digits = load_digits()
    images = (digits.images * 16).clip(0, 255).astype(np.uint8)
    labels = digits.target.astype(np.int64)
    split = stratified_split_indices(labels, 0.1, 0)
    params = _base_params()
    params["data"] = {"image_shape": [8, 8], "class_names": list("0123456789")}
    params["model"]["batch_norm_momentum"] = momentum
    params["model"]["test_time_shifts"] = []
    params["training"] |= {"epochs": 6, "verbose": 0, "log_every": 0}
    params["training"]["early_stopping"] = {"enabled": False}
    config = ImageClassification.model_validate(params)
    model, _ = train_image_classifier(
        images, labels, split, config.class_names, config.model, config.training, 0
    )
    train, validation = images[split["train"], ..., None], split["validation"]
    norm = model.get_layer("block1_conv1_bn")
    true_variance = keras.Model(model.input, norm.input)(train).numpy().var(axis=(0, 1, 2))
    ratio = float(np.median(norm.moving_variance.numpy() / true_variance))
    predicted = model(images[validation, ..., None], training=False).numpy().argmax(1)
    accuracy = float((predicted == labels[validation]).mean())
    if collapses:
        assert ratio > 10 and accuracy < 0.3
    else:
        assert ratio < 2 and accuracy > 0.9


def test_colour_images_are_augmented_and_scored_with_test_time_shifts(tmp_path):
    from dl_experiments.config import AugmentationConfig  # noqa: PLC0415
    from dl_experiments.modelling.augmentation import image_augmenter  # noqa: PLC0415
    from dl_experiments.modelling.builders import with_test_time_shifts  # noqa: PLC0415

    images = np.random.default_rng(0).integers(1, 256, (4, 8, 8, 3), dtype=np.uint8)
    augment = image_augmenter(
        AugmentationConfig(horizontal_flip=True, shift=1, erasing=1.0), seed=0
    )
    moved, _ = augment(images, np.zeros(4))
    assert tuple(moved.shape) == (4, 8, 8, 3)
    # Erasing zeroes one patch across all three channels.
    erased = np.asarray(moved) == 0
    assert (erased.all(axis=-1) == erased.any(axis=-1)).all()
    network = build_cnn((8, 8), 3, CNNConfig(conv_blocks=BLOCKS), 3)
    shifted = with_test_time_shifts(network, [(1, 0), (0, -1)])
    shifted.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    np.testing.assert_allclose(
        loaded.predict(images, verbose=0), shifted.predict(images, verbose=0), atol=1e-6
    )
