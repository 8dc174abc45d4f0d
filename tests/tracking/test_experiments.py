"""One W&B run per experiment when a Kedro run holds several (``kedro run``)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
from kedro.framework.hooks.manager import _create_hook_manager
from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import Node, Pipeline
from kedro.runner import SequentialRunner
from matplotlib.figure import Figure

from dl_experiments.hooks import WandbHook
from dl_experiments.modelling.callbacks import current_callbacks
from tests.tracking.wandb_records import (
    OfflineRun,
    find_offline_runs,
    read_offline_run,
)

RUN_ID = "2026-01-02T03.04.05.678Z"


def train(seed: int) -> dict[str, Any]:
    """Fit a tiny Keras model for two epochs with the hook's callbacks (added
    around a node tagged ``training``, as ``train_keras_model`` picks them up)."""
    callbacks = list(current_callbacks())
    keras.utils.set_random_seed(abs(seed))
    x = np.random.default_rng(abs(seed)).normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    fitted = model.fit(x, y, epochs=2, batch_size=8, callbacks=callbacks, verbose=0)
    return {"epochs_run": len(fitted.history["loss"]), "history": fitted.history}


def report(history: dict[str, Any], seed: int) -> tuple[dict[str, Any], Figure]:
    """A metrics dict and a figure, as the reporting nodes return them."""
    if seed < 0:
        raise ValueError("negative seed")
    figure, axes = plt.subplots()
    axes.plot(history["history"]["loss"])
    return {"model": {"final_loss": history["history"]["loss"][-1], "seed": seed}}, figure


def experiment() -> Pipeline:
    return Pipeline(
        [
            Node(
                train,
                ["params:seed"],
                "training_history",
                name="train",
                tags="training",
            ),
            Node(
                report,
                ["training_history", "params:seed"],
                ["metrics", "loss_plot"],
                name="report",
            ),
        ]
    )


def run_experiments(project: Path, seeds: dict[str, int]) -> Exception | None:
    """Run one namespaced copy of ``experiment`` per entry of ``seeds`` in one run."""
    hook = WandbHook()
    hook.after_context_created(
        SimpleNamespace(
            config_loader={"wandb": {"mode": "offline", "dir": str(project)}},
            env="test",
            project_path=project,
        )
    )
    pipeline = sum(
        (Pipeline(experiment(), namespace=name) for name in seeds), start=Pipeline([])
    )
    # What is logged is declared on the catalog entries, as in conf/base/catalog.yml.
    catalog = DataCatalog(
        {
            f"{name}.{output}": MemoryDataset(metadata={"wandb": kind})
            for name in seeds
            for output, kind in (("metrics", "summary"), ("loss_plot", "image"))
        }
    )
    for name, seed in seeds.items():  # the hook reads each experiment's tree here
        catalog[f"params:{name}"] = {"seed": seed}
        catalog[f"params:{name}.seed"] = seed
    run_params = {"run_id": RUN_ID, "pipeline_names": None, "tags": None}
    hook_manager = _create_hook_manager()
    hook_manager.register(hook)
    hook.before_pipeline_run(run_params=run_params, pipeline=pipeline, catalog=catalog)
    try:
        SequentialRunner().run(pipeline, catalog, hook_manager, run_id=RUN_ID)
    except Exception as error:  # noqa: BLE001 - returned for the test to check
        hook.on_pipeline_error(error=error)
        return error
    hook.after_pipeline_run()
    return None


def runs_by_name(project: Path) -> dict[str, OfflineRun]:
    runs = [read_offline_run(path) for path in find_offline_runs(project / "wandb")]
    return {run.name: run for run in runs}


@pytest.fixture(autouse=True)
def no_wandb_variables(monkeypatch):
    for name in ("WANDB_MODE", "WANDB_DISABLED", "WANDB_DIR", "WANDB_PROJECT"):
        monkeypatch.delenv(name, raising=False)


def test_each_experiment_has_its_own_run_in_one_group(tmp_path):
    assert run_experiments(tmp_path, {"first": 1, "second": 2}) is None
    runs = runs_by_name(tmp_path)
    assert set(runs) == {f"first-{RUN_ID}", f"second-{RUN_ID}"}
    for name, seed in (("first", 1), ("second", 2)):
        run = runs[f"{name}-{RUN_ID}"]
        assert run.group == RUN_ID and run.exit_code == 0
        assert run.config["seed"] == seed
        assert run.summary["model/seed"] == seed
        assert run.curve("epoch/epoch") == [0, 1]  # only its own training's epochs
        assert run.summary["model/final_loss"] == pytest.approx(run.curve("epoch/loss")[-1])
        assert run.summary["figures/loss"]["_type"] == "image-file"
    first, second = runs[f"first-{RUN_ID}"], runs[f"second-{RUN_ID}"]
    assert first.curve("epoch/loss") != second.curve("epoch/loss")


def test_a_failing_experiment_fails_alone(tmp_path):
    error = run_experiments(tmp_path, {"alpha": 3, "zulu": -1})
    assert isinstance(error, ValueError)
    runs = runs_by_name(tmp_path)
    good, bad = runs[f"alpha-{RUN_ID}"], runs[f"zulu-{RUN_ID}"]
    assert good.exit_code == 0 and "model/seed" in good.summary
    assert bad.exit_code == 1
    assert "node 'zulu.report' failed: ValueError: negative seed" in bad.summary["error"]
    assert bad.curve("epoch/epoch") == [0, 1]  # logged before the failure
