"""The scoring benchmark runs and reports the 10,000 test images."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import keras

from tests.conftest import PROJECT_ROOT


def test_benchmark_scores_every_test_image(tmp_path):
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.save(tmp_path / "model.keras")
    result = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "benchmarks" / "predict_throughput.py"),
            "--model",
            str(tmp_path / "model.keras"),
            "--repeats",
            "2",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env=os.environ | {"TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert report["images"] == 10_000
    assert len(report["repeats"]) == 2
    assert report["best_images_per_second"] > 0
