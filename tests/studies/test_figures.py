"""A study's figures when its trials leave nothing to compare."""

from __future__ import annotations

import optuna

from dl_experiments.studies.figures import study_figures


def study_with_values(values: list[float]) -> optuna.Study:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for value in values:
        trial = study.ask({"lr": optuna.distributions.FloatDistribution(1e-4, 1e-1)})
        study.tell(trial, value)
    return study


def test_trials_with_one_objective_value_get_a_note_not_an_error():
    """fANOVA has no variance to explain when every complete trial scored the
    same (1-epoch trials often do); the figure says so."""
    figures = study_figures(study_with_values([0.5, 0.5, 0.5]))
    texts = [text.get_text() for text in figures["param_importances"].texts]
    texts += [
        t.get_text() for ax in figures["param_importances"].axes for t in ax.texts
    ]
    assert any("same objective value" in text for text in texts), texts
    assert figures["parallel_coordinate"].axes  # still drawn


def test_trials_with_different_values_get_importances():
    figures = study_figures(study_with_values([0.5, 0.4, 0.7, 0.6]))
    texts = [t.get_text() for ax in figures["param_importances"].axes for t in ax.texts]
    assert not any("same objective value" in text for text in texts)
    axes = figures["param_importances"].axes[0]
    assert axes.get_xlabel() == "Hyperparameter Importance"
