"""How fast the fashion_mnist predict pipeline scores images on this machine.

Loads a saved Fashion-MNIST model (the latest under ``data/06_models`` unless
``--model`` names a file), reads the 10,000 test images from the shipped IDX file
and scores them with the predict pipeline's own functions (``image_batch``, then
``score_images``: batched ``model.predict``), ``--repeats`` times. Reports, as JSON,
the wall-clock and process CPU seconds of each repeat and the best throughput.
Train first (``kedro run --pipeline=fashion_mnist``, or ``--env=test`` for a quick
model: the architecture, and so the cost of scoring, is the same).

    python benchmarks/predict_throughput.py --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "data" / "01_raw" / "t10k-images-idx3-ubyte.gz"
MODELS = ROOT / "data" / "06_models" / "fashion_mnist" / "model.keras"


def main() -> None:
    """Score the test images and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a saved model.keras file")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import keras  # noqa: PLC0415 - after argument parsing, TensorFlow starts slowly

    from dl_experiments.datasets import IDXDataset  # noqa: PLC0415
    from dl_experiments.modelling.scoring import score_images  # noqa: PLC0415
    from dl_experiments.preprocessing.image_inputs import image_batch  # noqa: PLC0415

    saved = sorted(MODELS.glob("*/model.keras"))
    model_path = args.model or (saved[-1] if saved else None)
    if model_path is None or not model_path.exists():
        raise SystemExit(
            f"No saved model under {MODELS}: run kedro run --pipeline=fashion_mnist "
            "first, or pass --model"
        )
    model = keras.models.load_model(model_path)
    start = time.perf_counter()
    images = IDXDataset(filepath=str(IMAGES), kind="images").load()
    batch, ids, _ = image_batch(images, (28, 28), "t10k_images")
    prepare_seconds = time.perf_counter() - start
    names = [f"class_{i}" for i in range(model.output_shape[-1])]
    repeats = []
    for _ in range(args.repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        predictions = score_images(model, batch, ids, names, {"model": "benchmark"})
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        repeats.append({"wall_seconds": round(wall, 3), "cpu_seconds": round(cpu, 3)})
    best = min(item["wall_seconds"] for item in repeats)
    print(
        json.dumps(
            {
                "model": str(model_path),
                "images": len(predictions),
                "read_and_prepare_seconds": round(prepare_seconds, 3),
                "repeats": repeats,
                "best_images_per_second": round(len(predictions) / best),
                "cpu_count": os.cpu_count(),
                "load_average_1min": round(os.getloadavg()[0], 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
