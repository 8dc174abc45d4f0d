"""Batch augmentation in the tf.data pipeline: what each transform does, seeded."""

from __future__ import annotations

import numpy as np
import pytest

from dl_experiments.config import ParameterValidationError, parse_params
from dl_experiments.config.model import AugmentationConfig
from dl_experiments.modelling.augmentation import image_augmenter
from dl_experiments.modelling.training import make_dataset

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(1, 256, size=(64, 12, 10, 1), dtype=np.uint8)  # no zero pixels
LABELS = np.arange(64) % 4


def _batches(config: AugmentationConfig, seed: int = 0, epochs: int = 1) -> list:
    augment = image_augmenter(config, seed)
    dataset = make_dataset(IMAGES, LABELS, 16, False, seed, augment)
    return [
        [images.numpy() for images, _ in dataset] for _ in range(epochs)
    ]


def test_no_augmentation_asked_for_is_no_transform():
    assert image_augmenter(AugmentationConfig(), 0) is None


def test_flip_mirrors_some_images_and_keeps_the_others():
    (batches,) = _batches(AugmentationConfig(horizontal_flip=True))
    out = np.concatenate(batches)
    mirrored = np.all(out == IMAGES[:, :, ::-1], axis=(1, 2, 3))
    unchanged = np.all(out == IMAGES, axis=(1, 2, 3))
    assert np.all(mirrored | unchanged)
    assert 10 < mirrored.sum() < 54


def test_shift_moves_each_image_within_the_limit_and_fills_zeros():
    (batches,) = _batches(AugmentationConfig(shift=2))
    out = np.concatenate(batches)
    assert out.shape == IMAGES.shape and out.dtype == np.uint8
    for original, shifted in zip(IMAGES[..., 0], out[..., 0], strict=True):
        padded = np.pad(original, 2)
        matches = [
            (dy, dx)
            for dy in range(5)
            for dx in range(5)
            if np.array_equal(padded[dy : dy + 12, dx : dx + 10], shifted)
        ]
        assert matches, "every output is the image moved by at most 2 pixels"
    assert (out == 0).any(), "moved images are zero-filled at the border"
    assert not np.array_equal(out, IMAGES)


def test_erasing_zeroes_one_square_patch_in_the_chosen_share():
    (batches,) = _batches(AugmentationConfig(erasing=0.5, erasing_size=0.3))
    out = np.concatenate(batches)[..., 0]
    zeros = out == 0
    erased = zeros.any(axis=(1, 2))
    assert 10 < erased.sum() < 54
    for mask in zeros[erased]:
        rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
        assert (len(rows), len(cols)) == (4, 3)  # round(12 * 0.3), round(10 * 0.3)
        assert mask.sum() == 12
    np.testing.assert_array_equal(out[~erased], IMAGES[~erased, ..., 0])


def test_same_seed_same_batches_and_epochs_differ():
    config = AugmentationConfig(horizontal_flip=True, shift=2, erasing=0.5)
    first, second = _batches(config, seed=3, epochs=2)
    again, _ = _batches(config, seed=3, epochs=2)
    other, _ = _batches(config, seed=4, epochs=2)
    np.testing.assert_array_equal(np.concatenate(first), np.concatenate(again))
    assert not np.array_equal(np.concatenate(first), np.concatenate(second))
    assert not np.array_equal(np.concatenate(first), np.concatenate(other))


@pytest.mark.parametrize(
    ("field", "value"), [("shift", 9), ("shift", -1), ("erasing", 1.5), ("erasing_size", 1)]
)
def test_bad_augmentation_parameters_are_named(field, value):
    with pytest.raises(ParameterValidationError, match=f"augmentation.{field}"):
        parse_params(AugmentationConfig, {field: value}, "augmentation")
