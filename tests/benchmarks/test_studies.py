"""The study benchmark runs a real (tiny) study both ways and writes its tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT


@pytest.mark.e2e
def test_study_benchmark_measures_pruning_and_overhead(tmp_path: Path):
    done = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "benchmarks" / "studies.py"),
            "--env=test",
            "--trials=2",
            "--epochs=2",
            "--repeats=1",
            '--pruner={"type": "threshold", "upper": 0.01, "n_warmup_steps": 0}',
            f"--output-dir={tmp_path}",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "src")},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    results = json.loads((tmp_path / "studies_wildfire.json").read_text())
    pruned, unpruned = results["pruning"]["pruned"], results["pruning"]["unpruned"]
    # The threshold pruner stops both trials after their first epoch.
    assert (pruned["pruned"], pruned["epochs"]) == (2, 2)
    assert (unpruned["pruned"], unpruned["epochs"]) == (0, 4)
    assert results["pruning"]["epochs_saved"] == pytest.approx(0.5)
    overhead = results["overhead"]
    assert len(overhead["trial_seconds"]) == len(overhead["pipeline_seconds"]) == 1
    assert overhead["ratio"] > 0 and overhead["cpu_ratio"] > 0
    assert "| pruned | threshold | 2 | 2 | 2 |" in (tmp_path / "studies_wildfire.md").read_text()
    assert not list((PROJECT_ROOT / "data").glob("10_studies/*/benchmark-*"))
