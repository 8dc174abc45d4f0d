"""A new task kind is one module and one registration: nothing else in the
project names a kind, so a kind registered at run time trains, is scored by its
baselines, evaluated and answers new rows through the shipped code."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from dl_experiments import tasks
from dl_experiments.config import (
    ClassificationEvaluationConfig,
    FeatureConfig,
    MLPConfig,
    TablePredictConfig,
    TargetConfig,
    TrainingConfig,
    parse_params,
)
from dl_experiments.kedro_internals import experiment_model
from dl_experiments.modelling.baselines import fit_baselines
from dl_experiments.modelling.tabular import predict_tabular, train_tabular_model
from dl_experiments.preprocessing.tabular import fit_preprocessor, make_model_input
from dl_experiments.tasks import multiclass
from dl_experiments.templates import tabular as nodes
from tests.helpers import load_parameters, with_override

# What a new kind's module would define: here, three ordered grades as classes.
GRADES = dataclasses.replace(
    multiclass.KIND,
    name="grades_demo",
    baselines=lambda seed: {"majority": _majority()},
)


def _majority():
    from sklearn.dummy import DummyClassifier  # noqa: PLC0415

    return DummyClassifier(strategy="prior")


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(tasks.REGISTERED, GRADES.name, GRADES)  # the one line
    return GRADES


def test_a_registered_kind_is_a_valid_target_task(registered):
    params = with_override(
        load_parameters("base")["wildfire"],
        "target",
        {"column": "month", "task": "grades_demo"},
    )
    tree = parse_params(experiment_model("wildfire"), params, "wildfire")
    assert tree.kind is registered
    assert tree.class_names[:3] == ["jan", "feb", "mar"]  # from the schema


def test_an_unregistered_kind_is_refused():
    with pytest.raises(ValueError, match="'grades_demo' is not registered"):
        TargetConfig(column="grade", task="grades_demo")


def test_a_registered_kind_trains_scores_and_answers(registered):
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"x": rng.normal(size=120)})
    table["grade"] = np.where(
        table["x"] < -0.4, "low", np.where(table["x"] > 0.4, "high", "mid")
    )
    target = TargetConfig(
        column="grade", task="grades_demo", class_names=["low", "mid", "high"]
    )
    features = FeatureConfig(numeric=["x"])
    model_input = make_model_input(table, target, features)
    train, validation, test = (
        model_input.iloc[:80],
        model_input.iloc[80:100],
        model_input.iloc[100:],
    )
    preprocessor = fit_preprocessor(train, features)
    training = TrainingConfig(epochs=3, batch_size=16, verbose=0, log_every=0)
    model, history = train_tabular_model(
        train,
        validation,
        preprocessor,
        target,
        MLPConfig(hidden_units=[8]),
        training,
        0,
    )
    assert model.output_shape[-1] == 3 and history["monitor"] == "val_loss"
    predictions = predict_tabular(model, preprocessor, test, "grades_demo")
    assert [c for c in predictions.columns if c.startswith("proba_")] == [
        "proba_0",
        "proba_1",
        "proba_2",
    ]
    baselines = fit_baselines(train, validation, test, preprocessor, 0, target)
    assert list(baselines.columns) == [
        "majority.proba_0",
        "majority.proba_1",
        "majority.proba_2",
    ]
    metrics = nodes.evaluate_classifier(
        predictions, baselines, target, ClassificationEvaluationConfig()
    )
    assert metrics["task"] == "grades_demo"
    assert list(metrics["model"]["per_class"]) == ["low", "mid", "high"]
    rows = test.drop(columns="target").reset_index()
    rows["row"] = range(len(rows))
    scored = nodes.score_classification_rows(
        model,
        preprocessor,
        rows,
        {"model": "v1"},
        target,
        ClassificationEvaluationConfig(),
        TablePredictConfig(),
    )
    assert {"probability_low", "probability_mid", "probability_high"} <= set(
        scored.columns
    )
    assert set(scored["predicted_class"]) <= {"low", "mid", "high"}
