"""Extra Keras callbacks for the training in progress, supplied from outside a node.

Nodes never import a tracker or a tuner, yet W&B wants a per-epoch logger and an
Optuna trial wants a pruning callback inside ``model.fit``. Whoever runs a training
node (a Kedro hook, a study's objective) wraps the call::

    with extra_callbacks([logger_callback]):
        ...  # any training in here gets logger_callback too

and ``train_keras_model`` adds ``current_callbacks()`` to its own. The value lives
in a ``contextvars.ContextVar``: nested blocks add to the outer ones, and a block
in one thread (a ThreadRunner worker) never leaks into another.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Sequence
from typing import Any

_CALLBACKS: contextvars.ContextVar[tuple[Any, ...]] = contextvars.ContextVar(
    "dl_experiments_extra_callbacks", default=()
)


@contextlib.contextmanager
def extra_callbacks(callbacks: Sequence[Any]) -> Iterator[None]:
    """Add ``callbacks`` to every Keras training started inside the block."""
    token = _CALLBACKS.set((*_CALLBACKS.get(), *callbacks))
    try:
        yield
    finally:
        _CALLBACKS.reset(token)


def push_callbacks(callbacks: Sequence[Any]) -> contextvars.Token:
    """Add ``callbacks`` until ``pop_callbacks(token)``: for hooks whose start and
    end are two calls (``before_node_run`` / ``after_node_run``)."""
    return _CALLBACKS.set((*_CALLBACKS.get(), *callbacks))


def pop_callbacks(token: contextvars.Token) -> None:
    """Undo the matching ``push_callbacks``."""
    _CALLBACKS.reset(token)


def current_callbacks() -> tuple[Any, ...]:
    """The callbacks added by every enclosing ``extra_callbacks`` block."""
    return _CALLBACKS.get()
