"""One W&B run for one experiment of a Kedro run, and what goes into it.

Imported by the hook only when a run is tracked, so a run with tracking off never
imports W&B. Everything here takes plain Kedro outputs (dicts, figures, tables,
models) and turns them into W&B's types; nothing here knows the pipelines.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd
import wandb
from matplotlib.figure import Figure

from dl_experiments import tasks
from dl_experiments.evaluation.classification import (
    as_probabilities,
    predict_labels,
    prediction_scores,
)
from dl_experiments.nested import flatten

logger = logging.getLogger(__name__)

ErrorHandler = Callable[[str, BaseException], None]


class EpochMetricsLogger(keras.callbacks.Callback):
    """Logs Keras' per-epoch ``logs`` (loss, metrics, ``val_*``) to one W&B run.

    The same keys as W&B's ``WandbMetricsLogger`` (``epoch/loss``,
    ``epoch/val_loss``, ``epoch/learning_rate`` against ``epoch/epoch``), but bound
    to its run rather than to W&B's global one, so several experiments of one Kedro
    run each log to their own run. A W&B error is handed to ``on_error`` and ends
    the logging; it never stops the training.
    """

    def __init__(self, run: Any, on_error: ErrorHandler) -> None:
        super().__init__()
        self._run = run
        self._on_error = on_error
        self._failed = False
        run.define_metric("epoch/epoch")
        run.define_metric("epoch/*", step_metric="epoch/epoch")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Log this epoch's training and validation values."""
        if self._failed:
            return
        values = {f"epoch/{key}": _scalar(value) for key, value in (logs or {}).items()}
        values["epoch/epoch"] = epoch
        if "epoch/learning_rate" not in values:
            rate = _learning_rate(self.model)
            if rate is not None:
                values["epoch/learning_rate"] = rate
        try:
            self._run.log(values)
        except Exception as error:  # noqa: BLE001 - W&B must never stop training
            self._failed = True
            self._on_error("logging epoch metrics", error)


def _scalar(value: Any) -> Any:
    try:
        return float(keras.ops.convert_to_numpy(value))
    except (TypeError, ValueError):
        return value


def _learning_rate(model: keras.Model | None) -> float | None:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    try:
        return float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    except (TypeError, ValueError, AttributeError):
        return None


def prediction_charts(
    predictions: pd.DataFrame,
    task: str | None,
    class_names: list[str] | None,
    threshold: float,
) -> dict[str, Any]:
    """W&B's native charts for a test-predictions table with a ``y_true`` column,
    as the task kind declares them (``tasks``): a classifier's confusion matrix,
    ROC and precision-recall curves; a regression's predicted against true values.
    No kind, or no ``y_true``: no charts.
    """
    if task is None or "y_true" not in predictions.columns:
        return {}
    kind = tasks.kind(task)
    if not kind.has_classes:
        return _regression_charts(predictions)
    scores = prediction_scores(predictions)
    n_classes = scores.shape[1] if scores.ndim == 2 else 2
    probabilities = as_probabilities(scores, n_classes)
    labels = list(class_names or [])
    if len(labels) != n_classes:
        labels = [str(index) for index in range(n_classes)]
    y_true = predictions["y_true"].to_numpy().astype(np.int64)
    y_pred = predict_labels(probabilities, threshold)
    return {
        "charts/confusion_matrix": wandb.plot.confusion_matrix(
            y_true=y_true.tolist(),
            preds=y_pred.tolist(),
            class_names=labels,
            title="Confusion matrix (test set)",
        ),
        "charts/roc_curve": wandb.plot.roc_curve(
            y_true, probabilities, labels=labels, title="ROC curve (test set)"
        ),
        "charts/pr_curve": wandb.plot.pr_curve(
            y_true, probabilities, labels=labels, title="Precision-recall (test set)"
        ),
    }


def _regression_charts(predictions: pd.DataFrame) -> dict[str, Any]:
    rows = predictions[["y_true", "prediction"]]
    if len(rows) > wandb.Table.MAX_ROWS:
        rows = rows.sample(wandb.Table.MAX_ROWS, random_state=0)
    table = wandb.Table(dataframe=rows.reset_index(drop=True).astype(float))
    return {
        "charts/predicted_vs_true": wandb.plot.scatter(
            table, "y_true", "prediction", title="Predicted vs true (test set)"
        )
    }


def shutdown() -> None:
    """Wait until W&B has written every finished run's files, then stop its service.

    ``run.finish()`` can return before W&B's background process has flushed the
    run's ``.wandb`` log; after this, the files are complete. Skipped while a run
    of the caller's own (``wandb.run``) is open, which it would end.
    """
    if wandb.run is None:
        wandb.teardown()


class TrackedRun:
    """The W&B run of one experiment (pipeline namespace) in a Kedro run."""

    def __init__(
        self,
        experiment: str,
        run: Any,
        task: str | None = None,
        class_names: list[str] | None = None,
        threshold: float = 0.5,
    ) -> None:
        self.experiment = experiment
        self.run = run
        self._task = task
        self._class_names = class_names
        self._threshold = threshold

    @classmethod
    def start(
        cls,
        experiment: str,
        labels: tuple[str | None, list[str] | None, float],
        init_args: Mapping[str, Any],
        config: Mapping[str, Any],
        settings: Mapping[str, Any],
    ) -> TrackedRun:
        """Open the W&B run.

        ``labels`` are the task kind, class names and decision threshold (for
        the native charts), ``init_args`` go to ``wandb.init``, ``config`` is the run's configuration
        and ``settings`` are ``wandb.Settings`` (API key, server, timeout). Console
        capture is off: each experiment's run would otherwise record every line
        the process prints while it is open.
        """
        Path(init_args["dir"]).mkdir(parents=True, exist_ok=True)
        run = wandb.init(
            **init_args,
            config=dict(config),
            reinit="create_new",
            settings=wandb.Settings(console="off", **settings),
        )
        return cls(experiment, run, *labels)

    @property
    def location(self) -> str:
        """Where the run is: its folder (offline) or its URL (online)."""
        return str(Path(self.run.dir).parent if self.run.offline else self.run.url)

    def keras_callback(self, on_error: ErrorHandler) -> keras.callbacks.Callback:
        """A callback for ``model.fit`` that logs every epoch to this run."""
        return EpochMetricsLogger(self.run, on_error)

    def record(self, values: Mapping[str, Any]) -> None:
        """Add keys to the run's configuration (dataset versions, for example)."""
        if values:
            self.run.config.update(dict(values), allow_val_change=True)

    def log_outputs(
        self,
        outputs: Mapping[str, Any],
        kinds: Mapping[str, str | None],
        log_model: bool,
        version: str | None,
    ) -> None:
        """Log what a node returned, as each output's catalog entry declares.

        ``kinds[name]`` is the entry's ``metadata.wandb``: ``summary`` (a metrics
        dict, flattened with ``/``), ``summary_scalars`` (a dict's top-level
        numbers and strings, under ``training/``), ``image`` (a figure),
        ``charts`` (a test-predictions table as native charts) or ``model`` (an
        artifact when ``log_model``); outputs without a kind are not logged.
        """
        logged: dict[str, Any] = {}
        for name, value in outputs.items():
            short = name.rsplit(".", 1)[-1]
            kind = kinds.get(name)
            if kind == "image" and getattr(value, "not_drawn", None):
                continue  # a figure that does not apply to this run's data
            if kind == "image" and isinstance(value, Figure):
                logged[f"figures/{short.removesuffix('_plot')}"] = wandb.Image(value)
            elif kind == "summary" and isinstance(value, Mapping):
                self.run.summary.update(flatten(value, sep="/"))
            elif kind == "summary_scalars" and isinstance(value, Mapping):
                self.run.summary.update(
                    {
                        f"training/{key}": item
                        for key, item in value.items()
                        if isinstance(item, int | float | str)
                    }
                )
            elif kind == "study_summary" and isinstance(value, Mapping):
                self.run.summary.update(flatten(value, sep="/", prefix="study"))
            elif kind == "table" and isinstance(value, pd.DataFrame):
                logged[f"tables/{short}"] = wandb.Table(dataframe=value)
            elif kind == "charts" and isinstance(value, pd.DataFrame):
                logged |= prediction_charts(
                    value, self._task, self._class_names, self._threshold
                )
            elif kind == "model" and log_model:
                self._log_model(name, value, version)
        if logged:
            self.run.log(logged)

    def _log_model(self, name: str, model: keras.Model, version: str | None) -> None:
        artifact = wandb.Artifact(
            f"{self.experiment}-model",
            type="model",
            metadata={"kedro_dataset": name, "version": version},
        )
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.keras"
            model.save(path)
            # policy "mutable": W&B copies the file to its staging area right away
            artifact.add_file(str(path), name="model.keras", policy="mutable")
        self.run.log_artifact(artifact, aliases=["latest", *([version] if version else [])])

    def finish(self, exit_code: int, error: str | None = None) -> None:
        """Close the run; a non-zero ``exit_code`` marks it failed in W&B."""
        if error:
            self.run.summary["error"] = error
        self.run.finish(exit_code=exit_code)
