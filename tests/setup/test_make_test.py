"""`make test` sets up what the tests start for real, or stops before them.

``tools/test_setup.sh`` runs on a PATH of its own: a folder with the few programs
it and make's recipes use (bash, env, id, touch, sudo) and, per test, a fake
``apt-get`` that records its calls and "installs" a Chromium (an executable file)
into that folder. The real Chromium and apt-get are out of sight; PostgreSQL's
server programs are given as files in the same folder, so only Chromium is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.conftest import MARKERS_BY_FIXTURE, MARKERS_BY_FOLDER, PROJECT_ROOT

SETUP = PROJECT_ROOT / "tools" / "test_setup.sh"

FAKE_APT_GET = """#!/usr/bin/env bash
echo "$*" >> "{log}"
[[ $1 == install ]] || exit 0
for package in "$@"; do
  case $package in
    chromium|chromium-browser) printf '#!/bin/sh\\n' > "{bin}/chromium" ;;
    postgresql) printf '#!/bin/sh\\n' > "{bin}/pg_ctl"; cp "{bin}/pg_ctl" "{bin}/initdb" ;;
  esac
done
chmod +x "{bin}"/*
exit {status}
"""


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """A PATH folder with bash, env, id, touch, a sudo that runs its command, and
    PostgreSQL's server programs (empty scripts): no Chromium, no apt-get."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for program in ("bash", "env", "id", "touch"):
        (folder / program).symlink_to(shutil.which(program))
    executable(
        folder / "sudo", '#!/usr/bin/env bash\n[[ $1 == -n ]] && shift\nexec "$@"\n'
    )
    for program in ("pg_ctl", "initdb"):
        executable(folder / program, "#!/bin/sh\n")
    return folder


def fake_apt_get(bin_dir: Path, status: int = 0) -> Path:
    """An apt-get that appends its arguments to a log; ``install`` puts the named
    packages' programs into ``bin_dir``; exits with ``status``."""
    log = bin_dir.parent / "apt-get.log"
    executable(
        bin_dir / "apt-get", FAKE_APT_GET.format(log=log, bin=bin_dir, status=status)
    )
    return log


def environment(bin_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CHROMIUM_PATH"}
    return env | {"PATH": str(bin_dir)} | extra


def setup(bin_dir: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SETUP)],
        env=environment(bin_dir, **extra),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_without_chromium_nor_apt_it_says_what_to_install_and_fails(bin_dir):
    done = setup(bin_dir)
    assert done.returncode == 1
    message = done.stderr
    assert (
        "Chromium: CHROMIUM_PATH naming its binary, or chromium or chromium-browser"
        in message
    )
    assert "Debian:           sudo apt-get install chromium" in message
    assert "Ubuntu:           sudo apt-get install chromium-browser" in message
    assert "Fedora:           sudo dnf install chromium" in message
    assert "macOS (Homebrew): brew install --cask google-chrome" in message
    assert "make test-fast runs the unit tests" in message
    assert not (bin_dir / "chromium").exists()


def test_with_apt_it_updates_installs_chromium_and_succeeds(bin_dir):
    log = fake_apt_get(bin_dir)
    done = setup(bin_dir)
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "update"
    assert calls[1].startswith("install -y --no-install-recommends ")
    assert set(calls[1].split()[3:]) <= {"chromium", "chromium-browser", "postgresql"}
    assert {"chromium", "chromium-browser"} & set(calls[1].split()[3:])
    assert len(calls) == 2
    assert (bin_dir / "chromium").exists()


def test_when_apt_fails_it_says_what_to_install_and_fails(bin_dir):
    log = fake_apt_get(bin_dir, status=100)
    done = setup(bin_dir)
    assert done.returncode == 1
    calls = log.read_text().splitlines()
    assert calls[0] == "update" and calls[1].startswith("install ")
    assert "apt-get could not install" in done.stderr
    assert "sudo apt-get install chromium" in done.stderr


def test_nothing_is_installed_when_everything_is_there(bin_dir):
    log = fake_apt_get(bin_dir)
    chromium = executable(bin_dir / "chromium", "#!/bin/sh\n")
    assert setup(bin_dir).returncode == 0
    assert setup(bin_dir, CHROMIUM_PATH=str(chromium)).returncode == 0
    assert not log.exists()


def test_a_chromium_path_that_is_not_a_program_is_named(bin_dir, tmp_path):
    not_a_program = tmp_path / "chromium.txt"
    not_a_program.write_text("")
    done = setup(bin_dir, CHROMIUM_PATH=str(not_a_program))
    assert done.returncode == 1
    assert f"CHROMIUM_PATH={not_a_program} is not an executable file" in done.stderr


@pytest.mark.parametrize("apt", [False, True], ids=["without-apt", "with-apt"])
def test_make_test_runs_the_set_up_before_lint_and_pytest(bin_dir, tmp_path, apt):
    """``make test`` on a virtual environment whose pip, ruff and pytest only
    record that they ran: without apt-get it stops before them."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    ran = tmp_path / "ran.log"
    for program in ("python", "pip", "ruff", "pytest"):
        executable(venv / "bin" / program, f'#!/bin/sh\necho {program} >> "{ran}"\n')
    if apt:
        fake_apt_get(bin_dir)
    done = subprocess.run(
        [shutil.which("make"), "--no-print-directory", "test", f"VENV={venv}"],
        cwd=PROJECT_ROOT,
        env=environment(bin_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    programs = ran.read_text().split() if ran.exists() else []
    if apt:
        assert done.returncode == 0, done.stderr
        assert programs == ["pip", "ruff", "pytest"]
    else:
        assert done.returncode != 0
        assert "sudo apt-get install chromium" in done.stderr
        assert "pytest" not in programs and "ruff" not in programs


def test_make_test_fast_leaves_out_every_tier(tmp_path):
    """Every marker of pyproject.toml is a tier that ``make test-fast`` leaves out,
    and the markers tests/conftest.py gives are registered ones."""
    options = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    tiers = {
        line.split(":", 1)[0]
        for line in options["tool"]["pytest"]["ini_options"]["markers"]
    }
    assert {"e2e", "browser", "postgres", "cluster", "benchmark"} <= tiers
    assert set(MARKERS_BY_FIXTURE.values()) | set(MARKERS_BY_FOLDER.values()) <= tiers
    (tmp_path / "bin").mkdir()
    executable(tmp_path / "bin" / "python", "#!/bin/sh\n")
    dry_run = subprocess.run(
        [shutil.which("make"), "--no-print-directory", "-n", "test-fast"]
        + [f"VENV={tmp_path}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    (command,) = [line for line in dry_run.splitlines() if "/bin/pytest" in line]
    expression = command.split(" -m ", 1)[1].strip("\"'")
    assert sorted(expression.split(" and ")) == sorted(f"not {t}" for t in tiers)
