"""Multi-seed evaluation: one configuration retrained over several seeds, each
scored once on its test split by the experiment's own evaluation node (the
pipeline up to ``evaluate``: no cross-validation per seed), then the
mean, standard deviation and a t-based 95% interval of every headline metric for
the model and each baseline."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from dl_experiments.evaluation.report import models_table
from dl_experiments.studies.config import StudyConfig
from dl_experiments.studies.experiment import Experiment
from dl_experiments.studies.space import merged, validate_experiment
from dl_experiments.studies.study import objective_value, restores_best_weights

# Scalars of a metrics table that describe the test set, not the model.
NOT_METRICS = frozenset({"n_samples", "threshold"})


def evaluate_over_seeds(
    experiment: Experiment,
    config: StudyConfig,
    params: Mapping[str, Any],
    raw: Mapping[str, Any],
    overrides: Mapping[str, Any] | None,
) -> pd.DataFrame:
    """Long table ``seed, model, metric, value``: each seed's test metrics of the
    model and its baselines, plus the model's validation objective (``split`` says
    which split a value is from).

    ``overrides`` are the best trial's parameters (dotted keys, epoch cap
    included); None evaluates the experiment's own configuration.
    """
    base = dict(params)
    changes = dict(overrides) if overrides is not None else {}
    evaluation = experiment.evaluation_slice()
    metric = config.objective.metric
    rows: list[dict[str, Any]] = []
    for seed in config.seeds:
        seeded = merged(base, changes | {config.seed_parameter: seed})
        validate_experiment(experiment.schema, seeded, experiment.name)
        result = experiment.run(
            evaluation,
            seeded,
            raw,
            keep=[experiment.evaluation_output, "training_history"],
        )
        _clear_keras_session()
        history = result["training_history"]
        rows.append(
            {
                "seed": seed,
                "model": "model",
                "metric": metric,
                "split": "validation",
                "value": objective_value(
                    history, metric, restores_best_weights(seeded, experiment)
                ),
            }
        )
        table = models_table(result[experiment.evaluation_output])
        for model in table.columns:
            for name, value in table[model].items():
                if (
                    name in NOT_METRICS
                    or isinstance(value, bool)
                    or not isinstance(value, int | float)
                ):
                    continue
                rows.append(
                    {
                        "seed": seed,
                        "model": model,
                        "metric": name,
                        "split": "test",
                        "value": float(value),
                    }
                )
    return pd.DataFrame(rows, columns=["seed", "model", "metric", "split", "value"])


def seed_statistics(runs: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per model, split and metric: n, mean, sd (n - 1), and the ``confidence``
    interval of the mean from Student's t with n - 1 degrees of freedom."""
    rows = []
    for (model, split, metric), group in runs.groupby(
        ["model", "split", "metric"], sort=False
    ):
        values = group["value"].to_numpy(dtype=float)
        n = len(values)
        mean = float(np.mean(values))
        sd = float(np.std(values, ddof=1)) if n > 1 else math.nan
        half = (
            float(stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n))
            if n > 1
            else math.nan
        )
        rows.append(
            {
                "model": model,
                "split": split,
                "metric": metric,
                "n": n,
                "mean": mean,
                "sd": sd,
                "ci95_low": mean - half,
                "ci95_high": mean + half,
            }
        )
    return pd.DataFrame(rows)


def _clear_keras_session() -> None:
    import keras  # noqa: PLC0415

    keras.backend.clear_session()
