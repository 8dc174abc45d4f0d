"""docs/serving.md as a contract: each documented command starts the service as
written, and each curl example, run as written against the real service, gets an
answer of the documented shape (errors: the documented body itself)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from dl_experiments.serve.command import serve
from tests.conftest import PROJECT_ROOT
from tests.serve.conftest import Service

pytestmark = pytest.mark.e2e

GUIDE = (PROJECT_ROOT / "docs" / "serving.md").read_text()
DOCUMENTED_URL = "http://127.0.0.1:8000"
# a curl block, and the response documented right after it (if any)
EXAMPLE = re.compile(
    r"```bash curl\n(?P<command>.*?)```\s*(?:```json response\n(?P<response>.*?)```)?",
    re.DOTALL,
)
START = re.compile(r"```bash\n(?P<commands>.*?)```", re.DOTALL)


def shape(value: object) -> object:
    """Keys and lengths without the values (which depend on the trained model)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__ if value is not None else None


def test_documented_start_commands_parse():
    commands = START.search(GUIDE)["commands"].strip().splitlines()
    assert commands
    for line in commands:
        words = shlex.split(line)
        prefix = (
            ["kedro", "serve"] if words[0] == "kedro" else
            ["python", "-m", "dl_experiments.serve"]
        )  # fmt: skip
        assert words[: len(prefix)] == prefix, line
        serve.make_context("serve", words[len(prefix) :])  # raises on a bad option


def test_every_curl_example_gets_the_documented_answer(
    service: Service, served_project: Path
):
    examples = list(EXAMPLE.finditer(GUIDE))
    assert len(examples) >= 5  # one per experiment, base64 images, an error
    for example in examples:
        command = example["command"].replace(DOCUMENTED_URL, service.url)
        assert service.url in command
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=served_project,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        answer = json.loads(result.stdout)
        if example["response"] is None:
            continue
        documented = json.loads(example["response"])
        if "error" in documented:
            assert answer == documented
        else:
            assert shape(answer) == shape(documented), command
