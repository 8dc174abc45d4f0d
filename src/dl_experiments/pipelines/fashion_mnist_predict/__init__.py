"""Fashion-MNIST predict: classify new images with the saved CNN (no training)."""

from dl_experiments.pipelines.fashion_mnist_predict.pipeline import create_pipeline

__all__ = ["create_pipeline"]
