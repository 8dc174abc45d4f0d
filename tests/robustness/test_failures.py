"""Failures mid-run, resuming from the saved model, the CLI's exit code, safe loading."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import keras
import pytest
import yaml
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.io import DatasetError
from kedro_datasets.tensorflow import TensorFlowModelDataset

from dl_experiments.templates import tabular as tabular_template
from tests.conftest import PROJECT_ROOT, run_kedro
from tests.helpers import (
    kedro_cli,
    snapshot,
    versions,
    with_value,
    write_sensor_csv,
)

pytestmark = pytest.mark.e2e

MODEL = "data/06_models/wildfire/model.keras"
HISTORY = "data/07_model_output/wildfire/training_history.json"
METRICS = "data/08_reporting/wildfire/metrics.json"


def latest_version(project: Path, dataset: str) -> str:
    """The version a plain ``catalog.load(dataset)`` would read."""
    bootstrap_project(project)
    with KedroSession.create(project_path=project, env="test") as session:
        catalog = session.load_context().catalog
        return catalog.get(dataset).resolve_load_version()


def test_failed_run_keeps_earlier_versions_and_leaves_no_partial_one(
    wildfire_copy, monkeypatch, caplog
):
    before = snapshot(wildfire_copy)
    (complete,) = versions(wildfire_copy, MODEL)

    def broken_plot(*args, **kwargs):
        raise RuntimeError("the figure backend crashed")

    # wildfire's plot_evaluation node runs the tabular template's plot_classifier
    monkeypatch.setattr(tabular_template, "plot_classifier", broken_plot)
    with pytest.raises(RuntimeError, match="figure backend crashed"):
        run_kedro(wildfire_copy, "wildfire")

    # The failing run had saved a model (training ran) and the hook removed it.
    removed = caplog.text[caplog.text.index("removed its partial outputs") :]
    assert "wildfire.model " in removed and "wildfire.training_history" in removed
    assert snapshot(wildfire_copy) == before, "earlier versions changed or new remain"
    for dataset in ("wildfire.model", "wildfire.metrics", "wildfire.preprocessor"):
        assert latest_version(wildfire_copy, dataset) == complete


def test_a_second_run_after_a_failure_is_complete(wildfire_copy, monkeypatch):
    predictions = "data/07_model_output/wildfire/test_predictions.parquet"
    resume = ["wildfire.predict_test_set"]

    def full_disk(*args, **kwargs):
        raise OSError("no space left on device")

    # wildfire's evaluate node (with CV) computes its metrics in evaluate_classifier
    monkeypatch.setattr(tabular_template, "evaluate_classifier", full_disk)
    with pytest.raises(OSError, match="no space left"):
        run_kedro(wildfire_copy, "wildfire", from_nodes=resume)
    # the failed run had saved predictions before evaluate raised: removed again
    assert len(versions(wildfire_copy, predictions)) == 1
    assert len(versions(wildfire_copy, METRICS)) == 1
    monkeypatch.undo()
    run_kedro(wildfire_copy, "wildfire", from_nodes=resume)
    assert len(versions(wildfire_copy, predictions)) == 2
    assert len(versions(wildfire_copy, METRICS)) == 2
    assert len(versions(wildfire_copy, MODEL)) == 1


def test_reporting_resumes_from_the_saved_model_without_retraining(wildfire_copy):
    (first_metrics,) = versions(wildfire_copy, METRICS)
    run_kedro(wildfire_copy, "wildfire", from_nodes=["wildfire.predict_test_set"])
    assert len(versions(wildfire_copy, MODEL)) == 1, "the model was retrained"
    assert len(versions(wildfire_copy, HISTORY)) == 1
    first, second = (
        json.loads((wildfire_copy / METRICS / v / "metrics.json").read_text())
        for v in versions(wildfire_copy, METRICS)
    )
    assert second == first, "the same saved model must score the same"
    assert versions(wildfire_copy, METRICS)[0] == first_metrics


def run_cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    """``kedro run`` as a user types it, in the project copy."""
    return kedro_cli(project, "run", "--env=test", *args, check=False)


def test_cli_exits_non_zero_naming_file_column_and_expectation(project, forestfires):
    path = write_sensor_csv(project, with_value(forestfires, "wind", 4, "calm"))
    done = run_cli(project, "--pipeline=wildfire")
    output = re.sub(r"\s+", " ", done.stdout + done.stderr)
    assert done.returncode != 0
    for words in (
        str(path),
        "column 'wind'",
        "'calm' in data row 5",
        "expected a number",
    ):
        assert words in output, words
    assert not (project / "data" / "06_models").exists()


def test_models_are_loaded_in_keras_safe_mode(tmp_path):
    catalog = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog.yml").read_text())
    entry = catalog["{namespace}.model"]
    assert entry["load_args"]["safe_mode"] is True

    inputs = keras.Input(shape=(2,))
    outputs = keras.layers.Lambda(lambda x: x * 2.0)(inputs)  # arbitrary code
    dataset = TensorFlowModelDataset(
        filepath=str(tmp_path / "model.keras"), load_args=entry["load_args"]
    )
    dataset.save(keras.Model(inputs, outputs))
    with pytest.raises(DatasetError, match="safe_mode"):
        dataset.load()


def test_nothing_is_loaded_from_a_pickle():
    """No catalog entry is a pickle (the preprocessors are skops files) and no code
    unpickles anything."""
    for path in sorted((PROJECT_ROOT / "conf").glob("*/catalog*.yml")):
        for name, entry in (yaml.safe_load(path.read_text()) or {}).items():
            if isinstance(entry, dict):
                assert "pickle" not in str(entry.get("type")).lower(), (path.name, name)
    unsafe = re.compile(r"pickle\.loads?\(|joblib\.load\(|allow_pickle\s*=\s*True")
    for source in sorted((PROJECT_ROOT / "src").rglob("*.py")):
        assert not unsafe.search(source.read_text()), source
