# Two commands on a machine with Python 3.11 and pip:
#   make run   - set up .venv and run every pipeline on the shipped data
#   make test  - set up .venv with the test extras and run the test suite
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test lint viz viz-build clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"

run: install
	$(BIN)/kedro run

test: install-test
	$(BIN)/ruff check .
	$(BIN)/pytest

# kedro-viz with previews of the last run's data (computed when a dataset is clicked)
viz: install
	$(BIN)/kedro viz run

# the same as a static site in build/, previews included
viz-build: install
	$(BIN)/kedro viz build --include-previews

clean-venv:
	rm -rf $(VENV)
