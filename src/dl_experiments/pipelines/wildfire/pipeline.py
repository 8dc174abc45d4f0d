"""Wildfire: a binary classifier (fire / no fire) on a sensor CSV.

The whole experiment is the shared tabular-classification template
(``templates.tabular``): the CSV described in ``parameters_wildfire.yml`` is
validated, the target derived, split, scaled, fed to an MLP with a sigmoid output
and judged beside baselines and a k-fold estimate (517 rows is small data).
"""

from kedro.pipeline import Pipeline

from dl_experiments.templates import tabular_classification, tabular_predict


def create_pipeline(**kwargs) -> Pipeline:
    """Training and reporting, namespaced ``wildfire``; nodes tagged by stage."""
    return tabular_classification(
        "wildfire", raw="sensor_readings", validated="validated_readings"
    )


def create_predict_pipeline(**kwargs) -> Pipeline:
    """``wildfire_predict``: new readings scored with the saved model."""
    return tabular_predict("wildfire", new_rows="new_readings")
