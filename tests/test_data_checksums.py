"""The committed raw data is byte-for-byte what data/01_raw/README.md documents."""

import hashlib
import re

import pytest

from tests.conftest import PROJECT_ROOT

RAW = PROJECT_ROOT / "data" / "01_raw"
DOCUMENTED = dict(
    re.findall(r"\|\s*`([^`]+)`\s*\|[^|]*\|\s*`([0-9a-f]{64})`", (RAW / "README.md").read_text())
)


def test_every_raw_file_is_documented():
    files = {p.name for p in RAW.iterdir() if p.name != "README.md"}
    assert files == set(DOCUMENTED), "data/01_raw and its README disagree"
    assert len(files) == 6


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_raw_file_checksum(name):
    digest = hashlib.sha256((RAW / name).read_bytes()).hexdigest()
    assert digest == DOCUMENTED[name], f"{name} changed since it was committed"
