"""Image classification: multi-class on pixels, with pixel baselines and image
figures (``templates.images``)."""

from __future__ import annotations

import dataclasses

from dl_experiments.tasks import multiclass

KIND = dataclasses.replace(
    multiclass.KIND,
    name="image_classification",
    summary="labelled images, two or more classes: a CNN with one softmax unit per class",
    # Pixel baselines are configured per experiment (``baselines``, fitted by
    # ``modelling.baselines.fit_pixel_baselines``).
    figures=(
        "confusion_matrix",
        "roc_pr_curves",
        "misclassified",
        "confused_pairs",
        "class_error_rates",
    ),
    cross_validation_metrics=(),
    min_classes=2,
)
