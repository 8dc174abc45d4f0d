"""Who watches a study's trials from outside it (the W&B hook), without the study
importing them.

Like ``modelling.callbacks``: a hook wraps the study node with
``push_observers([observer])`` / ``pop_observers(token)``; the study tells every
current observer when a trial starts (and adds the Keras callbacks it returns to
that trial's training) and when it ends.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class TrialObserver(Protocol):
    """What a study tells an observer about each of its trials."""

    def trial_started(
        self, study_name: str, number: int, overrides: Mapping[str, Any]
    ) -> Sequence[Any]:
        """A trial starts with these parameter overrides; returns Keras callbacks
        for its training (e.g. a per-epoch logger)."""

    def trial_finished(
        self, number: int, state: str, value: float | None, attrs: Mapping[str, Any]
    ) -> None:
        """The trial ended: ``COMPLETE``, ``PRUNED`` or ``FAIL``, its value and
        user attributes (epochs, seconds, worker)."""


_OBSERVERS: contextvars.ContextVar[tuple[TrialObserver, ...]] = contextvars.ContextVar(
    "dl_experiments_trial_observers", default=()
)


def push_observers(observers: Sequence[TrialObserver]) -> contextvars.Token:
    """Add ``observers`` until ``pop_observers(token)``."""
    return _OBSERVERS.set((*_OBSERVERS.get(), *observers))


def pop_observers(token: contextvars.Token) -> None:
    """Undo the matching ``push_observers``."""
    _OBSERVERS.reset(token)


def current_observers() -> tuple[TrialObserver, ...]:
    """The observers of the study running now."""
    return _OBSERVERS.get()
