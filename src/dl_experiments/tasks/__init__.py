"""Task kinds: what binary, multi-class, regression and image classification mean,
declared once (``TaskKind``) and asked for everywhere.

A kind declares its network head and loss, the metrics it trains with and
reports (directions in ``tasks.metrics``), its baselines, the columns of its
predictions, its figures and its W&B charts. A new kind is one module defining
``KIND`` plus one line in ``REGISTERED`` below.
"""

from __future__ import annotations

from dl_experiments.tasks import binary, image, multiclass, regression
from dl_experiments.tasks.kind import TaskKind
from dl_experiments.tasks.metrics import Direction, direction, is_better, label

REGISTERED: dict[str, TaskKind] = {
    module.KIND.name: module.KIND for module in (binary, multiclass, regression, image)
}


def kind(name: str) -> TaskKind:
    """The kind registered as ``name``; a ``ValueError`` naming the known ones."""
    try:
        return REGISTERED[name]
    except KeyError:
        raise ValueError(
            f"task kind '{name}' is not registered; expected one of {sorted(REGISTERED)}"
        ) from None


def names() -> list[str]:
    """Every registered kind's name."""
    return list(REGISTERED)


__all__ = [
    "REGISTERED",
    "Direction",
    "TaskKind",
    "direction",
    "is_better",
    "kind",
    "label",
    "names",
]
