"""Fashion-MNIST: 10 classes of 28x28 clothing images (Keras CNN)."""

from dl_experiments.pipelines.fashion_mnist.params import FashionMNISTParameters
from dl_experiments.pipelines.fashion_mnist.pipeline import create_pipeline

# The schema the project's hook validates ``params:fashion_mnist`` against.
PARAMETERS_SCHEMA = FashionMNISTParameters

__all__ = ["PARAMETERS_SCHEMA", "create_pipeline"]
