"""The benchmark script measures a real pipeline end to end and writes its tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

STAGES = ("ingestion", "preprocessing", "training", "reporting")


@pytest.mark.e2e
def test_benchmark_measures_stages_throughput_memory_and_overhead(tmp_path: Path):
    out = tmp_path / "results"
    models = PROJECT_ROOT / "data" / "06_models" / "wildfire" / "model.keras"
    versions_before = sorted(models.iterdir()) if models.exists() else []
    done = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "benchmarks" / "run.py"),
            "--pipelines=wildfire",
            "--epochs=3",
            "--repeats=1",
            "--env=test",
            "--threads=1",
            f"--output-dir={out}",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env={**os.environ, "WANDB_MODE": "disabled"},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    results = json.loads((out / "results.json").read_text())
    (row,) = results["pipelines"]
    assert row["pipeline"] == "wildfire"
    assert set(row["stages_seconds"]) >= set(STAGES)
    assert all(row["stages_seconds"][stage] > 0 for stage in STAGES)
    assert "wildfire.train_model" in row["nodes_seconds"]
    # the stages and the session's own time add up to the whole run
    parts = sum(row["stages_seconds"].values()) + row["kedro_session_seconds"]
    assert parts == pytest.approx(row["total_seconds"], abs=0.01)
    training = row["training"]
    assert training["epochs"] == 3  # fixed epochs: early stopping is off
    assert training["samples_per_second"] > 0
    assert training["batch_size"] == 32
    overhead = row["overhead"]
    assert len(overhead["bare_keras_seconds"]) == 1
    assert overhead["ratio"] == pytest.approx(
        overhead["kedro_training_stage_seconds"][0] / overhead["bare_keras_seconds"][0],
        rel=0.01,
    )
    assert overhead["cpu_ratio"] == pytest.approx(
        overhead["kedro_training_stage_cpu_seconds"][0]
        / overhead["bare_keras_cpu_seconds"][0],
        rel=0.01,
    )
    memory = row["peak_memory_mib"]
    assert memory["process"] >= memory["training"] > 100
    table = (out / "results.md").read_text()
    assert "| wildfire | 3 |" in table
    assert "--pipelines=wildfire" in table
    # the measurement ran in a copy: the working tree's data/ got no new versions
    assert (sorted(models.iterdir()) if models.exists() else []) == versions_before
