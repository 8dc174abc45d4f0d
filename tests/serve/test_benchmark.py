"""The serving benchmark runs in a tiny mode on the session's trained project."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = [pytest.mark.benchmark, pytest.mark.e2e]


def test_benchmark_measures_the_service_and_the_predict_pipeline(
    served_project: Path, tmp_path: Path
):
    output = tmp_path / "serve.json"
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "benchmarks" / "serve.py"),
            f"--project={served_project}",
            "--env=test",
            "--experiments=wildfire,fashion_mnist",
            "--requests=12",
            "--pipeline-repeats=1",
            f"--output={output}",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    report = json.loads(output.read_text())
    assert set(report["experiments"]) == {"wildfire", "fashion_mnist"}
    assert report["health_p50_ms"] > 0
    for result in report["experiments"].values():
        assert [item["clients"] for item in result["single"]] == [1, 8]
        for item in result["single"]:
            assert item["requests"] == 12 and item["items"] == 12
            assert 0 < item["p50_ms"] <= item["p99_ms"]
            assert item["items_per_second"] > 0
        assert result["batch"][0]["items"] == 4 * result["examples"]
        pipeline = result["predict_pipeline"]
        assert (
            len(pipeline["one_row_seconds"]) == len(pipeline["all_rows_seconds"]) == 1
        )
        assert result["service_single_vs_pipeline_one_row"] > 0
