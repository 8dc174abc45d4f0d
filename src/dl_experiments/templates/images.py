"""Image classification as a template: labelled images in, a CNN out.

``image_classification`` builds an experiment's training pipeline (e.g.
fashion_mnist) and ``image_predict`` its scoring pipeline. Inputs:
``train_images``, ``train_labels``, ``test_images``, ``test_labels`` and
``params:<namespace>`` (``config.ImageClassification``): IDX files
(``datasets.IDXDataset``) or folders of image files, one per class
(``datasets.ImageFolderDataset``), grayscale or colour (``data.channels``). With
``data.test_split`` the test entries name the training files and the test images
are a seeded, stratified share of them.

```
train_images, train_labels ─ validate ─ split (indices) ─ train ─ model, history
test_images, test_labels ─ validate ─ select ─ test_set_images/labels ─ predict
predict ─ test_predictions ─ metrics, confusion matrix, ROC / PR,
                             misclassified, confused pairs, error rates, report
split (train part) ─ fit_baselines ─ baseline_predictions (test images) ─ metrics
```
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from kedro.pipeline import Node, Pipeline

from dl_experiments.annotations import Figure, KerasModel
from dl_experiments.config import (
    ImageClassification,
    ImageDataConfig,
    ImagePredictConfig,
    ImageReportConfig,
    ValidationSplitConfig,
)
from dl_experiments.modelling.baselines import fit_pixel_baselines
from dl_experiments.modelling.images import predict_images, train_image_classifier
from dl_experiments.modelling.scoring import score_images, summarise_classes
from dl_experiments.preprocessing.image_folders import decode_files, folder_labels
from dl_experiments.preprocessing.image_inputs import image_batch
from dl_experiments.preprocessing.image_sets import (
    stratified_split_indices,
    stratified_subsample,
)
from dl_experiments.templates.reporting import (
    experiment_pipeline,
    model_figures_node,
    with_fixed,
)
from dl_experiments.validation import DataValidationError
from dl_experiments.validation.images import validate_labelled_images

Images = np.ndarray | Mapping[str, Callable[[], Any]]


def validate_training_images(
    images: Images,
    labels: np.ndarray,
    params: ImageClassification,
    namespace: str = "images",
) -> tuple[np.ndarray, np.ndarray]:
    """Check the training images and labels belong together (count, shape, labels
    in 0..k-1), decoding image files first. Taking the whole tree makes Kedro
    validate every parameter of the experiment before any node runs."""
    part = f"{namespace}.train"
    images, labels = _arrays(images, labels, params.data, params.seed, part, "train")
    return _validated(images, labels, params.data, part)


def validate_test_images(
    images: Images,
    labels: np.ndarray,
    data: ImageDataConfig,
    seed: int,
    namespace: str = "images",
) -> tuple[np.ndarray, np.ndarray]:
    """Check the test images and labels belong together (count, shape, labels),
    decoding image files first."""
    part = f"{namespace}.test"
    images, labels = _arrays(images, labels, data, seed, part, "test")
    return _validated(images, labels, data, part)


def _arrays(  # noqa: PLR0913 - a part of a data set and how to take it
    images: Images,
    labels: np.ndarray,
    data: ImageDataConfig,
    seed: int,
    part: str,
    keep: str,
) -> tuple[np.ndarray, np.ndarray]:
    """The images and labels of ``part`` as arrays: files are decoded (only those
    kept), and with ``data.test_split`` the ``keep`` share is taken."""
    names = None
    if isinstance(images, Mapping):
        names = list(images)
        labels = folder_labels(labels, list(data.class_names), f"{part}_labels")
        if len(labels) != len(names):
            raise DataValidationError(
                f"{part}_labels",
                [
                    f"{len(labels):,} labels for {len(names):,} files in "
                    f"'{part}_images'; expected both entries on the same folder"
                ],
            )
    if data.test_split:
        shares = stratified_split_indices(
            np.asarray(labels),
            data.test_split,
            seed,
            held_out=("data.test_split", "test", f"{part}_labels"),
        )
        chosen = shares["train" if keep == "train" else "validation"]
        labels = np.asarray(labels)[chosen]
        if names is None:
            images = np.asarray(images)[chosen]
        else:
            names = [names[index] for index in chosen]
    if names is not None:
        images = decode_files(images, names, data, f"{part}_images")
    return images, labels


def _validated(
    images: np.ndarray, labels: np.ndarray, data: ImageDataConfig, part: str
) -> tuple[np.ndarray, np.ndarray]:
    return validate_labelled_images(
        images,
        labels,
        image_shape=data.image_shape,
        n_classes=len(data.class_names),
        channels=data.channels,
        images_name=f"{part}_images",
        labels_name=f"{part}_labels",
    )


def split_training_images(
    labels: np.ndarray, data: ImageDataConfig, split: ValidationSplitConfig, seed: int
) -> dict[str, np.ndarray]:
    """Indices of the training and validation images (seeded, stratified).

    With ``data.max_train_images`` set, a stratified subsample of that size is
    split instead of all images. Indices refer to the training file's order.
    """
    positions = np.arange(len(labels))
    positions, _ = stratified_subsample(positions, labels, data.max_train_images, seed)
    parts = stratified_split_indices(labels[positions], split.validation_size, seed)
    return {name: positions[index] for name, index in parts.items()}


def select_test_images(
    images: np.ndarray, labels: np.ndarray, data: ImageDataConfig, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The test images the model is judged on: all, or a stratified subsample."""
    return stratified_subsample(images, labels, data.max_test_images, seed)


def evaluate_images(
    predictions: pd.DataFrame,
    data: ImageDataConfig,
    baseline_predictions: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Test-set metrics with class names: the model's and, when given, each
    baseline's (``task``: image classification)."""
    from dl_experiments.evaluation.reporting import (  # noqa: PLC0415
        evaluate_classification,
    )

    metrics = evaluate_classification(
        predictions, baseline_predictions, list(data.class_names)
    )
    return {"task": "image_classification", **metrics}


def add_training_cost(
    test_metrics: dict[str, Any], training_history: dict[str, Any]
) -> dict[str, Any]:
    """The test metrics and what the training and the model cost (multiply-adds
    per image counted from the layers)."""
    keys = (
        "epochs_run",
        "best_epoch",
        "training_seconds",
        "training_cpu_seconds",
        "samples_per_second",
        "multiply_adds_per_sample",
        "parameters",
        "test_time_shifts",
    )
    training = {key: training_history[key] for key in keys if key in training_history}
    return test_metrics | {"training": training}


def plot_image_classifier(
    predictions: pd.DataFrame, data: ImageDataConfig
) -> dict[str, Figure]:
    """Confusion matrix (counts and row-normalised) and one-vs-rest ROC / PR curves
    for every class, with per-class AUC in the legend."""
    from dl_experiments.evaluation.reporting import (  # noqa: PLC0415
        classification_figures,
    )

    return classification_figures(predictions, None, list(data.class_names))


def plot_image_errors(
    predictions: pd.DataFrame,
    images: np.ndarray,
    class_names: list[str],
    reporting: ImageReportConfig,
) -> dict[str, Figure]:
    """Misclassified examples, most confused pairs and per-class error rates."""
    from dl_experiments.evaluation.images import image_figures  # noqa: PLC0415

    return image_figures(predictions, images, class_names, reporting)


def prepare_new_images(
    images: Mapping[str, Callable[[], Any]] | np.ndarray,
    params: ImageClassification,
    dataset: str = "new_images",
) -> tuple[dict[str, Any], pd.DataFrame]:
    """A folder of images (any size, grayscale or colour) or an IDX array as one
    uint8 batch of the training size, with each image's identifier."""
    batch, ids, rejects = image_batch(
        images,
        tuple(params.data.image_shape),
        dataset,
        invert=params.predict.invert,
        on_invalid=params.predict.on_invalid,
        channels=params.data.channels,
    )
    return {"images": batch, "ids": ids}, rejects


def classify_images(
    model: KerasModel,
    batch: dict[str, Any],
    versions: dict[str, str],
    data: ImageDataConfig,
    predict: ImagePredictConfig,
) -> pd.DataFrame:
    """Predicted class and the top-k classes with probabilities, per image."""
    return score_images(
        model,
        batch["images"],
        batch["ids"],
        list(data.class_names),
        versions,
        predict.top_k,
    )


def summarise_images(
    predictions: pd.DataFrame, rejects: pd.DataFrame, data: ImageDataConfig
) -> dict[str, Any]:
    """Images scored and rejected, and the count of each predicted class."""
    return summarise_classes(predictions, rejects, list(data.class_names))


def image_classification(namespace: str) -> Pipeline:
    """A CNN on labelled images ``<namespace>.{train,test}_{images,labels}``."""
    nodes = [
        Node(
            with_fixed(validate_training_images, namespace=namespace),
            ["train_images", "train_labels", f"params:{namespace}"],
            ["valid_train_images", "valid_train_labels"],
            name="validate_train_images",
            tags="ingestion",
        ),
        Node(
            with_fixed(validate_test_images, namespace=namespace),
            ["test_images", "test_labels", "params:data", "params:seed"],
            ["valid_test_images", "valid_test_labels"],
            name="validate_test_images",
            tags="ingestion",
        ),
        Node(
            split_training_images,
            ["valid_train_labels", "params:data", "params:split", "params:seed"],
            "split_indices",
            name="split_training_images",
            tags="preprocessing",
        ),
        Node(
            select_test_images,
            ["valid_test_images", "valid_test_labels", "params:data", "params:seed"],
            ["test_set_images", "test_set_labels"],
            name="select_test_images",
            tags="preprocessing",
        ),
        Node(
            train_image_classifier,
            [
                "valid_train_images",
                "valid_train_labels",
                "split_indices",
                "params:data.class_names",
                "params:model",
                "params:training",
                "params:seed",
            ],
            ["model", "training_history"],
            name="train_model",
            tags="training",
        ),
        Node(
            predict_images,
            ["model", "test_set_images", "test_set_labels"],
            "test_predictions",
            name="predict_test_set",
            tags="reporting",
        ),
        # Tagged training, not reporting as the tabular baselines: it reads the
        # split, which is not saved, so `--tags=reporting` reuses its saved output.
        Node(
            fit_pixel_baselines,
            [
                "valid_train_images",
                "valid_train_labels",
                "split_indices",
                "test_set_images",
                "params:data.class_names",
                "params:baselines",
                "params:seed",
            ],
            "baseline_predictions",
            name="fit_baselines",
            tags="training",
        ),
        Node(
            evaluate_images,
            ["test_predictions", "params:data", "baseline_predictions"],
            "test_metrics",
            name="evaluate",
            tags="reporting",
        ),
        Node(
            add_training_cost,
            ["test_metrics", "training_history"],
            "metrics",
            name="finalise_metrics",
            tags="reporting",
        ),
        *model_figures_node(),
        Node(
            plot_image_classifier,
            ["test_predictions", "params:data"],
            {
                "confusion_matrix": "confusion_matrix_plot",
                "roc_pr_curves": "roc_pr_curves_plot",
            },
            name="plot_evaluation",
            tags="reporting",
        ),
        Node(
            plot_image_errors,
            [
                "test_predictions",
                "test_set_images",
                "params:data.class_names",
                "params:reporting",
            ],
            {
                "misclassified": "misclassified_plot",
                "confused_pairs": "confused_pairs_plot",
                "class_error_rates": "class_error_rates_plot",
            },
            name="plot_image_errors",
            tags="reporting",
        ),
    ]
    return experiment_pipeline(nodes, namespace)


def image_predict(namespace: str, new_images: str = "new_images") -> Pipeline:
    """Scoring ``<namespace>.<new_images>`` (a PNG folder or an IDX file) with the
    experiment's saved CNN."""
    return Pipeline(
        [
            Node(
                with_fixed(prepare_new_images, dataset=f"{namespace}.{new_images}"),
                [new_images, f"params:{namespace}"],
                ["scoring_input", "prediction_rejects"],
                name=f"prepare_{new_images}",
                tags="ingestion",
            ),
            Node(
                classify_images,
                [
                    "model",
                    "scoring_input",
                    "artifact_versions",
                    "params:data",
                    "params:predict",
                ],
                "predictions",
                name=f"classify_{new_images}",
                tags="scoring",
            ),
            Node(
                summarise_images,
                ["predictions", "prediction_rejects", "params:data"],
                "prediction_summary",
                name="summarise_predictions",
                tags="reporting",
            ),
        ],
        namespace=namespace,
        parameters={f"params:{namespace}"},
    )
