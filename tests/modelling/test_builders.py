"""The builders' options: periodic embeddings, members trained at once, and cost."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from dl_experiments.config import CNNConfig, MLPConfig, TrainingConfig
from dl_experiments.modelling.builders import (
    build_cnn,
    build_mlp,
    ensemble_mean,
    with_test_time_shifts,
)
from dl_experiments.modelling.cost import multiply_adds
from dl_experiments.modelling.training import train_keras_model

RNG = np.random.default_rng(0)
X = RNG.normal(size=(512, 4)).astype(np.float32)
Y = (np.sin(3 * X[:, 0]) + X[:, 1] ** 2).astype(np.float32)
TRAINING = TrainingConfig(
    epochs=3, batch_size=64, early_stopping={"enabled": False}, log_every=0, verbose=0
)


def _saved_and_loaded(model: keras.Model, tmp_path) -> keras.Model:
    model.save(tmp_path / "model.keras")
    return keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)


def test_periodic_embedding_model_saves_and_loads_in_safe_mode(tmp_path):
    config = MLPConfig(hidden_units=[8], embedding={"frequencies": 3, "dim": 5})
    model = build_mlp(4, config, "regression")
    assert model.get_layer("embedding_flat").output.shape == (None, 4 * 5)
    loaded = _saved_and_loaded(model, tmp_path)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_periodic_embedding_lite_shares_one_linear_map():
    full = build_mlp(4, MLPConfig(hidden_units=[8], embedding={"dim": 5}), "regression")
    lite = build_mlp(
        4, MLPConfig(hidden_units=[8], embedding={"dim": 5, "lite": True}), "regression"
    )
    assert full.get_layer("embedding_linear").kernel.shape == (4, 32, 5)
    assert lite.get_layer("embedding_linear").kernel.shape == (32, 5)


def test_members_train_on_their_own_losses_and_the_saved_model_averages(tmp_path):
    config = MLPConfig(hidden_units=[16, 8], members=3, embedding={"frequencies": 4})
    members, history = train_keras_model(
        lambda: build_mlp(4, config, "regression"),
        "regression",
        (X[:384], Y[:384, None]),
        (X[384:], Y[384:, None]),
        TRAINING,
        seed=1,
    )
    columns = members.predict(X, verbose=0)
    assert columns.shape == (512, 3)
    assert np.ptp(columns, axis=1).mean() > 1e-3, "members start and stay different"
    # Keras' loss of (n, 1) targets against (n, 3) columns is the members' mean loss.
    per_member = ((columns[384:] - Y[384:, None]) ** 2).mean(axis=0)
    assert history["history"]["val_loss"][-1] == pytest.approx(per_member.mean(), rel=1e-3)
    ensemble = _saved_and_loaded(ensemble_mean(members), tmp_path)
    np.testing.assert_allclose(
        ensemble.predict(X, verbose=0)[:, 0], columns.mean(axis=1), rtol=1e-5
    )


def test_members_batch_norm_keeps_statistics_per_member_and_unit():
    model = build_mlp(4, MLPConfig(hidden_units=[6], members=2), "regression")
    assert model.get_layer("batch_norm_1").moving_mean.shape == (12,)


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_members_are_for_regression_only(task):
    with pytest.raises(ValueError, match="members = 2.*regression only"):
        build_mlp(4, MLPConfig(hidden_units=[6], members=2), task)


def test_multiply_adds_are_counted_from_the_layers():
    textbook = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, 3),  # 26 x 26 x 32 outputs, 9 inputs each
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, 3),  # 11 x 11 x 64 outputs, 9 x 32 inputs each
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(128),
            keras.layers.Dense(10),
        ]
    )
    expected = 26 * 26 * 32 * 9 + 11 * 11 * 64 * 9 * 32 + 5 * 5 * 64 * 128 + 128 * 10
    assert multiply_adds(textbook) == expected == 2_631_040
    mlp = build_mlp(24, MLPConfig(hidden_units=[256, 128, 64]), "regression")
    assert multiply_adds(mlp) == 24 * 256 + 256 * 128 + 128 * 64 + 64
    members = ensemble_mean(
        build_mlp(24, MLPConfig(hidden_units=[256, 128, 64], members=4), "regression")
    )
    assert multiply_adds(members) == 4 * multiply_adds(mlp)
    embedded = build_mlp(
        24, MLPConfig(hidden_units=[8], embedding={"frequencies": 16, "dim": 4}), "regression"
    )
    assert multiply_adds(embedded) == 24 * 16 + 24 * 32 * 4 + 24 * 4 * 8 + 8


def test_cnn_history_records_cost_and_label_smoothing_trains():
    images = RNG.integers(0, 256, size=(96, 12, 12, 1), dtype=np.uint8)
    labels = np.arange(96) % 3
    config = CNNConfig(conv_blocks=[{"filters": 4}], dense_units=[8])
    smoothed = TRAINING.model_copy(update={"label_smoothing": 0.2})
    model, history = train_keras_model(
        lambda: build_cnn((12, 12), 3, config),
        "multiclass",
        (images[:64], labels[:64]),
        (images[64:], labels[64:]),
        smoothed,
        seed=0,
    )
    assert history["multiply_adds_per_sample"] == multiply_adds(model) > 0
    assert history["parameters"] == model.count_params()
    assert model.loss.label_smoothing == 0.2
    assert set(history["history"]) >= {"loss", "accuracy", "val_loss", "val_accuracy"}


def test_a_strided_first_convolution_halves_the_resolution_of_its_block():
    config = CNNConfig(
        conv_blocks=[
            {"filters": 8, "stride": 2, "pool": False},
            {"filters": 16, "convs": 2, "pool": True},
        ]
    )
    model = build_cnn((28, 28), 10, config)
    assert model.get_layer("block1_conv1").output.shape == (None, 14, 14, 8)
    assert model.get_layer("block2_conv1").strides == (1, 1)
    assert model.get_layer("block2_pool").output.shape == (None, 7, 7, 16)


def test_test_time_shifts_average_the_network_over_moved_copies(tmp_path):
    images = RNG.integers(0, 256, size=(16, 12, 12, 1), dtype=np.uint8)
    network = build_cnn((12, 12), 3, CNNConfig(conv_blocks=[{"filters": 4}], dense_units=[8]))
    shifts = [(1, 0), (0, -2)]
    shifted = _saved_and_loaded(with_test_time_shifts(network, shifts), tmp_path)
    down = np.zeros_like(images)
    down[:, 1:] = images[:, :-1]  # one row down, the top row zero
    left = np.zeros_like(images)
    left[:, :, :-2] = images[:, :, 2:]  # two columns left, the right two zero
    expected = np.mean(
        [network.predict(view, verbose=0) for view in (images, down, left)], axis=0
    )
    np.testing.assert_allclose(shifted.predict(images, verbose=0), expected, rtol=1e-5)
    assert with_test_time_shifts(network, []) is network


@pytest.mark.parametrize("shifts", [[[0, 0]], [[1, 0], [1, 0]], [[5, 0]]])
def test_test_time_shifts_must_be_distinct_small_moves(shifts):
    with pytest.raises(ValueError, match="test_time_shifts"):
        CNNConfig(conv_blocks=[{"filters": 4}], test_time_shifts=shifts)
