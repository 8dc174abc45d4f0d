"""Training progress as plain log lines through Kedro's logging.

Every training (a run's model, a cross-validation fold, a study's trial) logs one
line every ``training.log_every`` epochs to the ``dl_experiments.modelling.progress``
logger: epoch/total, the loss, the monitored validation metric, the learning rate,
seconds per epoch and an estimate of the time left. Plain lines read the same on a
terminal, in CI and in ``logs/info.log``; Keras' own progress output (with its
control characters) is switched off while they are on.

What is being trained (``wildfire``, ``fold 2/5``) is a label set by whoever runs
the training, in a ``progress_label`` block; nested blocks join their labels. Keras
is imported only when a callback is made, so importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import math
import time
from collections.abc import Iterator
from typing import Any

from dl_experiments import tasks
from dl_experiments.config import TrainingConfig

logger = logging.getLogger(__name__)

_LABEL: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "dl_experiments_progress_label", default=()
)


@contextlib.contextmanager
def progress_label(label: str) -> Iterator[None]:
    """Prefix the progress lines of every training inside the block with ``label``."""
    token = _LABEL.set((*_LABEL.get(), label))
    try:
        yield
    finally:
        _LABEL.reset(token)


def push_label(label: str) -> contextvars.Token:
    """Add ``label`` until ``pop_label(token)``: for hooks (before/after node run)."""
    return _LABEL.set((*_LABEL.get(), label))


def pop_label(token: contextvars.Token) -> None:
    """Undo the matching ``push_label``."""
    _LABEL.reset(token)


def current_label() -> str:
    """The labels of the enclosing blocks, joined: ``wildfire fold 2/5``."""
    return " ".join(_LABEL.get())


def format_duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``1h02m``: short enough for a log line."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f}s" if seconds >= 10 else f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _number(value: float) -> str:
    return f"{value:.3e}" if value and abs(value) < 1e-3 else f"{value:.4f}"


def keras_verbosity(config: TrainingConfig) -> int:
    """Keras' own ``verbose`` for ``model.fit``: 0 while the progress lines are on."""
    return 0 if config.log_every else config.verbose


def progress_callbacks(config: TrainingConfig) -> list[Any]:
    """The progress callback for ``model.fit`` (none when ``log_every`` is 0)."""
    if not config.log_every:
        return []
    return [
        make_progress_callback(
            total_epochs=config.epochs,
            every=config.log_every,
            monitor=config.early_stopping.monitor,
            label=current_label(),
        )
    ]


def make_progress_callback(
    total_epochs: int, every: int, monitor: str, label: str = ""
) -> Any:
    """A Keras callback logging one line every ``every`` epochs, and the last one.

    Args:
        total_epochs: The epoch budget (early stopping may end sooner; the estimate
            of the time left is for the whole budget, an upper bound).
        every: Log every this many epochs; the first and the last epoch always.
        monitor: The validation metric early stopping watches (``val_loss``).
        label: What is trained, at the start of each line.
    """
    import keras  # noqa: PLC0415 - keep TensorFlow out of the package import

    class EpochProgress(keras.callbacks.Callback):
        """Logs epoch/total, loss, monitored metric, learning rate, s/epoch, ETA."""

        def __init__(self) -> None:
            super().__init__()
            self.prefix = f"{label}: " if label else ""
            self.seconds: list[float] = []
            self.best: tuple[int, float] | None = None
            self._epoch_start = 0.0
            self._train_start = 0.0
            self._last_epoch = 0

        def on_train_begin(self, logs: dict | None = None) -> None:
            self._train_start = time.perf_counter()
            logger.info(
                "%straining for up to %d epochs, monitoring %s",
                self.prefix,
                total_epochs,
                monitor,
            )

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self._epoch_start = time.perf_counter()

        def _learning_rate(self) -> float | None:
            try:
                rate = self.model.optimizer.learning_rate
                return float(keras.ops.convert_to_numpy(rate))
            except (AttributeError, TypeError, ValueError):
                return None

        def _track_best(self, epoch: int, value: float | None) -> None:
            if value is None or math.isnan(value):
                return
            higher = tasks.direction(monitor) == "higher"
            if self.best is None or (
                value > self.best[1] if higher else value < self.best[1]
            ):
                self.best = (epoch, value)

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            logs = logs or {}
            self.seconds.append(time.perf_counter() - self._epoch_start)
            self._last_epoch = epoch + 1
            watched = logs.get(monitor)
            self._track_best(epoch + 1, None if watched is None else float(watched))
            done = epoch + 1
            if done % every and done not in (1, total_epochs):
                return
            per_epoch = sum(self.seconds) / len(self.seconds)
            parts = [f"epoch {done}/{total_epochs}"]
            if "loss" in logs:
                parts.append(f"loss {_number(float(logs['loss']))}")
            if watched is not None and monitor != "loss":
                parts.append(f"{monitor} {_number(float(watched))}")
            rate = self._learning_rate()
            if rate is not None:
                parts.append(f"lr {rate:.2e}")
            parts.append(f"{per_epoch:.2f} s/epoch")
            parts.append(f"ETA {format_duration(per_epoch * (total_epochs - done))}")
            logger.info("%s%s", self.prefix, " | ".join(parts))

        def on_train_end(self, logs: dict | None = None) -> None:
            elapsed = time.perf_counter() - self._train_start
            stopped = (
                f"stopped early after {self._last_epoch} of {total_epochs} epochs"
                if self._last_epoch < total_epochs
                else f"trained {self._last_epoch} epochs"
            )
            best = (
                f"; best {monitor} {_number(self.best[1])} at epoch {self.best[0]}"
                if self.best
                else ""
            )
            logger.info(
                "%s%s in %s%s", self.prefix, stopped, format_duration(elapsed), best
            )

    return EpochProgress()
