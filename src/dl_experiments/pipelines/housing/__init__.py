"""Housing: median house value of California districts (Keras MLP regression)."""

from dl_experiments.pipelines.housing.params import HousingParameters
from dl_experiments.pipelines.housing.pipeline import create_pipeline

# The schema the project's hook validates ``params:housing`` against.
PARAMETERS_SCHEMA = HousingParameters

__all__ = ["PARAMETERS_SCHEMA", "create_pipeline"]
