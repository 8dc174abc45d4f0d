"""Optuna studies over an experiment's own training: storage, sampler, pruner,
objective, and the stop at ``n_trials`` in total (Optuna's ``MaxTrialsCallback``).

A study lives in its storage (``studies.storage``: a journal file under
``data/10_studies/`` by default, or an RDB URL such as ``postgresql://...``), so a
second invocation of the same command resumes it and several processes on one
storage share it: each trial is asked from the storage, which numbers it once. A
write to the storage that fails mid-study (a full disk) stops the run with
``StudyStorageError``; the trial under way is never counted as finished.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import optuna
import pandas as pd
from optuna.study import MaxTrialsCallback
from optuna.trial import TrialState

from dl_experiments.modelling.callbacks import extra_callbacks
from dl_experiments.studies.config import PrunerConfig, SamplerConfig, StudyConfig
from dl_experiments.studies.experiment import Experiment
from dl_experiments.studies.observers import current_observers
from dl_experiments.studies.space import (
    MISSING,
    decode,
    default_values,
    epoch_cap,
    get_path,
    merged,
    suggest,
    validate_experiment,
)
from dl_experiments.studies.storage import (
    make_storage,
    storage_errors,
    storage_label,
)

logger = logging.getLogger(__name__)

# The states that use up a study's budget: n_trials counts these, over every
# invocation and worker. A failed trial (an error, Ctrl-C) does not count.
COUNTED = (TrialState.COMPLETE, TrialState.PRUNED)
# What a worker counts before it starts another trial: those, and the trials that
# run now (in this or another worker), which will count.
BUDGET_STATES = (*COUNTED, TrialState.RUNNING)
WORKER_ATTR = "worker"
OVERRIDES_ATTR = "overrides"
# "defaults" on the trial that enqueue_defaults queued; sampled trials have none.
ORIGIN_ATTR = "origin"


def worker_name() -> str:
    """``hostname:pid`` of this process, recorded on each trial it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


class _PerTrialSeedSampler(optuna.samplers.BaseSampler):
    """The configured sampler, re-created for each trial with ``seed + number``.

    One seeded sampler per process would make two workers propose the same
    configurations; seeding by trial number keeps a single-worker study
    reproducible and parallel workers apart.
    """

    def __init__(self, make: Callable[[int | None], optuna.samplers.BaseSampler], seed: int | None):
        self._make = make
        self._seed = seed
        self._current = make(seed)

    def before_trial(self, study: optuna.Study, trial: Any) -> None:
        seed = None if self._seed is None else self._seed + trial.number
        self._current = self._make(seed)
        self._current.before_trial(study, trial)

    def infer_relative_search_space(self, study: optuna.Study, trial: Any) -> Any:
        return self._current.infer_relative_search_space(study, trial)

    def sample_relative(self, study: optuna.Study, trial: Any, search_space: Any) -> Any:
        return self._current.sample_relative(study, trial, search_space)

    def sample_independent(
        self, study: optuna.Study, trial: Any, param_name: str, param_distribution: Any
    ) -> Any:
        return self._current.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study: optuna.Study, trial: Any, state: Any, values: Any) -> None:
        self._current.after_trial(study, trial, state, values)


def make_sampler(config: SamplerConfig) -> optuna.samplers.BaseSampler:
    """TPE (seeded by default) or random search, seeded per trial."""
    if config.type == "random":
        return _PerTrialSeedSampler(lambda s: optuna.samplers.RandomSampler(seed=s), config.seed)
    return _PerTrialSeedSampler(
        lambda s: optuna.samplers.TPESampler(seed=s, n_startup_trials=config.n_startup_trials),
        config.seed,
    )


def make_pruner(config: PrunerConfig) -> optuna.pruners.BasePruner:
    """Median, Hyperband, threshold, or no pruning."""
    if config.type == "median":
        return optuna.pruners.MedianPruner(
            n_startup_trials=config.n_startup_trials, n_warmup_steps=config.n_warmup_steps
        )
    if config.type == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=config.min_resource, reduction_factor=config.reduction_factor
        )
    if config.type == "threshold":
        return optuna.pruners.ThresholdPruner(
            lower=config.lower, upper=config.upper, n_warmup_steps=config.n_warmup_steps
        )
    return optuna.pruners.NopPruner()


def pruning_callback(trial: optuna.Trial, metric: str) -> Any:
    """A Keras callback that reports ``metric`` to the trial after each epoch and
    stops the training with ``optuna.TrialPruned`` when the pruner says so.

    Not optuna-integration's ``KerasPruningCallback`` (5.0, which works with
    Keras 3): it reports epoch ``n`` as step ``n - 1`` where a study here counts
    epochs from 1 (``n_warmup_steps`` and ``min_resource`` are epochs, the
    intermediate-values figure and ``trials.csv``'s ``epochs`` read so), it warns
    and goes on without pruning when the metric is not logged, where this one
    stops with an error, and it does not count the epochs a trial ran.
    """
    import keras  # noqa: PLC0415 - TensorFlow only when a trial trains

    class PruningCallback(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.epochs = 0

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self.epochs = epoch + 1
            value = (logs or {}).get(metric)
            if value is None:
                raise KeyError(
                    f"objective.metric '{metric}' is not logged by the training; "
                    f"logged: {sorted(logs or {})}"
                )
            trial.report(float(value), step=epoch + 1)
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned after epoch {epoch + 1}")

    return PruningCallback()


def objective_value(history: Mapping[str, Any], metric: str, restored: bool) -> float:
    """The objective from a training history: ``metric`` of the model training
    returns, i.e. at the best epoch when early stopping restored its weights, else
    at the last epoch. Validation metrics only (``val_*``)."""
    curves = history["history"]
    if metric not in curves:
        raise KeyError(
            f"objective.metric '{metric}' is not in the training history; "
            f"validation metrics there: {sorted(k for k in curves if k.startswith('val_'))}"
        )
    index = history["best_epoch"] - 1 if restored else -1
    return float(curves[metric][index])


def restores_best_weights(params: Mapping[str, Any], experiment: Experiment) -> bool:
    """Whether the experiment's training keeps its best epoch (early stopping with
    restored weights: the defaults of ``TrainingConfig``)."""
    full = params
    if experiment.schema is not None:
        full = experiment.schema.model_validate(params).model_dump(by_alias=True)
    enabled = get_path(full, "training.early_stopping.enabled")
    restore = get_path(full, "training.early_stopping.restore_best_weights")
    return bool(enabled is MISSING or enabled) and bool(restore is MISSING or restore)


def trial_overrides(trial: optuna.trial.FrozenTrial) -> dict[str, Any]:
    """The parameter overrides a finished trial trained with (dotted keys)."""
    return json.loads(trial.user_attrs[OVERRIDES_ATTR])


class _BudgetReached(Exception):
    """Another worker started the study's last trial first."""


def _fail_stale_trials(study: optuna.Study) -> None:
    """Mark failed the RUNNING trials of dead processes on this machine (a worker
    killed without Ctrl-C), so that they neither count nor block the budget."""
    host = socket.gethostname()
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker = str(trial.user_attrs.get(WORKER_ATTR, ""))
        name, _, pid = worker.rpartition(":")
        if name != host or not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            study._storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL)
            logger.warning("Trial %d of a process that is gone marked failed", trial.number)
        except PermissionError:
            continue


def _enqueue_defaults(study: optuna.Study, values: dict[str, Any]) -> None:
    """Queue the default configuration's trial unless the study already holds one
    that finished, runs or waits (a failed one, cut short by Ctrl-C, is queued
    again)."""
    for trial in study.get_trials(deepcopy=False):
        if trial.state != TrialState.FAIL and trial.user_attrs.get(ORIGIN_ATTR) == "defaults":
            return
    study.enqueue_trial(values, user_attrs={ORIGIN_ATTR: "defaults"})


def _budget_used(study: optuna.Study, below: int | None = None) -> int:
    """Trials that count or will count against ``n_trials`` (``BUDGET_STATES``);
    with ``below``, of the running ones only those asked before trial ``below``."""
    trials = study.get_trials(deepcopy=False, states=BUDGET_STATES)
    return sum(
        1
        for t in trials
        if t.state in COUNTED or below is None or t.number < below
    )


def _trial(
    trial: optuna.Trial,
    study: optuna.Study,
    experiment: Experiment,
    config: StudyConfig,
    base: Mapping[str, Any],
    raw: Mapping[str, Any],
    training: Any,
    cap: Mapping[str, Any],
    worker: str,
) -> float:
    """One trial: sample, merge over the experiment's parameters, train the
    training slice with the pruning callback (and the observers' callbacks), and
    return the validation objective."""
    study_name, metric = study.study_name, config.objective.metric
    # Optuna's MaxTrialsCallback stops a worker once a trial of its own has
    # finished; two workers may still start the study's last trial at once. The
    # later-numbered one steps aside here, before it trains.
    if _budget_used(study, below=trial.number) >= config.n_trials:
        trial.set_user_attr("skipped", "the study's n_trials were already started")
        study.stop()
        raise _BudgetReached
    overrides = {
        path: suggest(trial, path, distribution)
        for path, distribution in config.search_space.items()
    } | cap
    trial.set_user_attr(WORKER_ATTR, worker)
    trial.set_user_attr(OVERRIDES_ATTR, json.dumps(overrides))
    trial_params = merged(base, overrides)
    validate_experiment(experiment.schema, trial_params, experiment.name)
    callback = pruning_callback(trial, metric)
    observers = current_observers()
    extra = [callback]
    for observer in observers:
        extra += observer.trial_started(study_name, trial.number, overrides)
    started, cpu_started = time.perf_counter(), time.process_time()
    state, value = "FAIL", None
    try:
        with extra_callbacks(extra):
            result = experiment.run(
                training, trial_params, raw, keep=["training_history"]
            )
        value = objective_value(
            result["training_history"],
            metric,
            restores_best_weights(trial_params, experiment),
        )
        state = "COMPLETE"
        return value
    except optuna.TrialPruned:
        state = "PRUNED"
        raise
    finally:
        trial.set_user_attr("epochs", callback.epochs)
        trial.set_user_attr("seconds", round(time.perf_counter() - started, 3))
        # CPU time of the whole process (TensorFlow's threads included): on a
        # shared machine, less disturbed by other programs than wall time.
        trial.set_user_attr("cpu_seconds", round(time.process_time() - cpu_started, 3))
        _clear_keras_session()
        for observer in observers:
            observer.trial_finished(trial.number, state, value, trial.user_attrs)


def run_study(
    experiment: Experiment,
    config: StudyConfig,
    params: Mapping[str, Any],
    raw: Mapping[str, Any],
    storage_folder: str,
) -> optuna.Study:
    """Run (or resume, or join) the experiment's study until it holds ``n_trials``
    complete or pruned trials, or ``timeout`` seconds of this invocation pass."""
    base = dict(params)
    study_name = config.resolved_name(experiment.name, base)
    study = optuna.create_study(
        study_name=study_name,
        storage=make_storage(config.storage, storage_folder, study_name),
        sampler=make_sampler(config.sampler),
        pruner=make_pruner(config.pruner),
        direction=config.objective.direction,
        load_if_exists=True,
    )
    study.set_user_attr("experiment", experiment.name)
    study.set_user_attr("objective", config.objective.metric)
    _fail_stale_trials(study)
    if config.enqueue_defaults:
        _enqueue_defaults(study, default_values(config, experiment.schema, base))
    training = experiment.training_slice()
    cap = epoch_cap(config, base)
    worker = worker_name()

    running: list[int] = []  # the number of the trial under way, for errors

    def objective(trial: optuna.Trial) -> float:
        running[:] = [trial.number]
        return _trial(
            trial, study, experiment, config, base, raw, training, cap, worker
        )

    logger.info(
        "Study '%s' (%s): %d of %d trials done",
        study_name,
        storage_label(config.storage, storage_folder, study_name),
        _budget_used(study),
        config.n_trials,
    )
    if _budget_used(study) >= config.n_trials:
        return study
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        label = storage_label(config.storage, storage_folder, study_name)
        with storage_errors(study_name, label, lambda: running[0] if running else None):
            study.optimize(
                objective,
                timeout=config.timeout,
                catch=(_BudgetReached,),
                callbacks=[MaxTrialsCallback(config.n_trials, states=BUDGET_STATES)],
            )
    if _budget_used(study) < config.n_trials:
        logger.info("Study '%s': timeout reached", study_name)
    return study


def _clear_keras_session() -> None:
    import keras  # noqa: PLC0415

    keras.backend.clear_session()


# trials.csv's columns from Optuna's ``Study.trials_dataframe``, in their order
# (the searched parameters and a note follow).
TRIAL_COLUMNS = {
    "number": "number",
    "state": "state",
    "value": "value",
    "epochs": "user_attrs_epochs",
    "seconds": "user_attrs_seconds",
    "cpu_seconds": "user_attrs_cpu_seconds",
    "worker": f"user_attrs_{WORKER_ATTR}",
    "origin": f"user_attrs_{ORIGIN_ATTR}",
    "started": "datetime_start",
}


def trials_table(study: optuna.Study, config: StudyConfig) -> pd.DataFrame:
    """One row per trial (Optuna's ``trials_dataframe``): number, state, value,
    epochs run, duration, worker, origin, start, each searched parameter (a list
    of layer widths as JSON text) and, for a trial that stepped aside, a note."""
    frame = study.trials_dataframe(
        attrs=("number", "state", "value", "datetime_start", "params", "user_attrs")
    )
    if frame.empty:
        return pd.DataFrame()
    table = pd.DataFrame(
        {name: frame.get(column) for name, column in TRIAL_COLUMNS.items()}
    )
    table["origin"] = table["origin"].fillna("sampled")
    table["started"] = [None if pd.isna(t) else t.isoformat() for t in table["started"]]
    for path in config.search_space:
        column = frame.get(f"params_{path}", pd.Series(None, index=frame.index))
        table[path] = [_cell(path, value, config) for value in column]
    if "user_attrs_skipped" in frame:
        table["note"] = frame["user_attrs_skipped"]
    return table


def _cell(path: str, value: Any, config: StudyConfig) -> Any:
    """A stored parameter value for the table: lists and dicts as JSON text."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    value = decode(path, value, config)
    return json.dumps(value) if isinstance(value, list | dict) else value


def best_trial(study: optuna.Study) -> optuna.trial.FrozenTrial | None:
    """The best complete trial, or None before any trial completed."""
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    return study.best_trial if complete else None
