"""tf.distribute strategies, mixed precision and XLA through the one training function.

The strategy tests run in a fresh Python process: logical CPU devices can only be
configured before TensorFlow's runtime starts, which the rest of the suite has
already done in this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from dl_experiments.config import (
    MLPConfig,
    ParameterValidationError,
    TrainingConfig,
    parse_params,
)
from dl_experiments.modelling.builders import build_mlp
from dl_experiments.modelling.training import train_keras_model

# A learnable problem: the label is the sign of a fixed linear combination.
PROBLEM = """
import json
import numpy as np
rng = np.random.default_rng(0)
x = rng.normal(size=(1024, 8)).astype(np.float32)
y = (x @ rng.normal(size=8) > 0).astype(np.int64)
train, validation = (x[:768], y[:768]), (x[768:], y[768:])
"""


def _run_python(*parts: str, env: dict[str, str] | None = None) -> dict:
    """Run the code ``parts`` in a fresh interpreter; its last stdout line is JSON."""
    code = "\n".join(textwrap.dedent(part) for part in parts)
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _problem() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    namespace: dict = {}
    exec(PROBLEM, namespace)  # the same data the subprocess tests use
    return namespace["train"], namespace["validation"]


@pytest.mark.e2e
def test_mirrored_strategy_over_two_logical_cpus_converges():
    result = _run_python(
        """
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
        from dl_experiments.modelling.builders import build_mlp
        from dl_experiments.modelling.training import train_keras_model
        from dl_experiments.config import MLPConfig, TrainingConfig
        """,
        PROBLEM,
        """
        config = TrainingConfig(
            strategy="mirrored", epochs=10, batch_size=64, learning_rate=0.01,
            early_stopping={"enabled": False}, verbose=0,
        )
        model, history = train_keras_model(
            lambda: build_mlp(8, MLPConfig(hidden_units=[16]), "binary"),
            "binary", train, validation, config, seed=1,
        )
        curves = history["history"]
        print(json.dumps({
            "replicas": history["replicas"],
            "devices": history["devices"],
            "loss": curves["loss"],
            "val_accuracy": curves["val_accuracy"],
        }))
        """
    )
    assert result["replicas"] == 2
    assert result["devices"] == ["/device:CPU:0", "/device:CPU:1"]
    assert result["loss"][-1] < 0.5 * result["loss"][0]
    assert result["val_accuracy"][-1] > 0.9


@pytest.mark.e2e
def test_multi_worker_mirrored_strategy_trains_as_a_single_worker():
    """Without ``TF_CONFIG`` the multi-worker strategy is a cluster of one: the same
    code path a real cluster takes, checked here on one machine."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    result = _run_python(
        """
        from dl_experiments.modelling.training import make_strategy
        strategy = make_strategy("multi_worker_mirrored")
        from dl_experiments.modelling.builders import build_mlp
        from dl_experiments.modelling.training import train_keras_model
        from dl_experiments.config import MLPConfig, TrainingConfig
        """,
        PROBLEM,
        """
        config = TrainingConfig(
            strategy="multi_worker_mirrored", epochs=5, batch_size=64,
            learning_rate=0.01, early_stopping={"enabled": False}, verbose=0,
        )
        model, history = train_keras_model(
            lambda: build_mlp(8, MLPConfig(hidden_units=[16]), "binary"),
            "binary", train, validation, config, seed=1,
        )
        import tensorflow as tf
        print(json.dumps({
            "multi_worker": isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy),
            "strategy": history["strategy"],
            "replicas": history["replicas"],
            "loss": history["history"]["loss"],
        }))
        """,
        env=env,
    )
    assert result["multi_worker"] is True
    assert result["strategy"] == "multi_worker_mirrored"
    assert result["replicas"] == 1
    assert result["loss"][-1] < result["loss"][0]


def _train(**training) -> tuple[keras.Model, dict]:
    train, validation = _problem()
    config = TrainingConfig(
        epochs=3,
        batch_size=64,
        learning_rate=0.01,
        early_stopping={"enabled": False},
        verbose=0,
        **training,
    )
    return train_keras_model(
        lambda: build_mlp(8, MLPConfig(hidden_units=[16]), "binary"),
        "binary",
        train,
        validation,
        config,
        seed=3,
    )


def test_mixed_precision_computes_in_float16_with_a_float32_head():
    model, history = _train(mixed_precision=True)
    assert model.get_layer("dense_1").dtype_policy.name == "mixed_float16"
    assert model.get_layer("dense_1").compute_dtype == "float16"
    assert model.get_layer("probability").compute_dtype == "float32"
    assert model.output.dtype == "float32"
    assert np.isfinite(history["history"]["loss"]).all()
    assert history["history"]["loss"][-1] < history["history"]["loss"][0]
    # the policy is the process's default again once training is done
    assert keras.mixed_precision.global_policy().name == "float32"


def test_mixed_precision_and_xla_are_off_by_default():
    config = TrainingConfig()
    assert (config.mixed_precision, config.jit_compile) == (False, False)
    model, _ = _train()
    assert model.get_layer("dense_1").dtype_policy.name == "float32"
    assert model.jit_compile is False


def test_xla_compilation_when_asked():
    from tensorflow.python.framework.config import is_op_determinism_enabled

    _train()  # a deterministic run first: its process-wide switch must not stick
    model, history = _train(jit_compile=True, deterministic=False)
    assert not is_op_determinism_enabled()
    assert model.jit_compile is True
    assert history["history"]["loss"][-1] < history["history"]["loss"][0]


def test_xla_with_deterministic_ops_is_a_parameter_error():
    with pytest.raises(ParameterValidationError) as error:
        parse_params(TrainingConfig, {"jit_compile": True}, "fashion_mnist.training")
    assert "jit_compile: true needs deterministic: false" in str(error.value)
    assert "fashion_mnist.training" in str(error.value)
