"""The yardstick benchmark trains each default beside its yardstick in one run."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT


@pytest.mark.e2e
def test_yardsticks_measure_scores_and_cost_ratios_in_one_run(tmp_path):
    models = PROJECT_ROOT / "data" / "06_models"
    before = sorted(models.rglob("*")) if models.exists() else []
    done = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "benchmarks" / "run.py"),
            "--yardsticks",
            "--env",
            "test",
            "--textbook-epochs",
            "1",
            "--epochs-cap",
            "2",
            "--output-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT_ROOT,
        env={**os.environ, "WANDB_MODE": "disabled"},
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    results = json.loads((tmp_path / "yardsticks.json").read_text())
    fashion = results["experiments"]["fashion_mnist"]
    models_ = fashion["models"]
    assert set(models_) == {"textbook_cnn", "default", "previous_default"}
    assert models_["textbook_cnn"]["multiply_adds_per_sample"] == 2_631_040
    assert models_["textbook_cnn"]["epochs_run"] == 1
    assert {entry["epochs_run"] for entry in models_.values()} <= {1, 2}
    for name in ("default", "previous_default"):
        entry = models_[name]
        assert 0 <= entry["test_accuracy"] <= 1
        assert fashion["cpu_ratio_to_textbook"][name] == pytest.approx(
            entry["training_cpu_seconds"] / models_["textbook_cnn"]["training_cpu_seconds"],
            abs=1e-3,
        )
    assert fashion["cpu_budget"] == fashion["cpu_ratio_to_textbook"]["previous_default"]
    assert fashion["within_budget"] == (
        fashion["cpu_ratio_to_textbook"]["default"] <= fashion["cpu_budget"]
    )
    housing = results["experiments"]["housing"]
    entries = housing["models"]
    assert set(entries) == {"hist_gradient_boosting", "default", "previous_default"}
    assert housing["rmse_ratio_to_boosting"] == pytest.approx(
        entries["default"]["test_rmse"] / entries["hist_gradient_boosting"]["test_rmse"],
        abs=1e-3,
    )
    assert housing["cpu_ratio_to_previous_default"] == pytest.approx(
        entries["default"]["training_cpu_seconds"]
        / entries["previous_default"]["training_cpu_seconds"],
        abs=1e-3,
    )
    assert housing["within_budget"] == (housing["cpu_ratio_to_previous_default"] <= 3.0)
    assert entries["previous_default"]["epochs_run"] == 2  # the cap, not its 300
    # The previous default is the MLP without embeddings or members.
    assert (
        entries["previous_default"]["multiply_adds_per_sample"]
        < entries["default"]["multiply_adds_per_sample"]
    )
    table = (tmp_path / "yardsticks.md").read_text()
    assert "| fashion_mnist | textbook_cnn |" in table and "| housing | default |" in table
    assert "Measured " in table and "CPU cores" in table
    after = sorted(models.rglob("*")) if models.exists() else []
    assert after == before, "the benchmark works in a throw-away copy"
