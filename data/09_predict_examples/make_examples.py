"""Write the example inputs of the predict pipelines from the shipped raw data.

Run once from the repository root (``python data/09_predict_examples/make_examples.py``);
the files it writes are committed, and nothing runs this at pipeline run time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from dl_experiments.datasets.idx_dataset import decode_idx, decompress, encode_idx

HERE = Path(__file__).resolve().parent
RAW = HERE.parent / "01_raw"


def wildfire(n_rows: int = 20) -> None:
    """Every 26th reading of the UCI file, the label column (area) removed."""
    readings = pd.read_csv(RAW / "forestfires.csv")
    sample = readings.iloc[:: len(readings) // n_rows][:n_rows].drop(columns="area")
    sample.insert(0, "reading_id", [f"reading-{i:03d}" for i in range(1, n_rows + 1)])
    sample.to_csv(HERE / "wildfire_readings.csv", index=False)


def housing(n_rows: int = 20) -> None:
    """Every 1032nd district of the census table, the label (MedHouseVal) removed."""
    districts = pd.read_parquet(RAW / "california_housing.parquet.brotli")
    step = len(districts) // n_rows
    sample = districts.iloc[::step][:n_rows].drop(columns="MedHouseVal")
    sample.insert(0, "district_id", [f"district-{i:03d}" for i in range(1, n_rows + 1)])
    sample.to_csv(HERE / "housing_districts.csv", index=False)


def fashion_mnist(n_images: int = 12) -> None:
    """The first test images as 28x28 grayscale PNGs and as one small IDX file, plus
    one of them as a 56x56 RGB PNG to show that other sizes and colour are converted."""
    path = RAW / "t10k-images-idx3-ubyte.gz"
    images = decode_idx(decompress(path.read_bytes(), str(path)), str(path), "images")
    folder = HERE / "fashion_mnist_images"
    folder.mkdir(exist_ok=True)
    for index in range(n_images):
        Image.fromarray(images[index]).save(folder / f"t10k-{index:05d}.png")
    rgb = Image.fromarray(images[n_images]).convert("RGB").resize((56, 56))
    rgb.save(folder / f"t10k-{n_images:05d}-rgb-56px.png")
    (HERE / "fashion_mnist_images.idx").write_bytes(
        encode_idx(np.ascontiguousarray(images[:n_images]))
    )


if __name__ == "__main__":
    wildfire()
    housing()
    fashion_mnist()
