"""A study's configuration: ``<experiment>_tune`` in ``parameters_<experiment>.yml``.

Everything is checked before the first trial: the distributions and the
objective's direction here (Kedro validates ``params:<experiment>_tune`` against
``StudyConfig``, the type of the study nodes' argument, before the run), the
searched parameter paths against the experiment's own schema and the objective
against the experiment's task kind in ``studies.space``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from dl_experiments import tasks
from dl_experiments.config.base import PositiveInt, Strict

Scalar = str | int | float | bool | None
# How Optuna optimises a metric that is better higher or lower.
DIRECTIONS = {"higher": "maximize", "lower": "minimize"}


class Distribution(Strict):
    """How one parameter is searched.

    ``float`` / ``int``: a range ``[low, high]``, optionally on a log scale or in
    steps; ``categorical``: one of ``choices`` (scalars, or lists such as layer
    widths ``[64, 32]``).
    """

    type: Literal["float", "int", "categorical"]
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: Annotated[float, Field(gt=0)] | None = None
    choices: list[Any] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Distribution:
        if self.type == "categorical":
            if not self.choices:
                raise ValueError("a categorical distribution needs a non-empty 'choices'")
            if self.low is not None or self.high is not None or self.log:
                raise ValueError("a categorical distribution takes 'choices' only")
            return self
        if self.choices is not None:
            raise ValueError(f"a {self.type} distribution takes low/high, not 'choices'")
        if self.low is None or self.high is None:
            raise ValueError(f"a {self.type} distribution needs both 'low' and 'high'")
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        if self.log and self.low <= 0:
            raise ValueError(
                f"a log-scale range must be above 0, got low = {self.low}"
            )
        if self.log and self.step is not None:
            raise ValueError("'step' and 'log' cannot be combined")
        if self.type == "int":
            for name in ("low", "high", "step"):
                value = getattr(self, name)
                if value is not None and float(value) != int(value):
                    raise ValueError(f"an int distribution needs a whole '{name}'")
        return self

    def candidates(self) -> list[Any]:
        """Values that stand for the whole range when checked against the schema."""
        if self.type == "categorical":
            return list(self.choices or [])
        cast = int if self.type == "int" else float
        return [cast(self.low), cast(self.high)]


class SamplerConfig(Strict):
    """Optuna's sampler: TPE (seeded by default) or random search."""

    type: Literal["tpe", "random"] = "tpe"
    seed: int | None = 42
    n_startup_trials: PositiveInt = 10


class PrunerConfig(Strict):
    """Stops hopeless trials per epoch.

    ``median``: below the median of earlier trials at the same epoch (after
    ``n_startup_trials`` trials and ``n_warmup_steps`` epochs); ``hyperband``;
    ``threshold``: outside ``[lower, upper]``; ``none``.
    """

    type: Literal["median", "hyperband", "threshold", "none"] = "median"
    n_startup_trials: Annotated[int, Field(ge=0)] = 5
    n_warmup_steps: Annotated[int, Field(ge=0)] = 5
    min_resource: PositiveInt = 1
    reduction_factor: Annotated[int, Field(ge=2)] = 3
    lower: float | None = None
    upper: float | None = None

    @model_validator(mode="after")
    def _threshold_bounds(self) -> PrunerConfig:
        if self.type == "threshold" and self.lower is None and self.upper is None:
            raise ValueError("a threshold pruner needs 'lower' or 'upper'")
        return self


class ObjectiveConfig(Strict):
    """The validation metric of the training history a study optimises.

    Its direction follows from the metric (``tasks.direction``: ``val_auc`` is
    maximised, ``val_loss`` minimised); a ``direction`` written by hand must agree.
    Whether the experiment's task kind produces the metric is checked with the
    experiment's parameters (``studies.space.check_objective``).
    """

    metric: str = "val_loss"
    direction: Literal["minimize", "maximize"] | None = Field(
        default=None, validate_default=True
    )

    @field_validator("metric")
    @classmethod
    def _validation_metric(cls, metric: str) -> str:
        if not metric.startswith("val_"):
            raise ValueError(
                f"'{metric}': a study is judged on the validation split only; "
                "expected a 'val_' metric of the training history such as "
                "val_loss, val_auc or val_accuracy"
            )
        try:
            way = tasks.direction(metric)
        except KeyError as error:
            raise ValueError(error.args[0]) from None
        if way == "zero":
            raise ValueError(
                f"'{metric}' is best nearest zero, which a study cannot minimise "
                "or maximise; expected a metric that is better higher or lower"
            )
        return metric

    @field_validator("direction")
    @classmethod
    def _direction_of_metric(
        cls, direction: str | None, info: ValidationInfo
    ) -> str | None:
        metric = info.data.get("metric")
        if metric is None:  # the metric itself was rejected
            return direction
        way = tasks.direction(metric)
        derived = DIRECTIONS[way]
        if direction is not None and direction != derived:
            raise ValueError(
                f"objective.metric '{metric}' is better {way}, so a study "
                f"{derived}s it; leave direction out (it follows from the metric) "
                f"or set it to {derived}"
            )
        return derived


class StudyConfig(Strict):
    """``params:<experiment>_tune``: what is searched, how, for how long, and where
    the trials are kept."""

    study_name: str | None = None
    storage: str | None = None
    n_trials: PositiveInt = 20
    timeout: Annotated[float, Field(gt=0)] | None = None
    max_epochs: PositiveInt | None = None
    epochs_parameter: str = "training.epochs"
    seed_parameter: str = "seed"
    objective: ObjectiveConfig = ObjectiveConfig()
    sampler: SamplerConfig = SamplerConfig()
    pruner: PrunerConfig = PrunerConfig()
    search_space: dict[str, Distribution] = Field(default_factory=dict)
    # Queue the experiment's own values of the searched parameters as a trial
    # before any sampled one, so the study's best reads against the default
    # configuration trained under the same epoch cap.
    enqueue_defaults: bool = False
    seeds: list[Annotated[int, Field(ge=0)]] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4], min_length=2
    )

    def fingerprint(self, experiment_params: dict[str, Any]) -> str:
        """Eight hex digits naming what makes trials comparable: the space, objective,
        sampler, pruner, epoch cap and the experiment's parameters (not n_trials,
        timeout, seeds or enqueue_defaults, which a resumed study may change)."""
        identity = self.model_dump(
            mode="json",
            exclude={
                "study_name", "storage", "n_trials", "timeout", "seeds", "enqueue_defaults"
            },
        )
        text = json.dumps([identity, experiment_params], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:8]

    def resolved_name(self, experiment: str, experiment_params: dict[str, Any]) -> str:
        """``study_name``, or ``<experiment>-<fingerprint>`` so that two different
        studies never share trials."""
        return self.study_name or f"{experiment}-{self.fingerprint(experiment_params)}"
