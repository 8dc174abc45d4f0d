# Two commands on a machine with Python 3.11 and pip:
#   make run   - set up .venv and run every pipeline on the shipped data
#   make test  - set up .venv with the test extras, Chromium and PostgreSQL
#                (tools/test_setup.sh), then ruff and the whole test suite
# and one for a quick look while working:
#   make test-fast - the unit tests alone (no end-to-end runs, browser, PostgreSQL,
#                    cluster or benchmark tests: the markers in pyproject.toml)
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

FAST_TESTS := not e2e and not browser and not postgres and not cluster and not benchmark

.PHONY: run test test-fast test-setup install install-test lint viz viz-build clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# pip runs again only when pyproject.toml changes (or the venv is new)
install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

run: install
	$(BIN)/kedro run

test: test-setup install-test
	$(BIN)/ruff check .
	$(BIN)/pytest

test-fast: install-test
	$(BIN)/pytest -m "$(FAST_TESTS)"

# installs Chromium and PostgreSQL with apt-get where it can, else says what to install
test-setup:
	tools/test_setup.sh

# kedro-viz with previews of the last run's data (computed when a dataset is clicked)
viz: install
	$(BIN)/kedro viz run

# the same as a static site in build/, previews included
viz-build: install
	$(BIN)/kedro viz build --include-previews

clean-venv:
	rm -rf $(VENV)
