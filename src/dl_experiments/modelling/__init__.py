"""Keras models built from parameters, and one way to train them."""

from dl_experiments.modelling.builders import build_cnn, build_mlp
from dl_experiments.modelling.training import train_keras_model

__all__ = ["build_cnn", "build_mlp", "train_keras_model"]
