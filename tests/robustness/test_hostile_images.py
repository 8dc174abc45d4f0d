"""Hostile IDX files for fashion_mnist: each is stopped before training.

Small, valid IDX files are generated per test and then broken in one way; the real
pipeline runs on them in a project copy. The error must name the file, what was
found and what was expected, and the run must leave no version of anything.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from kedro.io import DatasetError

from dl_experiments.datasets.idx_dataset import encode_idx
from dl_experiments.validation import DataValidationError
from tests.conftest import run_kedro
from tests.helpers import assert_rejected, derived_files, point_catalog

pytestmark = pytest.mark.e2e

N_IMAGES = 200
FILE = "{file}"  # in the expected words: the hostile file's path
FOLDER = "{folder}"  # and its folder


def valid_set(seed: int = 0) -> dict[str, np.ndarray]:
    """Random 28x28 images with every class 0-9 present."""
    rng = np.random.default_rng(seed)
    return {
        "images": rng.integers(0, 256, (N_IMAGES, 28, 28), dtype=np.uint8),
        "labels": (np.arange(N_IMAGES) % 10).astype(np.uint8),
    }


def gz(array: np.ndarray) -> bytes:
    return gzip.compress(encode_idx(array), mtime=0)


@pytest.fixture
def idx_files(project: Path):
    """Point the four fashion_mnist inputs at generated valid files, then replace
    one file per call with ``content`` (``None`` deletes it)."""
    files: dict[tuple[str, str], Path] = {}
    for part in ("train", "test"):
        arrays = valid_set(seed=len(part))
        for kind in ("images", "labels"):
            path = project / "hostile" / f"{part}-{kind}.idx.gz"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(gz(arrays[kind]))
            files[part, kind] = path
            point_catalog(
                project,
                f"fashion_mnist.{part}_{kind}",
                {
                    "type": "dl_experiments.datasets.IDXDataset",
                    "filepath": str(path),
                    "kind": kind,
                },
            )

    def replace(part: str, kind: str, content: bytes | None) -> Path:
        target = files[part, kind]
        if content is None:
            target.unlink()
        else:
            target.write_bytes(content)
        return target

    return replace


def rejected(project: Path, error: type[Exception], *words: str) -> str:
    return assert_rejected(project, "fashion_mnist", error, *words)


def test_generated_files_are_valid(project, idx_files):
    """The baseline the other cases break: it passes ingestion and trains."""
    idx_files("train", "images", gz(valid_set(seed=5)["images"]))
    run_kedro(
        project,
        "fashion_mnist",
        to_nodes=[
            "fashion_mnist.select_test_images",
            "fashion_mnist.split_training_images",
        ],
    )
    assert any("test_set_images" in name for name in derived_files(project))


def truncated_gzip() -> bytes:
    whole = gz(valid_set()["images"])
    return whole[: len(whole) // 2]


def corrupt_gzip() -> bytes:
    damaged = bytearray(gz(valid_set()["images"]))
    damaged[len(damaged) // 2 : len(damaged) // 2 + 64] = bytes(64)
    return bytes(damaged)


def wrong_magic_number() -> bytes:
    raw = bytearray(encode_idx(valid_set()["images"]))
    raw[:4] = b"\x1a\x2b\x08\x03"
    return bytes(raw)


def labels_outside_0_to_9() -> bytes:
    labels = valid_set()["labels"].copy()
    labels[7] = 12
    return gz(labels)


# case: (the file replaced, its hostile content, the error, words its message must
# contain); FILE stands for the replaced file's path, FOLDER for its folder
CASES = {
    "missing_file": (
        ("train", "labels"),
        lambda: None,
        DatasetError,
        [FILE, "No such file"],
    ),
    "empty_file": (
        ("test", "images"),
        lambda: b"",
        DatasetError,
        [FILE, "0 byte(s)", "4-byte magic number"],
    ),
    "truncated_gzip": (
        ("train", "images"),
        truncated_gzip,
        DatasetError,
        [FILE, "cannot be decompressed", "complete gzip"],
    ),
    "corrupt_gzip": (
        ("train", "images"),
        corrupt_gzip,
        DatasetError,
        [FILE, "cannot be decompressed"],
    ),
    "wrong_magic_number": (
        ("train", "images"),
        wrong_magic_number,
        DatasetError,
        [FILE, "magic number 0x1A2B0803", "0x00000803"],
    ),
    "labels_file_where_images_are_expected": (
        ("test", "images"),
        lambda: gz(valid_set()["labels"]),
        DatasetError,
        [FILE, "holds a labels file", "expected images"],
    ),
    "truncated_idx_data": (
        ("train", "images"),
        lambda: encode_idx(valid_set()["images"])[:-100],
        DatasetError,
        [FILE, "is truncated", "header promises shape"],
    ),
    "image_label_count_mismatch": (
        ("train", "labels"),
        lambda: gz(valid_set()["labels"][:-1]),
        DataValidationError,
        [
            "200 images but 199 labels",
            "expected one label per image",
            f"{FOLDER}/train-images.idx.gz",
        ],
    ),
    "labels_outside_0_to_9": (
        ("train", "labels"),
        labels_outside_0_to_9,
        DataValidationError,
        [
            FILE,
            "1 of 200 labels are outside 0-9, e.g. 12 at position 7",
            "expected class indices 0-9",
        ],
    ),
    "images_of_the_wrong_size": (
        ("test", "images"),
        lambda: gz(np.zeros((N_IMAGES, 32, 32), dtype=np.uint8)),
        DataValidationError,
        [FILE, "images have shape (200, 32, 32)", "expected (n, 28, 28)"],
    ),
}


@pytest.mark.parametrize(("file", "make", "error", "words"), CASES.values(), ids=CASES)
def test_hostile_idx_file_is_rejected(project, idx_files, file, make, error, words):
    path = idx_files(*file, make())
    rejected(
        project,
        error,
        *(
            w.replace(FILE, str(path)).replace(FOLDER, str(path.parent))
            for w in words
        ),
    )


def test_too_few_images_for_the_split(project, idx_files):
    few = valid_set()
    idx_files("train", "images", gz(few["images"][:12]))
    idx_files("train", "labels", gz(few["labels"][:12]))
    rejected(
        project,
        DataValidationError,
        "12 images with class counts",
        "too few for a stratified split with validation_size=0.1",
        "expected at least one image of every class in each part",
    )
