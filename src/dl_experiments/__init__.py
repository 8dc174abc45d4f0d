"""dl_experiments: deep-learning experiments as reproducible Kedro pipelines.

Importing the package imports no TensorFlow; ``modelling.runtime.tensorflow()``
starts it, quietly, when a node first needs it.
"""

__version__ = "0.1.0"
