"""Prove the GPU settings on a GPU machine: float32 vs mixed precision vs XLA.

Trains the project's Fashion-MNIST CNN (``modelling.builders.build_cnn`` with the
``fashion_mnist.model`` parameters, or a small default CNN when that file is absent)
for a few epochs under each setting and reports the devices, the steady-state
throughput (the last epoch; the first includes compilation), the first-epoch time
and the test accuracy, as JSON (``--output``, default ``$OUT/gpu_check.json``).

With TensorFlow installed (``pip install -e ".[gpu]"``) it trains through the
project's own ``train_keras_model`` (tf.data input, ``mixed_precision`` and
``jit_compile`` training parameters). Where TensorFlow is absent but JAX is there,
it runs the same Keras model on Keras' JAX backend (which always compiles with XLA)
and says so in the JSON: the model code and the mixed-precision policy are the
same, the input pipeline is Keras' own.

    python benchmarks/gpu_check.py --epochs 3 --output gpu_check.json
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "01_raw"
DEFAULT_CNN = {
    "conv_blocks": [
        {"filters": 32, "convs": 2, "dropout": 0.25},
        {"filters": 64, "convs": 2, "dropout": 0.25},
    ],
    "dense_units": [256],
    "dropout": 0.4,
}


def backend() -> str:
    """``tensorflow`` when it is installed, else ``jax`` (Keras' JAX backend)."""
    if importlib.util.find_spec("tensorflow") is not None:
        return "tensorflow"
    if importlib.util.find_spec("jax") is None:
        raise SystemExit("neither TensorFlow nor JAX is installed")
    os.environ["KERAS_BACKEND"] = "jax"
    # dl_experiments/__init__ imports TensorFlow: load the builders on their own.
    src = ROOT / "src"
    for package in (
        "dl_experiments",
        "dl_experiments.modelling",
        "dl_experiments.validation",
    ):
        module = types.ModuleType(package)
        module.__path__ = [str(src / package.replace(".", "/"))]
        sys.modules[package] = module
    return "jax"


def read_idx(path: Path) -> Any:
    """An IDX file (gzip) as a NumPy array, in one read."""
    import numpy as np  # noqa: PLC0415

    raw = gzip.decompress(path.read_bytes())
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion_mnist(samples: int) -> tuple[Any, Any, Any, Any]:
    """The shipped Fashion-MNIST training and test images (N, 28, 28, 1) and labels."""
    x = read_idx(RAW / "train-images-idx3-ubyte.gz")[:samples, ..., None]
    y = read_idx(RAW / "train-labels-idx1-ubyte.gz")[:samples].astype("int64")
    x_test = read_idx(RAW / "t10k-images-idx3-ubyte.gz")[..., None]
    y_test = read_idx(RAW / "t10k-labels-idx1-ubyte.gz").astype("int64")
    return x, y, x_test, y_test


def cnn_parameters() -> tuple[dict[str, Any], str]:
    """The ``fashion_mnist.model`` parameters, or the default CNN."""
    path = ROOT / "conf" / "base" / "parameters_fashion_mnist.yml"
    if path.exists():
        import yaml  # noqa: PLC0415

        model = (yaml.safe_load(path.read_text()) or {}).get("fashion_mnist", {})
        if model.get("model"):
            return model["model"], str(path.relative_to(ROOT))
    return DEFAULT_CNN, "default CNN in benchmarks/gpu_check.py"


def devices(name: str) -> dict[str, Any]:
    """What the framework and the driver see."""
    found: dict[str, Any] = {"backend": name}
    if name == "tensorflow":
        import tensorflow as tf  # noqa: PLC0415

        found["tensorflow"] = tf.__version__
        found["devices"] = [d.name for d in tf.config.list_physical_devices()]
        found["built_with_cuda"] = tf.test.is_built_with_cuda()
    else:
        import jax  # noqa: PLC0415

        found["jax"] = jax.__version__
        found["devices"] = [str(d) for d in jax.devices()]
    if shutil.which("nvidia-smi"):
        query = "--query-gpu=name,memory.total,driver_version"
        found["nvidia_smi"] = subprocess.run(
            ["nvidia-smi", query, "--format=csv,noheader"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    return found


class EpochTimes:
    """A Keras callback factory that records each epoch's wall time."""

    @staticmethod
    def make() -> Any:
        import keras  # noqa: PLC0415

        class Timer(keras.callbacks.Callback):
            def __init__(self) -> None:
                super().__init__()
                self.seconds: list[float] = []

            def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
                self._start = time.perf_counter()

            def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
                self.seconds.append(time.perf_counter() - self._start)

        return Timer()


def train_one(
    name: str,
    setting: dict[str, bool],
    data: tuple[Any, Any, Any, Any],
    model_params: dict[str, Any],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Train the CNN under one setting; throughput, epoch times, test accuracy."""
    import keras  # noqa: PLC0415

    from dl_experiments.config import CNNConfig, TrainingConfig  # noqa: PLC0415
    from dl_experiments.modelling.builders import build_cnn  # noqa: PLC0415

    x, y, x_test, y_test = data
    split = int(len(x) * 0.9)
    cnn = CNNConfig.model_validate(model_params)
    config = TrainingConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        early_stopping={"enabled": False},
        mixed_precision=setting["mixed_precision"],
        jit_compile=setting["jit_compile"],
        deterministic=False,
        verbose=0,
    )
    timer = EpochTimes.make()
    started = time.perf_counter()
    if name == "tensorflow":
        from dl_experiments.modelling.training import train_keras_model  # noqa: PLC0415

        keras.mixed_precision.set_global_policy(
            "mixed_float16" if setting["mixed_precision"] else "float32"
        )
        model, history = train_keras_model(
            lambda: build_cnn((28, 28), 10, cnn),
            "multiclass",
            (x[:split], y[:split]),
            (x[split:], y[split:]),
            config,
            seed=args.seed,
            callbacks=[timer],
        )
        strategy = history.get("strategy")
    else:
        keras.utils.set_random_seed(args.seed)
        keras.mixed_precision.set_global_policy(
            "mixed_float16" if setting["mixed_precision"] else "float32"
        )
        model = build_cnn((28, 28), 10, cnn)
        model.compile(
            optimizer=keras.optimizers.Adam(config.learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            jit_compile=True,
        )
        model.fit(
            x[:split],
            y[:split],
            batch_size=config.batch_size,
            epochs=config.epochs,
            validation_data=(x[split:], y[split:]),
            callbacks=[timer],
            verbose=0,
        )
        strategy = None  # Keras on JAX: no tf.distribute
    total = time.perf_counter() - started
    hidden = next(layer for layer in model.layers if layer.name.endswith("conv1"))
    _, accuracy = model.evaluate(x_test, y_test, batch_size=1024, verbose=0)
    keras.mixed_precision.set_global_policy("float32")
    steady = timer.seconds[-1]
    return {
        "mixed_precision": setting["mixed_precision"],
        "jit_compile": setting["jit_compile"] or name == "jax",
        "compute_dtype": hidden.compute_dtype,
        "output_dtype": str(model.output.dtype),
        "strategy": strategy,
        "train_samples": split,
        "epoch_seconds": [round(s, 3) for s in timer.seconds],
        "samples_per_second": round(split / steady, 1),
        "total_seconds": round(total, 3),
        "test_accuracy": round(float(accuracy), 4),
    }


SETTINGS = {
    "float32": {"mixed_precision": False, "jit_compile": False},
    "mixed_float16": {"mixed_precision": True, "jit_compile": False},
    "xla": {"mixed_precision": False, "jit_compile": True},
    "mixed_float16+xla": {"mixed_precision": True, "jit_compile": True},
}


def main(argv: list[str] | None = None) -> None:
    """Run every setting and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=42)
    default_output = Path(os.environ.get("OUT", ".")) / "gpu_check.json"
    parser.add_argument("--output", default=str(default_output))
    args = parser.parse_args(argv)

    name = backend()
    found = devices(name)
    print(json.dumps(found, indent=2), flush=True)
    data = fashion_mnist(args.samples)
    model_params, source = cnn_parameters()
    settings = dict(SETTINGS)
    if name == "jax":  # JAX always compiles: the XLA rows would repeat the others
        settings = {
            "xla": SETTINGS["xla"],
            "mixed_float16+xla": SETTINGS["mixed_float16+xla"],
        }
    results: dict[str, Any] = {}
    for label, setting in settings.items():
        results[label] = train_one(name, setting, data, model_params, args)
        print(label, json.dumps(results[label]), flush=True)
    base = results.get("float32") or results["xla"]
    for row in results.values():
        row["speedup"] = round(
            row["samples_per_second"] / base["samples_per_second"], 2
        )
    report = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "model": source,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        **found,
        "settings": results,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
