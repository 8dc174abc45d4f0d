"""Keras models built from parameters, and one way to train them.

Importing this package does not start TensorFlow: the node functions import it
when they run (``modelling.runtime.tensorflow``), so listing pipelines, kedro-viz
and notebooks that only read the catalog start quickly.
"""

from dl_experiments.annotations import KerasModel

__all__ = ["KerasModel"]
