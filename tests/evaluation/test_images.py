"""Image error figures: the selections behind them and what the figures show."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt
from sklearn.metrics import confusion_matrix

from dl_experiments.config import ImageReportConfig
from dl_experiments.evaluation.images import (
    confusion_counts,
    image_figures,
    most_confident_mistakes,
    most_confused_pairs,
)

NAMES = ["T-shirt/top", "Trouser", "Shirt"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def one_hot_probabilities(predicted: list[int], confidence: list[float]) -> np.ndarray:
    """Rows that put ``confidence`` on the predicted class, the rest spread evenly."""
    probabilities = np.empty((len(predicted), len(NAMES)))
    for row, (label, sure) in enumerate(zip(predicted, confidence, strict=True)):
        probabilities[row] = (1 - sure) / (len(NAMES) - 1)
        probabilities[row, label] = sure
    return probabilities


# 10 images: three mistakes (rows 2, 5, 8), two of them Shirt -> T-shirt/top.
Y_TRUE = np.array([0, 0, 2, 1, 1, 2, 2, 0, 2, 1])
PREDICTED = [0, 0, 0, 1, 1, 0, 2, 0, 1, 1]
CONFIDENCE = [0.9, 0.8, 0.6, 0.9, 0.7, 0.95, 0.5, 0.9, 0.4, 0.8]


@pytest.fixture
def predictions() -> pd.DataFrame:
    probabilities = one_hot_probabilities(PREDICTED, CONFIDENCE)
    frame = pd.DataFrame(probabilities, columns=[f"proba_{i}" for i in range(3)])
    frame.insert(0, "y_true", Y_TRUE)
    return frame


@pytest.fixture
def images() -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, (10, 28, 28), dtype=np.uint8)


def test_confusion_counts_match_scikit_learn():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    np.testing.assert_array_equal(
        confusion_counts(y_true, y_pred, 10),
        confusion_matrix(y_true, y_pred, labels=range(10)),
    )


def test_most_confident_mistakes_come_first_and_only_mistakes():
    probabilities = one_hot_probabilities(PREDICTED, CONFIDENCE)
    assert most_confident_mistakes(Y_TRUE, probabilities, 10).tolist() == [5, 2, 8]
    assert most_confident_mistakes(Y_TRUE, probabilities, 2).tolist() == [5, 2]


def test_most_confused_pairs_are_off_diagonal_and_largest_first():
    counts = np.array([[50, 3, 9], [0, 60, 1], [12, 0, 40]])
    assert most_confused_pairs(counts, 3) == [(2, 0, 12), (0, 2, 9), (0, 1, 3)]
    assert most_confused_pairs(np.diag([5, 5, 5]), 3) == []


def test_misclassified_grid_shows_each_mistake_with_labels_and_confidence(
    predictions, images
):
    figure = image_figures(predictions, images, NAMES)["misclassified"]
    shown = [ax for ax in figure.axes if ax.images]
    assert len(shown) == 3
    assert [ax.get_title() for ax in shown] == [
        "true: Shirt\npred: T-shirt/top\n95% sure",
        "true: Shirt\npred: T-shirt/top\n60% sure",
        "true: Shirt\npred: Trouser\n40% sure",
    ]
    np.testing.assert_array_equal(shown[0].images[0].get_array(), images[5])
    assert "3 of 10 (30.0%)" in figure._suptitle.get_text()


def test_confused_pairs_rows_name_the_pair_count_and_share(predictions, images):
    figure = image_figures(
        predictions,
        images,
        NAMES,
        ImageReportConfig(confused_pairs=5, examples_per_pair=4),
    )["confused_pairs"]
    labels = [ax.get_ylabel() for ax in figure.axes if ax.get_ylabel()]
    # Shirt has 4 test images: 2 taken for T-shirt/top, 1 for Trouser.
    assert labels == ["Shirt\n-> T-shirt/top\n2 (50.0%)", "Shirt\n-> Trouser\n1 (25.0%)"]
    first_row = figure.axes[:4]
    assert [len(ax.images) for ax in first_row] == [1, 1, 0, 0]
    np.testing.assert_array_equal(first_row[0].images[0].get_array(), images[5])


def test_class_error_rates_are_one_minus_recall_worst_first(predictions, images):
    figure = image_figures(predictions, images, NAMES)["class_error_rates"]
    (ax,) = figure.axes
    widths = [patch.get_width() for patch in ax.patches]
    names = [tick.get_text() for tick in ax.get_yticklabels()]
    assert names == ["Shirt", "T-shirt/top", "Trouser"]
    assert widths == pytest.approx([3 / 4, 0.0, 0.0])
    texts = [text.get_text() for text in ax.texts]
    assert any("75.0%  (3/4), mostly as T-shirt/top" in text for text in texts)


def test_a_perfect_model_gives_figures_without_examples(images):
    probabilities = one_hot_probabilities(list(Y_TRUE), [0.9] * 10)
    perfect = pd.DataFrame(probabilities, columns=[f"proba_{i}" for i in range(3)])
    perfect.insert(0, "y_true", Y_TRUE)
    figures = image_figures(perfect, images, NAMES)
    assert not any(ax.images for ax in figures["misclassified"].axes)
    texts = [t.get_text() for ax in figures["misclassified"].axes for t in ax.texts]
    assert texts == ["no misclassified images"]


def test_predictions_and_images_must_line_up(predictions, images):
    with pytest.raises(ValueError, match="10 predictions for 9 images"):
        image_figures(predictions, images[:9], NAMES)


def test_the_network_figure_draws_the_network_inside_test_time_shifts():
    from dl_experiments.config import CNNConfig  # noqa: PLC0415
    from dl_experiments.evaluation.figures import plot_network  # noqa: PLC0415
    from dl_experiments.modelling.builders import (  # noqa: PLC0415
        build_cnn,
        with_test_time_shifts,
    )

    network = build_cnn((12, 12), 3, CNNConfig(conv_blocks=[{"filters": 4}]))
    plain = plot_network(network)
    shifted = plot_network(with_test_time_shifts(network, [(1, 0), (0, 1)]))
    boxes = [
        [text.get_text() for text in figure.axes[0].texts if "(" in text.get_text()]
        for figure in (plain, shifted)
    ]
    assert boxes[0] == boxes[1] and any("block1_conv1" in text for text in boxes[0])
    assert "mean over 3 views" in shifted.axes[0].get_title()
    assert "views" not in plain.axes[0].get_title()
    plt.close("all")
