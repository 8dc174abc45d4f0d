"""Housing: a regression MLP on the California Housing district table.

The whole experiment is the shared tabular-regression template
(``templates.tabular``): validation, rotated-coordinate features, split, scaling,
an MLP with a linear output, baselines (mean, linear, gradient boosting) and
error-analysis figures.
"""

from kedro.pipeline import Pipeline

from dl_experiments.templates import tabular_predict, tabular_regression


def create_pipeline(**kwargs) -> Pipeline:
    """Training and reporting, namespaced ``housing``; nodes tagged by stage."""
    return tabular_regression("housing", raw="districts")


def create_predict_pipeline(**kwargs) -> Pipeline:
    """``housing_predict``: new districts valued with the saved model."""
    return tabular_predict("housing", new_rows="new_districts", regression=True)
