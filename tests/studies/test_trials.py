"""The trials table a study writes (``trials.csv``), from Optuna's own data frame."""

from __future__ import annotations

import json

import optuna
import pandas as pd
from optuna.trial import TrialState

from dl_experiments.studies.config import StudyConfig
from dl_experiments.studies.space import suggest
from dl_experiments.studies.study import ORIGIN_ATTR, WORKER_ATTR, trials_table

SPACE = {
    "training.learning_rate": {"type": "float", "low": 1e-4, "high": 1e-2, "log": True},
    "training.batch_size": {"type": "categorical", "choices": [16, 32]},
    # Lists are kept by Optuna as JSON text; the plain 32 among them too.
    "model.hidden_units": {"type": "categorical", "choices": [[16], 32, [64, 32]]},
}


def test_one_row_per_trial_with_its_parameters_and_attributes():
    config = StudyConfig.model_validate({"search_space": SPACE})
    study = optuna.create_study(
        storage=optuna.storages.InMemoryStorage(),
        sampler=optuna.samplers.RandomSampler(seed=3),
    )
    assert trials_table(study, config).empty
    study.enqueue_trial({"model.hidden_units": "32"}, user_attrs={ORIGIN_ATTR: "defaults"})
    ends = [1.5, TrialState.PRUNED, "skipped", None]  # None: still running
    for number, end in enumerate(ends):
        trial = study.ask()
        for path, distribution in config.search_space.items():
            suggest(trial, path, distribution)
        trial.set_user_attr(WORKER_ATTR, "host:7")
        trial.set_user_attr("epochs", number + 1)
        trial.set_user_attr("seconds", 2.5)
        trial.set_user_attr("cpu_seconds", 4.0)
        if end == "skipped":
            trial.set_user_attr("skipped", "the study's n_trials were already started")
            study.tell(trial, state=TrialState.FAIL)
        elif end is TrialState.PRUNED:
            trial.report(0.7, step=1)
            study.tell(trial, state=TrialState.PRUNED)
        elif end is not None:
            study.tell(trial, end)

    table = trials_table(study, config)
    assert list(table.columns) == [
        "number", "state", "value", "epochs", "seconds", "cpu_seconds", "worker",
        "origin", "started", *SPACE, "note",
    ]
    trials = study.get_trials()
    assert list(table["number"]) == [0, 1, 2, 3]
    assert list(table["state"]) == ["COMPLETE", "PRUNED", "FAIL", "RUNNING"]
    assert table["value"].iloc[0] == 1.5
    assert table["value"].iloc[1] == 0.7  # a pruned trial keeps its last report
    assert list(table["epochs"]) == [1, 2, 3, 4]
    assert list(table["origin"]) == ["defaults", "sampled", "sampled", "sampled"]
    assert set(table["worker"]) == {"host:7"}
    assert list(table["started"]) == [t.datetime_start.isoformat() for t in trials]
    assert pd.isna(table["note"].iloc[0])
    assert table["note"].iloc[2] == "the study's n_trials were already started"
    for row, trial in zip(table.itertuples(index=False), trials, strict=True):
        cells = dict(zip(table.columns, row, strict=True))
        assert cells["training.learning_rate"] == trial.params["training.learning_rate"]
        assert cells["training.batch_size"] == trial.params["training.batch_size"]
        units = json.loads(trial.params["model.hidden_units"])
        # A list as JSON text, a number as itself.
        assert cells["model.hidden_units"] == (
            json.dumps(units) if isinstance(units, list) else units
        )
    assert table["model.hidden_units"].iloc[0] == 32
