"""Fashion-MNIST: a CNN on 28x28 grayscale clothing images, 10 classes.

The whole experiment is the shared image-classification template
(``templates.images``) on the IDX files of ``catalog_fashion_mnist.yml``.
"""

from kedro.pipeline import Pipeline

from dl_experiments.templates import image_classification, image_predict


def create_pipeline(**kwargs) -> Pipeline:
    """Training and reporting, namespaced ``fashion_mnist``; nodes tagged by stage."""
    return image_classification("fashion_mnist")


def create_predict_pipeline(**kwargs) -> Pipeline:
    """``fashion_mnist_predict``: new images (PNG folder or IDX) classified."""
    return image_predict("fashion_mnist")
