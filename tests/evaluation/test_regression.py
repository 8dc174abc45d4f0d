"""Regression metrics (checked by hand and against scikit-learn) and figures."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from dl_experiments.evaluation.regression import (
    error_by_quantile_bin,
    evaluate_regression,
    regression_figures,
    regression_metrics,
)

matplotlib.use("Agg")


def test_metrics_of_a_hand_checked_example():
    # residuals (pred - true): 0.5, 0, -1, 1
    metrics = regression_metrics([1, 2, 3, 4], [1.5, 2, 2, 5], unit_value=100_000)
    assert metrics["n_samples"] == 4
    assert metrics["mse"] == pytest.approx((0.25 + 0 + 1 + 1) / 4)  # 0.5625
    assert metrics["rmse"] == pytest.approx(0.75)
    assert metrics["mae"] == pytest.approx((0.5 + 0 + 1 + 1) / 4)  # 0.625
    # total sum of squares around the mean 2.5: 2.25 + 0.25 + 0.25 + 2.25 = 5
    assert metrics["r2"] == pytest.approx(1 - 2.25 / 5)  # 0.55
    assert metrics["median_absolute_error"] == pytest.approx(0.75)  # of 0, .5, 1, 1
    assert metrics["mape"] == pytest.approx(
        (0.5 / 1 + 0 / 2 + 1 / 3 + 1 / 4) / 4, abs=1e-6
    )
    assert metrics["max_error"] == pytest.approx(1.0)
    assert metrics["mean_error"] == pytest.approx(0.125)
    assert metrics["rmse_dollars"] == pytest.approx(75_000)
    assert metrics["mae_dollars"] == pytest.approx(62_500)


def test_metrics_agree_with_scikit_learn():
    rng = np.random.default_rng(0)
    y_true = rng.uniform(0.2, 5.0, 500)
    y_pred = y_true + rng.normal(0, 0.4, 500)
    metrics = regression_metrics(y_true, y_pred)
    assert metrics["mse"] == pytest.approx(
        skm.mean_squared_error(y_true, y_pred), abs=1e-6
    )
    assert metrics["mae"] == pytest.approx(
        skm.mean_absolute_error(y_true, y_pred), abs=1e-6
    )
    assert metrics["r2"] == pytest.approx(skm.r2_score(y_true, y_pred), abs=1e-6)
    assert metrics["median_absolute_error"] == pytest.approx(
        skm.median_absolute_error(y_true, y_pred), abs=1e-6
    )
    assert metrics["mape"] == pytest.approx(
        skm.mean_absolute_percentage_error(y_true, y_pred), abs=1e-6
    )
    assert metrics["max_error"] == pytest.approx(
        skm.max_error(y_true, y_pred), abs=1e-6
    )
    assert "rmse_dollars" not in metrics


def test_metrics_refuse_mismatched_lengths():
    with pytest.raises(ValueError, match="3 true values and 2 predictions"):
        regression_metrics([1, 2, 3], [1, 2])


def test_constant_truth_has_no_r2():
    assert regression_metrics([2, 2, 2], [1, 2, 3])["r2"] is None


def test_predictions_of_a_diverged_model_give_no_numbers_rather_than_a_crash():
    metrics = regression_metrics([1, 2, 3], [np.nan, 2, 3], unit_value=10)
    assert metrics.pop("n_samples") == 3
    assert {"n_samples", *metrics} == set(regression_metrics([1, 2, 3], [1, 2, 4], 10))
    assert all(value is None for value in metrics.values()), metrics


def test_error_by_decile_hand_checked():
    y_true = np.arange(1, 11, dtype=float)  # 1..10, shuffled below
    y_pred = y_true + np.array([1, 1, 0, 0, -2, 2, 0, 0, -1, -3], dtype=float)
    order = np.random.default_rng(1).permutation(10)
    bins = error_by_quantile_bin(y_true[order], y_pred[order], n_bins=5)
    assert [row["n_samples"] for row in bins] == [2] * 5
    assert [(row["true_min"], row["true_max"]) for row in bins] == [
        (1, 2),
        (3, 4),
        (5, 6),
        (7, 8),
        (9, 10),
    ]
    assert [row["mae"] for row in bins] == [1, 0, 2, 0, 2]
    assert [row["mean_error"] for row in bins] == [1, 0, 0, 0, -2]
    assert bins[4]["rmse"] == pytest.approx(np.sqrt((1 + 9) / 2))


def _predictions(n: int = 60) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(2)
    index = pd.Index(rng.permutation(np.arange(1000, 1000 + n)), name="row_id")
    y_true = rng.uniform(0.2, 5.00001, n)
    predictions = pd.DataFrame(
        {"y_true": y_true, "prediction": y_true + rng.normal(0, 0.3, n)}, index=index
    )
    baselines = pd.DataFrame(
        {"mean_predictor": np.full(n, y_true.mean()), "noisy": y_true + 1.0},
        index=index,
    ).iloc[::-1]  # another row order: evaluation must align on the row ids
    coordinates = pd.DataFrame(
        {"Longitude": rng.uniform(-124, -115, n), "Latitude": rng.uniform(33, 41, n)},
        index=index,
    ).sample(frac=1, random_state=3)
    return predictions, baselines, coordinates


def test_evaluate_regression_layout_aligns_baselines_by_row_id():
    predictions, baselines, _ = _predictions()
    metrics = evaluate_regression(predictions, baselines, unit_value=100_000, n_bins=4)
    assert set(metrics) == {"model", "baselines", "error_by_true_value_bin"}
    assert set(metrics["baselines"]) == {"mean_predictor", "noisy"}
    noisy = metrics["baselines"]["noisy"]
    assert noisy["mae"] == pytest.approx(1.0) and noisy["mean_error"] == pytest.approx(
        1.0
    )
    assert noisy["rmse_dollars"] == pytest.approx(100_000)
    assert len(metrics["error_by_true_value_bin"]) == 4


def test_regression_figures_place_each_error_at_its_row():
    predictions, baselines, coordinates = _predictions()
    figures = regression_figures(predictions, baselines, coordinates, cap=5.00001)
    assert set(figures) == {
        "predicted_vs_actual",
        "residuals",
        "residual_histogram",
        "error_map",
        "error_by_decile",
    }
    (points,) = figures["error_map"].axes[0].collections
    drawn = pd.DataFrame(points.get_offsets(), columns=["Longitude", "Latitude"])
    drawn["error"] = np.asarray(points.get_array())
    expected = coordinates.join(
        (predictions["prediction"] - predictions["y_true"]).abs().rename("error")
    )
    merged = drawn.merge(expected, on=["Longitude", "Latitude"], suffixes=("", "_row"))
    assert len(merged) == len(predictions)
    np.testing.assert_allclose(merged["error"], merged["error_row"])
    rmse = regression_metrics(predictions["y_true"], predictions["prediction"])["rmse"]
    assert f"RMSE {rmse:.3f}" in figures["predicted_vs_actual"].axes[0].get_title()
    bars = figures["error_by_decile"].axes[0].patches
    assert len(bars) == 3 * 10  # model and two baselines, ten deciles each
