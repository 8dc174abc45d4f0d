"""Fashion-MNIST: 10 classes of 28x28 clothing images (Keras CNN)."""

from dl_experiments.pipelines.fashion_mnist.pipeline import (
    create_pipeline,
    create_predict_pipeline,
)

__all__ = ["create_pipeline", "create_predict_pipeline"]
