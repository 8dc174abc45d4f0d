"""``TaskKind``: everything one kind of task means, in one declaration."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from dl_experiments.tasks.metrics import direction

Activation = Literal["sigmoid", "softmax", "linear"]


def keras_metric(name: str) -> Any:
    """The Keras metric a history key names (``auc`` -> ``keras.metrics.AUC``)."""
    import keras  # noqa: PLC0415 - Keras only where a model is compiled

    factories: dict[str, Callable[[], Any]] = {
        "accuracy": lambda: "accuracy",
        "auc": lambda: keras.metrics.AUC(name="auc"),
        "precision": lambda: keras.metrics.Precision(name="precision"),
        "recall": lambda: keras.metrics.Recall(name="recall"),
        "mae": lambda: "mae",
        "rmse": lambda: keras.metrics.RootMeanSquaredError(name="rmse"),
    }
    return factories[name]()


@dataclass(frozen=True)
class TaskKind:
    """One kind of task: its network head and loss, the metrics it trains with and
    reports (with their direction, from ``tasks.metrics``), its baselines, the
    columns of its predictions, its figures and its tracker charts.

    Every module that needs one of these asks the kind (``tasks.kind(name)``);
    none tells a kind from the columns or metrics it happens to see.
    """

    name: str
    summary: str
    # The network's head: units (1, or one per class) and activation; its name in
    # a model summary.
    activation: Activation
    output_name: str
    loss: str
    # Labels as the network sees them: class indices or float values.
    label_dtype: type
    # Keras metrics tracked per epoch besides the loss (history keys).
    training_metrics: tuple[str, ...]
    default_monitor: str
    # Test-set metrics a reader comes for; the first ranks the baselines.
    headline: tuple[str, ...]
    # ``seed -> {name: scikit-learn estimator}``, fitted beside the network.
    baselines: Callable[[int], dict[str, Any]]
    # Figures the evaluation stage draws (``<name>_plot``) and W&B charts.
    figures: tuple[str, ...]
    charts: tuple[str, ...]
    # Rows are classes (stratified splits, class names, label smoothing).
    has_classes: bool
    # Turns the network's (or a baseline's) raw outputs into prediction columns.
    prediction_columns: Callable[[np.ndarray], dict[str, np.ndarray]]
    # Per-row answer of a predict pipeline (or a service) from those columns.
    row_answer: Callable[..., dict[str, np.ndarray]]
    # ``(label column, target parameters) -> (labels, problems)``: the values the
    # network learns (class indices or floats), and what is wrong with the column.
    encode_target: Callable[[Any, Any], tuple[Any, list[str]]]
    # Metrics a k-fold estimate reports (small tables; empty: no k-fold estimate).
    cross_validation_metrics: tuple[str, ...] = ()
    # The smallest and largest number of classes (regression: 0).
    min_classes: int = 0
    max_classes: int | None = None

    def output_units(self, n_classes: int) -> int:
        """Units of the network's head."""
        return n_classes if self.activation == "softmax" else 1

    def keras_metrics(self) -> list[Any]:
        """The Keras metrics ``model.compile`` gets."""
        return [keras_metric(name) for name in self.training_metrics]

    def monitorable(self) -> tuple[str, ...]:
        """Every history key early stopping, the best epoch or a study may watch."""
        names = ("loss", *self.training_metrics)
        return (*names, *(f"val_{name}" for name in names))

    def check_monitor(self, monitor: str, field: str) -> str | None:
        """A problem line when ``monitor`` is not a metric this kind produces."""
        if monitor in self.monitorable():
            return None
        return (
            f"{field} = {monitor!r}: a {self.name} model's training history has "
            f"{list(self.monitorable())}; expected one of those"
        )

    def best_epoch(self, history: Mapping[str, Sequence[float]], monitor: str) -> int:
        """Index of the best epoch of ``monitor`` (its direction from the contract);
        the loss when the history lacks it."""
        curve = np.asarray(history.get(monitor, history["loss"]), dtype=np.float64)
        if monitor in history and direction(monitor) == "higher":
            return int(np.nanargmax(curve))
        return int(np.nanargmin(curve))

    def baseline_columns(
        self, name: str, model: Any, x: np.ndarray, n_classes: int = 0
    ) -> dict[str, Any]:
        """A fitted baseline's prediction columns for rows ``x``, named
        ``<name>`` (one column) or ``<name>.<column>``."""
        if self.has_classes:
            raw = _class_probabilities(model, x, self, n_classes)
        else:
            raw = np.asarray(model.predict(x), dtype=np.float64)
        columns = self.prediction_columns(raw)
        if len(columns) == 1:
            return {name: next(iter(columns.values()))}
        return {f"{name}.{column}": values for column, values in columns.items()}


def _class_probabilities(
    model: Any, x: np.ndarray, kind: TaskKind, n_classes: int
) -> np.ndarray:
    """``(n, n_classes)`` probabilities of a scikit-learn classifier (a class it
    never saw gets 0); the positive class's column alone for a sigmoid kind."""
    seen = np.asarray(model.classes_, dtype=np.int64)
    n_classes = max(int(seen.max()) + 1, kind.min_classes, n_classes)
    probabilities = np.zeros((len(x), n_classes))
    probabilities[:, seen] = model.predict_proba(x)
    if kind.activation == "sigmoid":
        return probabilities[:, 1]
    return probabilities
