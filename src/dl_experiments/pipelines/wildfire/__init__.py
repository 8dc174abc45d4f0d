"""Wildfire: fire / no fire from environmental sensor readings (Keras MLP)."""

from dl_experiments.pipelines.wildfire.params import WildfireParameters
from dl_experiments.pipelines.wildfire.pipeline import create_pipeline

# The schema the project's hook validates ``params:wildfire`` against.
PARAMETERS_SCHEMA = WildfireParameters

__all__ = ["PARAMETERS_SCHEMA", "create_pipeline"]
