"""Image augmentation on training batches, in the tf.data pipeline.

Each transform is a few vectorised tensor operations on a whole batch (a flip, a
gather for the shifts, a mask for the erased patches), so it costs a fraction of
the convolutions it feeds; Keras' ``RandomTranslation`` resamples every image
through a projective transform and more than doubled a small CNN's epoch on two
CPU cores. Nothing here is part of the saved model, which scores images exactly
as it was evaluated. The random numbers come from one seeded generator whose
state runs on across epochs, so a seed gives the same augmented batches.
"""

from __future__ import annotations

from collections.abc import Callable

from dl_experiments.config.model import AugmentationConfig
from dl_experiments.modelling.runtime import tensorflow

tf = tensorflow()

Augment = Callable[[tf.Tensor, tf.Tensor], tuple[tf.Tensor, tf.Tensor]]


def _flip(images: tf.Tensor, generator: tf.random.Generator) -> tf.Tensor:
    flip = generator.uniform([tf.shape(images)[0], 1, 1, 1]) < 0.5
    return tf.where(flip, tf.reverse(images, axis=[2]), images)


def _shift(images: tf.Tensor, pixels: int, generator: tf.random.Generator) -> tf.Tensor:
    """Move each image by up to ``pixels`` in each direction, zero-filled."""
    batch = tf.shape(images)[0]
    rows, cols = images.shape[1], images.shape[2]
    padded = tf.pad(images, [[0, 0], [pixels, pixels], [pixels, pixels], [0, 0]])
    offsets = generator.uniform([batch, 2], 0, 2 * pixels + 1, dtype=tf.int32)
    row_index = offsets[:, :1] + tf.range(rows)[tf.newaxis, :]
    col_index = offsets[:, 1:] + tf.range(cols)[tf.newaxis, :]
    shifted = tf.gather(padded, row_index, axis=1, batch_dims=1)
    return tf.gather(shifted, col_index, axis=2, batch_dims=1)


def _erase(
    images: tf.Tensor, probability: float, size: float, generator: tf.random.Generator
) -> tf.Tensor:
    """Zero one square patch (``size`` of the side) in a share of the images."""
    batch = tf.shape(images)[0]
    rows, cols = images.shape[1], images.shape[2]
    side_rows, side_cols = max(1, round(rows * size)), max(1, round(cols * size))
    top = generator.uniform([batch, 1], 0, rows - side_rows + 1, dtype=tf.int32)
    left = generator.uniform([batch, 1], 0, cols - side_cols + 1, dtype=tf.int32)
    in_rows = (tf.range(rows)[tf.newaxis, :] >= top) & (
        tf.range(rows)[tf.newaxis, :] < top + side_rows
    )
    in_cols = (tf.range(cols)[tf.newaxis, :] >= left) & (
        tf.range(cols)[tf.newaxis, :] < left + side_cols
    )
    chosen = generator.uniform([batch, 1, 1]) < probability
    patch = in_rows[:, :, tf.newaxis] & in_cols[:, tf.newaxis, :] & chosen
    return tf.where(patch[..., tf.newaxis], tf.zeros_like(images), images)


def image_augmenter(config: AugmentationConfig, seed: int) -> Augment | None:
    """The batch transform ``config`` asks for, or ``None`` when it asks for none."""
    if not (config.horizontal_flip or config.shift or config.erasing):
        return None
    generator = tf.random.Generator.from_seed(seed)

    def augment(images: tf.Tensor, labels: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        if config.horizontal_flip:
            images = _flip(images, generator)
        if config.shift:
            images = _shift(images, config.shift, generator)
        if config.erasing:
            images = _erase(images, config.erasing, config.erasing_size, generator)
        return images, labels

    return augment
