"""Hostile bytes, property-based (hypothesis): random and mutated inputs to every loader.

Each input kind either loads correctly or raises the project's own error naming
the file (or dataset); never an unrelated exception, a hang, or a written file.
The example counts are fixed (``EXAMPLES``) and the search is derandomised, so a
run is repeatable; ``deadline=None`` because a loaded CI machine is slow.
"""

from __future__ import annotations

import csv
import gzip
import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from kedro.io import DatasetError
from kedro_datasets.pandas import CSVDataset
from kedro_datasets.partitions import PartitionedDataset
from PIL import Image

from dl_experiments.datasets import IDXDataset, IDXFormatError
from dl_experiments.datasets.idx_dataset import encode_idx
from dl_experiments.preprocessing.image_inputs import image_batch
from dl_experiments.validation import DataValidationError
from dl_experiments.validation.rows import row_problems, validate_new_rows
from dl_experiments.validation.tabular import TableSchema, validate_table

EXAMPLES = {"idx": 400, "table": 300, "rows": 300, "image": 300}


def examples(kind: str):
    return settings(
        max_examples=EXAMPLES[kind],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def files_in(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


# ---------------------------------------------------------------- IDX files
VALID_IDX = [
    encode_idx(np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)),
    encode_idx(np.array([0, 1, 2, 9], dtype=np.uint8)),
    encode_idx(np.linspace(0, 1, 6, dtype=np.float32).reshape(1, 2, 3)),
]


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    """A valid file with a few bytes flipped, cut, inserted or duplicated."""
    raw = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "truncate", "repeat"]))
        at = draw(st.integers(0, max(len(raw) - 1, 0)))
        if action == "flip" and raw:
            raw[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del raw[at : at + draw(st.integers(1, 8))]
        elif action == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "truncate":
            del raw[at:]
        else:
            raw += raw[at:]
    return bytes(raw)


def idx_bytes() -> st.SearchStrategy[bytes]:
    gzipped = [gzip.compress(raw, mtime=0) for raw in VALID_IDX]
    return st.one_of(
        st.binary(max_size=256),
        mutated(VALID_IDX),
        mutated(gzipped),
        mutated(VALID_IDX).map(lambda raw: gzip.compress(raw, mtime=0)),
    )


# Found while writing these tests: sizes whose product wraps int64 to 0 passed the
# length check and crashed in ``reshape`` (a ValueError naming no file).
WRAPS_TO_ZERO = bytes([0, 0, 8, 3]) + np.array([2**21, 2**21, 2**22], ">u4").tobytes()


@examples("idx")
@given(raw=idx_bytes(), kind=st.sampled_from([None, "images", "labels"]))
@example(raw=WRAPS_TO_ZERO, kind="images")
def test_idx_dataset_loads_or_names_the_file(raw: bytes, kind):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile-idx-ubyte"
        path.write_bytes(raw)
        try:
            array = IDXDataset(filepath=str(path), kind=kind).load()
        except IDXFormatError as error:
            assert str(path) in str(error)
            event("rejected")
        else:
            event("loaded")
            plain = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            assert encode_idx(array) == plain or array.dtype.kind in "iu"
            if kind is not None:
                assert array.ndim == {"images": 3, "labels": 1}[kind]
        assert files_in(Path(folder)) == [path]


# ----------------------------------------------------------- tables (cells)
SCHEMA = TableSchema(
    columns={
        "X": {"type": "integer", "min": 1, "max": 9},
        "temp": {"min": -40, "max": 60},
        "rain": {"min": 0, "exclusive_min": True, "impute": "median"},
        "month": {"type": "categorical", "allowed": ["jan", "feb"]},
    },
    duplicates="allow",
)

CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["jan", " feb ", "1", "5", "1e400", "-0", "nan", "inf", "", " "]),
)


# Plausible cells, so that whole tables pass too; one cell in ten is hostile.
VALID = {
    "reading_id": st.integers(0, 10**6),
    "X": st.integers(1, 9),
    "temp": st.floats(-40, 60),
    "rain": st.one_of(st.none(), st.floats(0.01, 500)),
    "month": st.sampled_from(["jan", "feb"]),
}


def tables(columns: list[str]) -> st.SearchStrategy[pd.DataFrame]:
    def cell(name: str) -> st.SearchStrategy:
        hostile = st.sampled_from([False] * 9 + [True])
        return hostile.flatmap(lambda bad: CELLS if bad else VALID[name])

    row = st.fixed_dictionaries({name: cell(name) for name in columns})
    return st.lists(row, min_size=0, max_size=8).map(
        lambda rows: pd.DataFrame(rows, columns=columns, dtype=object)
    )


def _check_typed(result: pd.DataFrame) -> None:
    assert list(result.columns) == list(SCHEMA.columns)
    x, temp, rain = result["X"], result["temp"], result["rain"]
    assert x.between(1, 9).all() and (x == np.round(x)).all()
    assert temp.between(-40, 60).all()
    assert (rain.dropna() > 0).all()
    assert set(result["month"]) <= {"jan", "feb"}


@examples("table")
@given(frame=tables(list(SCHEMA.columns)))
def test_table_validation_accepts_exactly_the_rows_without_problems(frame):
    try:
        result = validate_table(frame, SCHEMA, "sensor_readings")
    except DataValidationError as error:
        assert "sensor_readings" in str(error)
        assert len(frame) == 0 or not row_problems(frame, SCHEMA).empty
        event("rejected")
    else:
        event("loaded")
        assert row_problems(frame, SCHEMA).empty
        _check_typed(result)


@examples("table")
@given(frame=tables(list(SCHEMA.columns)))
def test_a_csv_of_random_cells_loads_and_validates_or_names_the_file(frame):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "readings.csv"
        buffer = io.StringIO()
        csv.writer(buffer).writerows([list(frame.columns), *frame.to_numpy().tolist()])
        path.write_text(buffer.getvalue())
        try:
            table = CSVDataset(filepath=str(path)).load()
            result = validate_table(table, SCHEMA, "sensor_readings")
        except DatasetError as error:
            assert str(path) in str(error)
            event("unreadable file")
        except DataValidationError as error:
            assert "sensor_readings" in str(error)
            event("rejected")
        else:
            event("loaded")
            _check_typed(result)
        assert files_in(Path(folder)) == [path]


@examples("rows")
@given(
    frame=tables(["reading_id", *SCHEMA.columns]),
    on_invalid=st.sampled_from(["fail", "reject"]),
)
def test_new_rows_are_scored_or_rejected_one_by_one(frame, on_invalid):
    try:
        rows, rejects = validate_new_rows(
            frame,
            SCHEMA,
            "new_readings",
            id_columns=["reading_id"],
            on_invalid=on_invalid,
        )
    except DataValidationError as error:
        assert "new_readings" in str(error)
        bad = set(row_problems(frame, SCHEMA)["row"]) if len(frame) else set()
        assert (
            len(frame) == 0 or bad and (on_invalid == "fail" or len(bad) == len(frame))
        )
        event("stopped")
    else:
        event("some rows rejected" if len(rejects) else "all rows scored")
        bad = set(rejects["row"])
        assert set(rows["row"]) == set(range(1, len(frame) + 1)) - bad
        assert on_invalid == "reject" or not bad
        _check_typed(rows.drop(columns=["row", "reading_id"]))


# ---------------------------------------------------------------- images
def _png(array: np.ndarray, mode: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).convert(mode).save(buffer, format="PNG")
    return buffer.getvalue()


SEED_IMAGES = [
    _png(np.arange(28 * 28, dtype=np.uint8).reshape(28, 28), "L"),
    _png(np.zeros((5, 9, 3), dtype=np.uint8), "RGB"),
    _png(np.full((40, 30), 7, dtype=np.uint8), "P"),
    _png(np.full((3, 3), 255, dtype=np.uint8), "1"),
]


@st.composite
def image_files(draw) -> bytes:
    kind = draw(st.sampled_from(["random", "mutated", "valid"]))
    if kind == "random":
        return draw(st.binary(max_size=200))
    if kind == "mutated":
        return draw(mutated(SEED_IMAGES))
    height, width = draw(st.integers(1, 64)), draw(st.integers(1, 64))
    mode = draw(
        st.sampled_from(["L", "RGB", "RGBA", "P", "1", "I", "I;16", "F", "LA", "CMYK"])
    )
    seed = draw(st.integers(0, 2**16))
    pixels = np.random.default_rng(seed).integers(
        0, 256, (height, width), dtype=np.uint8
    )
    buffer = io.BytesIO()
    image = Image.fromarray(pixels).convert(mode)
    image.save(buffer, format="TIFF" if mode in ("I", "I;16", "F", "CMYK") else "PNG")
    return buffer.getvalue()


@examples("image")
@given(files=st.lists(image_files(), min_size=1, max_size=3))
def test_predict_images_load_or_name_each_bad_file(files):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "images"
        root.mkdir()
        for position, raw in enumerate(files):
            (root / f"image_{position}.png").write_bytes(raw)
        partitions = PartitionedDataset(
            path=str(root), dataset="pillow.ImageDataset", filename_suffix=".png"
        ).load()
        try:
            batch, ids, _ = image_batch(partitions, (28, 28), "new_images")
        except DataValidationError as error:
            message = str(error)
            assert "new_images" in message and "file 'image_" in message
            event("rejected")
        else:
            event("loaded")
            assert batch.shape == (len(files), 28, 28, 1) and batch.dtype == np.uint8
            assert list(ids["image"]) == [f"image_{i}" for i in range(len(files))]
        assert len(files_in(root)) == len(files)
