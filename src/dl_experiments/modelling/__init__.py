"""Keras models built from parameters, and one way to train them.

Importing this package does not start TensorFlow: the node functions import it
when they run (``modelling.runtime.tensorflow``), so listing pipelines, kedro-viz
and notebooks that only read the catalog start quickly.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from keras import Model as KerasModel
else:
    # Node signatures name it; Kedro reads those annotations to validate parameters,
    # which must not import TensorFlow.
    KerasModel = Any

__all__ = ["KerasModel"]
