"""The notebooks: stored without outputs, and executed after a test-environment run."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import nbformat
import pytest
from kedro.framework.project import pipelines
from kedro.framework.startup import bootstrap_project
from nbclient import NotebookClient

from tests.conftest import PROJECT_ROOT
from tests.helpers import kedro_cli

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
EXPERIMENTS = ("housing", "wildfire", "fashion_mnist")


def test_there_is_a_notebook_per_experiment_and_one_comparing_runs():
    assert {path.stem for path in NOTEBOOKS} == {*EXPERIMENTS, "compare_runs"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_stored_without_outputs(path: Path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code[0].source.strip() == "%load_ext kedro.ipython"
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source


def images(notebook: nbformat.NotebookNode) -> int:
    return sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def execute(project: Path, name: str, monkeypatch: pytest.MonkeyPatch):
    """Run ``notebooks/<name>.ipynb`` of ``project`` the way Jupyter would there."""
    monkeypatch.setenv("KEDRO_ENV", "test")  # the kernel inherits the environment
    monkeypatch.setenv("KEDRO_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(project / "notebooks" / f"{name}.ipynb", as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(project / "notebooks")}},
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    return notebook


@pytest.mark.e2e
@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_notebook_shows_the_latest_run(name, trained_project, monkeypatch):
    bootstrap_project(trained_project)
    assert name in pipelines, f"the '{name}' pipeline is not registered"
    plots = [ds for ds in pipelines[name].all_outputs() if ds.endswith("_plot")]
    notebook = execute(trained_project, name, monkeypatch)
    assert images(notebook) == len(plots)
    text = "".join(
        str(output.get("text", "")) + str(output.get("data", {}).get("text/html", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert "Total params" in text  # the model summary
    for plot in plots:
        assert plot in text
    assert "<iframe srcdoc=" in text  # the run's report


@pytest.mark.e2e
def test_compare_runs_notebook_covers_every_experiment(trained_project, monkeypatch):
    bootstrap_project(trained_project)
    experiments = {node.namespace for node in pipelines["compare_runs"].nodes}
    notebook = execute(trained_project, "compare_runs", monkeypatch)
    assert images(notebook) == len(experiments)  # one comparison figure each


def test_kedro_jupyter_finds_what_the_notebooks_extra_installs(project, tmp_path):
    """`kedro jupyter notebook` needs `notebook` and registers a kernel that loads
    the project (here without starting the server)."""
    importlib.import_module("notebook")  # what `kedro jupyter notebook` checks first
    kedro_cli(project, "jupyter", "setup", JUPYTER_DATA_DIR=str(tmp_path / "jupyter"))
    spec = tmp_path / "jupyter" / "kernels" / "kedro_dl_experiments" / "kernel.json"
    assert "kedro.ipython" in json.loads(spec.read_text())["argv"]
