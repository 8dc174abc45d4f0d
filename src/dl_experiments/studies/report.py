"""What a study hands on: the best trial's parameters, a ``kedro run --config``
file that trains with them, and the study's HTML page (the run report's layout)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import optuna
import pandas as pd
from optuna.trial import TrialState

from dl_experiments.evaluation.report import build_report
from dl_experiments.studies.config import StudyConfig
from dl_experiments.studies.space import nested
from dl_experiments.studies.study import best_trial, storage_label, trial_overrides


def best_parameters(
    study: optuna.Study, config: StudyConfig, experiment: str, storage_folder: str
) -> dict[str, Any]:
    """The study's identity and counts, and its best complete trial: number, value
    and the parameter overrides it trained with (``None`` before any completed)."""
    states = [t.state for t in study.get_trials(deepcopy=False)]
    best = best_trial(study)
    return {
        "experiment": experiment,
        "study_name": study.study_name,
        "storage": storage_label(config.storage, storage_folder, study.study_name),
        "objective": config.objective.metric,
        "direction": config.objective.direction,
        "n_trials": config.n_trials,
        "complete": states.count(TrialState.COMPLETE),
        "pruned": states.count(TrialState.PRUNED),
        "failed": states.count(TrialState.FAIL),
        "best_trial": None if best is None else best.number,
        "best_value": None if best is None else best.value,
        "overrides": None if best is None else trial_overrides(best),
    }


def run_config(experiment: str, best: Mapping[str, Any]) -> dict[str, Any]:
    """A ``kedro run --config <file>`` configuration that trains the experiment with
    the best trial's parameters (the same seed, epochs and every searched value)."""
    overrides = best.get("overrides") or {}
    return {"run": {"pipelines": experiment, "params": {experiment: nested(overrides)}}}


def study_report(
    experiment: str,
    config: StudyConfig,
    seed_statistics: pd.DataFrame,
    trials: pd.DataFrame | None,
    best: Mapping[str, Any] | None,
    figures: Mapping[str, bytes],
) -> str:
    """The study page: the best trial, the seed statistics (model beside baselines),
    every trial, the figures and the study's configuration."""
    metrics: dict[str, Any] = {}
    if best is not None:
        metrics["study"] = {k: v for k, v in best.items() if k != "overrides"}
        metrics["best_parameters"] = dict(best.get("overrides") or {})
    metrics["seed_statistics"] = seed_statistics.to_dict("records")
    if trials is not None:
        metrics["trials"] = trials.to_dict("records")
    title = f"{experiment}: {'study' if trials is not None else 'seeds'} report"
    return build_report(config.model_dump(mode="json"), metrics, title=title, **figures)
