"""Fashion-MNIST scoring nodes: read new images into one batch, classify, summarise."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import keras
import numpy as np
import pandas as pd
from PIL import Image

from dl_experiments.modelling.scoring import (
    ImagePredictConfig,
    score_images,
    summarise_classes,
)
from dl_experiments.preprocessing.image_inputs import image_batch
from dl_experiments.validation import parse_params


def prepare_new_images(
    images: Mapping[str, Callable[[], Image.Image]] | np.ndarray,
    data: dict,
    predict: dict,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """A folder of images (any size, grayscale or colour) or an IDX array as one
    uint8 batch of the training size, with each image's identifier."""
    config = parse_params(ImagePredictConfig, predict, "predict.fashion_mnist")
    batch, ids, rejects = image_batch(
        images,
        tuple(data.get("image_shape", (28, 28))),
        "fashion_mnist.new_images",
        invert=config.invert,
        on_invalid=config.on_invalid,
    )
    return {"images": batch, "ids": ids}, rejects


def classify_images(
    model: keras.Model,
    batch: dict[str, Any],
    versions: dict[str, str],
    class_names: list[str],
    predict: dict,
) -> pd.DataFrame:
    """Predicted class and the top-k classes with probabilities, per image."""
    config = parse_params(ImagePredictConfig, predict, "predict.fashion_mnist")
    return score_images(
        model, batch["images"], batch["ids"], list(class_names), versions, config.top_k
    )


def summarise_predictions(
    predictions: pd.DataFrame, rejects: pd.DataFrame, class_names: list[str]
) -> dict[str, Any]:
    """Images scored and rejected, and the count of each predicted class."""
    return summarise_classes(predictions, rejects, list(class_names))
