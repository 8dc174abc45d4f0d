"""Listing pipelines, reading the catalog and kedro-viz start without the heavy
libraries: nothing the project imports until a node runs pulls in TensorFlow,
scikit-learn or matplotlib (their cost is measured by benchmarks/startup.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import PROJECT_ROOT

HEAVY = ("tensorflow", "keras", "sklearn", "scipy", "matplotlib")

PROBE = """
import json, sys
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
bootstrap_project({root!r})
from kedro.framework.project import pipelines
names = sorted(pipelines)
with KedroSession.create(project_path={root!r}, env="test") as session:
    context = session.load_context()
    catalog = context.catalog
    params = context.params
print(json.dumps({{"pipelines": names, "loaded": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def test_pipelines_catalog_and_parameters_load_without_heavy_libraries():
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(root=str(PROJECT_ROOT), heavy=HEAVY)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env={"KEDRO_DISABLE_TELEMETRY": "true", "PATH": "/usr/bin:/bin"},
    )
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"wildfire", "housing", "fashion_mnist", "wildfire_predict"} <= set(
        found["pipelines"]
    )
    assert found["loaded"] == [], result.stderr[-2000:]
