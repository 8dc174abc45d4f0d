"""Pipelines the experiments share, written once and namespaced per experiment.

An experiment package picks a kind and names its data::

    tabular_classification("wildfire", raw="sensor_readings")
    tabular_regression("housing", raw="districts")
    image_classification("fashion_mnist")

and the matching ``tabular_predict`` / ``image_predict`` for scoring new data.
"""

from dl_experiments.templates.images import image_classification, image_predict
from dl_experiments.templates.reporting import with_report
from dl_experiments.templates.tabular import (
    tabular_classification,
    tabular_predict,
    tabular_regression,
)

__all__ = [
    "image_classification",
    "image_predict",
    "tabular_classification",
    "tabular_predict",
    "tabular_regression",
    "with_report",
]
