"""Training progress lines: every N epochs, the first and last always, labelled."""

from __future__ import annotations

import logging

import numpy as np

from dl_experiments.config import TrainingConfig
from dl_experiments.modelling.progress import (
    format_duration,
    keras_verbosity,
    progress_callbacks,
    progress_label,
)
from dl_experiments.modelling.training import train_keras_model

LOGGER = "dl_experiments.modelling.progress"


def fit(config: TrainingConfig):
    import keras

    rng = np.random.default_rng(0)
    x, y = (
        rng.normal(size=(64, 3)).astype(np.float32),
        rng.normal(size=64).astype(np.float32),
    )

    def build():
        return keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])

    return train_keras_model(
        build, "regression", (x, y), (x[:16], y[:16]), config, seed=1
    )


def progress_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


def test_lines_every_n_epochs_with_label_metric_rate_and_eta(caplog):
    config = TrainingConfig(
        epochs=5, batch_size=16, log_every=2, early_stopping={"patience": 10}
    )
    with caplog.at_level(logging.INFO, logger=LOGGER), progress_label("demo"):
        fit(config)
    lines = progress_lines(caplog)
    epochs = [line.split(" | ")[0] for line in lines if " | " in line]
    assert epochs == [
        "demo: epoch 1/5",
        "demo: epoch 2/5",
        "demo: epoch 4/5",
        "demo: epoch 5/5",
    ]
    first = next(line for line in lines if "epoch 1/5" in line)
    parts = first.split(" | ")
    assert parts[1].startswith("loss ") and parts[2].startswith("val_loss ")
    assert parts[3] == "lr 1.00e-03"
    assert parts[4].endswith(" s/epoch") and parts[5].startswith("ETA ")
    assert lines[0] == "demo: training for up to 5 epochs, monitoring val_loss"
    assert lines[-1].startswith("demo: trained 5 epochs in ")
    assert "best val_loss" in lines[-1]


def test_log_every_zero_leaves_keras_own_output(caplog):
    config = TrainingConfig(epochs=2, log_every=0, verbose=2)
    assert progress_callbacks(config) == []
    assert keras_verbosity(config) == 2
    assert keras_verbosity(TrainingConfig(epochs=2, verbose=2)) == 0


def test_durations_read_short():
    assert [format_duration(s) for s in (3.21, 42, 185, 3725)] == [
        "3.2s",
        "42s",
        "3m05s",
        "1h02m",
    ]
