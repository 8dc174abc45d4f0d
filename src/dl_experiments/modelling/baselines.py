"""Simple models trained in the same run, so every metric has something to beat."""

from __future__ import annotations

import logging
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

from dl_experiments import tasks
from dl_experiments.annotations import Preprocessor
from dl_experiments.config.baselines import ImageBaselinesConfig
from dl_experiments.config.data import TargetConfig
from dl_experiments.preprocessing.tabular import TARGET, transform

logger = logging.getLogger(__name__)


def fit_baselines(  # noqa: PLR0913 - the splits, their features and settings
    train: pd.DataFrame,
    validation: pd.DataFrame,
    test: pd.DataFrame,
    preprocessor: Preprocessor,
    seed: int,
    target: TargetConfig,
) -> pd.DataFrame:
    """Fit the task kind's baselines on training + validation rows; score the test
    rows.

    Baselines need no early stopping, so they see every non-test row (gradient
    boosting holds out its own early-stopping slice internally), on the same
    preprocessed features as the network. Returns each baseline's prediction
    columns as the kind declares them (index: row id): ``<name>`` (a binary
    baseline's positive-class probability, a regression's prediction) or
    ``<name>.proba_<i>`` (multi-class).
    """
    kind = tasks.kind(target.task)
    n_classes = len(target.labels)
    fit_rows = pd.concat([train, validation])
    x_fit, y_fit = transform(preprocessor, fit_rows), fit_rows[TARGET].to_numpy()
    x_test = transform(preprocessor, test)
    scores: dict[str, Any] = {}
    for name, model in kind.baselines(seed).items():
        fitted = model.fit(x_fit, y_fit)
        scores |= kind.baseline_columns(name, fitted, x_test, n_classes)
    return pd.DataFrame(scores, index=test.index)


# -- images ----------------------------------------------------------------------


def pixel_features(images: np.ndarray) -> np.ndarray:
    """uint8 images ``(n, rows, cols[, channels])`` as float64 rows of pixels in
    [0, 1], one row per image."""
    images = np.asarray(images)
    return images.reshape(len(images), -1).astype(np.float64) / 255.0


def image_baselines(baselines: ImageBaselinesConfig, seed: int) -> dict:
    """The image baselines: a multinomial logistic regression on the pixels."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    settings = baselines.logistic_regression
    return {
        "logistic_regression": LogisticRegression(
            C=settings.C,
            max_iter=settings.max_iter,
            tol=settings.tol,
            random_state=seed,
        )
    }


def _class_probabilities(model: Any, x: np.ndarray, n_classes: int) -> np.ndarray:
    """``(n, n_classes)`` probabilities; a class the model never saw gets 0."""
    probabilities = np.zeros((len(x), n_classes))
    seen = np.asarray(model.classes_, dtype=np.int64)
    probabilities[:, seen] = model.predict_proba(x)
    return probabilities


def _fit_logged(name: str, model: Any, x: np.ndarray, y: np.ndarray) -> Any:
    """Fit ``model`` and log how long it took. Stopping at ``max_iter`` is the
    configured budget: logged here, not warned about (ConvergenceWarning)."""
    from sklearn.exceptions import ConvergenceWarning  # noqa: PLC0415

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, y)
    iterations = int(np.max(getattr(model, "n_iter_", 0)))
    budget = getattr(model, "max_iter", None)
    logger.info(
        "Baseline %s fitted on %s images x %d pixels in %.1f s (%d iterations%s)",
        name,
        f"{x.shape[0]:,}",
        x.shape[1],
        time.perf_counter() - start,
        iterations,
        ", the max_iter budget" if budget is not None and iterations >= budget else "",
    )
    return model


def fit_pixel_baselines(  # noqa: PLR0913 - the images, their split and settings
    images: np.ndarray,
    labels: np.ndarray,
    split: dict[str, np.ndarray],
    test_images: np.ndarray,
    class_names: list[str],
    baselines: ImageBaselinesConfig,
    seed: int,
) -> pd.DataFrame:
    """Fit the image baselines on the pixels of ``split["train"]``; class
    probabilities for the test images.

    The same training images as the network, and only those: the validation
    images (the network's early-stopping data) and the test images are never
    fitted on. Pixels are scaled to [0, 1] and flattened. Returns columns
    ``<baseline>.proba_<i>`` (class ``i``, as ``class_names``), one row per test
    image in order (index ``image_index``, as the network's test predictions).
    """
    from threadpoolctl import threadpool_limits  # noqa: PLC0415 - scikit-learn's

    train = np.asarray(split["train"])
    x_fit = pixel_features(np.asarray(images)[train])
    y_fit = np.asarray(labels, dtype=np.int64)[train]
    x_test = pixel_features(test_images)
    columns = {}
    with threadpool_limits(limits=baselines.threads):
        for name, model in image_baselines(baselines, seed).items():
            fitted = _fit_logged(name, model, x_fit, y_fit)
            probabilities = _class_probabilities(fitted, x_test, len(class_names))
            columns |= {
                f"{name}.proba_{i}": probabilities[:, i]
                for i in range(len(class_names))
            }
    return pd.DataFrame(columns, index=pd.RangeIndex(len(x_test), name="image_index"))
