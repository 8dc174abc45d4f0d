"""The fashion_mnist experiment's whole parameter tree, declared as one schema.

The project's hook validates ``params:fashion_mnist`` against
``FashionMNISTParameters`` before any node runs, so a typo or an impossible value
stops the run before 70,000 images are read or a model is trained.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dl_experiments.evaluation.images import ImageReportConfig
from dl_experiments.validation.params import (
    CNNConfig,
    Fraction,
    PositiveInt,
    Strict,
    TrainingConfig,
)


class ImageDataConfig(Strict):
    """What the images are, and how many of them to use."""

    image_shape: tuple[PositiveInt, PositiveInt] = (28, 28)
    class_names: list[str] = Field(min_length=2)
    # A stratified subsample (None: all images); the test environment uses a few.
    max_train_images: PositiveInt | None = None
    max_test_images: PositiveInt | None = None


class ValidationSplitConfig(Strict):
    """The validation part, held out of the training images (seeded, stratified)."""

    validation_size: Fraction = 0.1


class FashionMNISTParameters(Strict):
    """``params:fashion_mnist``: data, split, CNN, training and reporting."""

    seed: Annotated[int, Field(ge=0)]
    data: ImageDataConfig
    split: ValidationSplitConfig = ValidationSplitConfig()
    model: CNNConfig
    training: TrainingConfig = TrainingConfig()
    reporting: ImageReportConfig = ImageReportConfig()
