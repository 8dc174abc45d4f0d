"""The ``runtime`` parameters set TensorFlow's thread pools before TensorFlow starts.

Thread pools can only be sized before TensorFlow's runtime is initialised, and this
test process initialised it long ago, so each check runs a Kedro session in a fresh
interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SESSION = """
import json, sys
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
import tensorflow as tf

project, params = sys.argv[1], json.loads(sys.argv[2])
bootstrap_project(project)
with KedroSession.create(project_path=project, env="test", runtime_params=params) as s:
    s.run(pipeline_name="wildfire", tags=["ingestion"])
tf.constant([[1.0]]) @ tf.constant([[2.0]])  # the runtime now exists
threading = tf.config.threading
print(json.dumps({
    "intra": threading.get_intra_op_parallelism_threads(),
    "inter": threading.get_inter_op_parallelism_threads(),
}))
"""


def _threads_after_run(project: Path, params: dict) -> tuple[dict, str]:
    done = subprocess.run(
        [sys.executable, "-c", SESSION, str(project), json.dumps(params)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stdout + done.stderr


@pytest.mark.e2e
def test_runtime_threads_take_effect_in_a_kedro_run(project: Path):
    threads, output = _threads_after_run(
        project, {"runtime": {"intra_op_threads": 1, "inter_op_threads": 3}}
    )
    assert threads == {"intra": 1, "inter": 3}
    assert "not applied" not in output

