"""New images to score: folders of any size and colour, IDX arrays, bad files."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from dl_experiments.preprocessing.image_inputs import image_batch
from dl_experiments.validation import DataValidationError


def loader(image: Image.Image):
    return lambda: image


def broken():
    raise OSError("cannot identify image file")


def test_folder_images_become_one_uint8_batch_sorted_by_name():
    gray = (np.add.outer(np.arange(28), np.arange(28)) * 4).astype(np.uint8)
    rgb = Image.fromarray(gray).convert("RGB")
    large = Image.fromarray(gray).resize((56, 56), Image.Resampling.NEAREST)
    batch, ids, rejects = image_batch(
        {"b": loader(rgb), "a": loader(Image.fromarray(gray)), "c": loader(large)},
        (28, 28),
        "new_images",
    )
    assert batch.shape == (3, 28, 28, 1) and batch.dtype == np.uint8
    assert ids["image"].tolist() == ["a", "b", "c"] and rejects.empty
    np.testing.assert_array_equal(batch[0, ..., 0], gray)
    np.testing.assert_array_equal(batch[1, ..., 0], gray)  # RGB of a gray image
    assert np.abs(batch[2, ..., 0].astype(int) - gray).max() <= 3  # resized back


def test_invert_turns_dark_on_light_into_light_on_dark():
    image = Image.fromarray(np.full((28, 28), 200, dtype=np.uint8))
    batch, _, _ = image_batch({"x": loader(image)}, (28, 28), "new", invert=True)
    assert (batch == 55).all()


def test_idx_arrays_keep_their_positions_and_are_resized_if_needed():
    images = np.arange(2 * 14 * 14, dtype=np.int64).reshape(2, 14, 14) % 256
    batch, ids, _ = image_batch(images, (28, 28), "new")
    assert batch.shape == (2, 28, 28, 1) and ids["image"].tolist() == [0, 1]
    same, _, _ = image_batch(images.astype(np.uint8), (14, 14), "new")
    np.testing.assert_array_equal(same[..., 0], images)


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (
            np.zeros((2, 28, 28), dtype=np.float32),
            "expected \\(n, rows, cols\\) integer",
        ),
        (np.full((1, 28, 28), 300), "pixel values range 300..300; expected 0..255"),
        (np.zeros((28, 28), dtype=np.uint8), "shape \\(28, 28\\)"),
    ],
)
def test_arrays_that_are_not_grayscale_images_are_refused(array, message):
    with pytest.raises(DataValidationError, match=message):
        image_batch(array, (28, 28), "new")


def test_unreadable_files_are_named_or_rejected():
    image = Image.fromarray(np.zeros((28, 28), dtype=np.uint8))
    folder = {"good": loader(image), "bad": broken}
    with pytest.raises(DataValidationError, match="file 'bad' cannot be read"):
        image_batch(folder, (28, 28), "new")
    batch, ids, rejects = image_batch(folder, (28, 28), "new", on_invalid="reject")
    assert ids["image"].tolist() == ["good"] and len(batch) == 1
    assert rejects["image"].tolist() == ["bad"]
    with pytest.raises(DataValidationError, match="no readable image left"):
        image_batch({"bad": broken}, (28, 28), "new", on_invalid="reject")
