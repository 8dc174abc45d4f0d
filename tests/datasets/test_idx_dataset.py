"""IDXDataset: round trips on small arrays, the shipped files, each kind of bad file."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from kedro.io import DataCatalog, DatasetError

from dl_experiments.datasets import IDXDataset, IDXFormatError
from dl_experiments.datasets.idx_dataset import encode_idx

RAW = Path(__file__).resolve().parents[2] / "data" / "01_raw"


@pytest.fixture
def images() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)


@pytest.fixture
def labels() -> np.ndarray:
    return np.array([9, 0, 0, 3, 0, 2, 7], dtype=np.int64)


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_images_round_trip_plain_and_gzipped(tmp_path, images, name):
    path = tmp_path / name
    IDXDataset(filepath=str(path), kind="images").save(images)
    raw = path.read_bytes()
    if name.endswith(".gz"):
        assert raw[:2] == b"\x1f\x8b"
        raw = gzip.decompress(raw)
    assert raw[:4] == bytes.fromhex("00000803")
    assert np.frombuffer(raw, ">u4", 3, 4).tolist() == [7, 28, 28]
    loaded = IDXDataset(filepath=str(path), kind="images").load()
    assert loaded.dtype == np.uint8
    np.testing.assert_array_equal(loaded, images)


def test_labels_round_trip_as_uint8(tmp_path, labels):
    path = tmp_path / "labels-idx1-ubyte.gz"
    IDXDataset(filepath=str(path), kind="labels").save(labels)
    assert gzip.decompress(path.read_bytes())[:4] == bytes.fromhex("00000801")
    loaded = IDXDataset(filepath=str(path), kind="labels").load()
    assert loaded.dtype == np.uint8
    np.testing.assert_array_equal(loaded, labels)


@pytest.mark.parametrize(
    "array",
    [
        np.arange(-6, 6, dtype=np.int16).reshape(3, 4),
        np.arange(12, dtype=np.int32).reshape(2, 2, 3) * 100_000,
        np.linspace(-1, 1, 10, dtype=np.float32),
        np.linspace(-1, 1, 10, dtype=np.float64).reshape(2, 5),
    ],
    ids=["int16", "int32", "float32", "float64"],
)
def test_other_idx_types_round_trip(tmp_path, array):
    dataset = IDXDataset(filepath=str(tmp_path / "data.idx"))
    dataset.save(array)
    loaded = dataset.load()
    assert loaded.dtype == array.dtype
    np.testing.assert_array_equal(loaded, array)


def test_gzip_is_detected_by_content_not_by_name(tmp_path, images):
    compressed = tmp_path / "no-suffix"
    IDXDataset(filepath=str(compressed), save_args={"compress": True}).save(images)
    assert compressed.read_bytes()[:2] == b"\x1f\x8b"
    plain = tmp_path / "misleading.gz"
    IDXDataset(filepath=str(plain), save_args={"compress": False}).save(images)
    assert plain.read_bytes()[:4] == bytes.fromhex("00000803")
    for path in (compressed, plain):
        np.testing.assert_array_equal(IDXDataset(filepath=str(path)).load(), images)


def versioned_labels(folder: Path) -> DataCatalog:
    """A fresh catalog (as a new Kedro run makes) with one versioned labels file."""
    entry = {
        "type": "dl_experiments.datasets.IDXDataset",
        "filepath": str(folder / "labels.idx.gz"),
        "kind": "labels",
        "versioned": True,
    }
    return DataCatalog.from_config({"labels": entry})


def test_versioned_saves_keep_every_version(tmp_path, labels):
    versioned_labels(tmp_path).save("labels", labels)
    catalog = versioned_labels(tmp_path)
    catalog.save("labels", labels[::-1])
    assert len(list((tmp_path / "labels.idx.gz").iterdir())) == 2
    np.testing.assert_array_equal(catalog.load("labels"), labels[::-1])


def test_the_shipped_fashion_mnist_files():
    train_labels = IDXDataset(
        filepath=str(RAW / "train-labels-idx1-ubyte.gz"), kind="labels"
    ).load()
    test_images = IDXDataset(
        filepath=str(RAW / "t10k-images-idx3-ubyte.gz"), kind="images"
    ).load()
    assert train_labels.shape == (60_000,)
    assert train_labels[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert np.bincount(train_labels).tolist() == [6_000] * 10
    assert test_images.shape == (10_000, 28, 28)
    assert test_images.dtype == np.uint8
    assert 0 < test_images.mean() < 255


# Each bad file: what to write, and what the error must say (besides the file's path).
def _idx(array: np.ndarray) -> bytes:
    return encode_idx(array)


GOOD_IMAGES = np.zeros((4, 28, 28), dtype=np.uint8)
GOOD_LABELS = np.arange(4, dtype=np.uint8)
BAD_FILES = {
    "empty": (b"", "images", "is truncated: 0 byte(s)"),
    "header cut short": (_idx(GOOD_IMAGES)[:10], "images", "shorter than its 16-byte header"),
    "data cut short": (
        _idx(GOOD_IMAGES)[:-100],
        "images",
        "is truncated: the header promises shape (4, 28, 28)",
    ),
    "trailing bytes": (_idx(GOOD_LABELS) + b"\x00", "labels", "is corrupt"),
    "wrong magic": (
        b"\x00\x00\x07\x03" + _idx(GOOD_IMAGES)[4:],
        "images",
        "is not an IDX file: magic number 0x00000703",
    ),
    "a PNG": (b"\x89PNG\r\n\x1a\n" + bytes(64), "images", "is not an IDX file"),
    "a CSV": (b"label,pixel1\n9,0\n", "labels", "is not an IDX file"),
    "labels where images belong": (
        _idx(GOOD_LABELS),
        "images",
        "holds a labels file (magic number 0x00000801",
    ),
    "images where labels belong": (
        _idx(GOOD_IMAGES),
        "labels",
        "holds an images file (magic number 0x00000803",
    ),
    "gzip cut short": (
        gzip.compress(_idx(GOOD_IMAGES))[:-20],
        "images",
        "cannot be decompressed",
    ),
    "gzip damaged": (
        gzip.compress(_idx(np.arange(4000, dtype=np.int32)))[:30]
        + b"\xff" * 8
        + gzip.compress(_idx(np.arange(4000, dtype=np.int32)))[38:],
        "labels",
        "cannot be decompressed",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_rejected_with_the_file_named(tmp_path, case):
    content, kind, expected = BAD_FILES[case]
    path = tmp_path / "bad-file.gz"
    path.write_bytes(content)
    with pytest.raises(IDXFormatError) as error:
        IDXDataset(filepath=str(path), kind=kind).load()
    message = str(error.value)
    assert str(path) in message
    assert expected in message
    assert isinstance(error.value, DatasetError)


def test_an_unknown_kind_is_a_configuration_error(tmp_path):
    with pytest.raises(DatasetError, match="kind='pictures'"):
        IDXDataset(filepath=str(tmp_path / "x.idx"), kind="pictures")


def test_saving_the_wrong_kind_of_array_is_refused(tmp_path, images):
    with pytest.raises(DatasetError, match=r"is for labels.*shape \(7, 28, 28\)"):
        IDXDataset(filepath=str(tmp_path / "l.idx"), kind="labels").save(images)


def test_arrays_idx_cannot_hold_are_refused(tmp_path):
    with pytest.raises(DatasetError, match="fit in int32"):
        IDXDataset(filepath=str(tmp_path / "x.idx")).save(np.array([2**40]))
    with pytest.raises(DatasetError, match="dtype complex128"):
        IDXDataset(filepath=str(tmp_path / "x.idx")).save(np.zeros(3, complex))
