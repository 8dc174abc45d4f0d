"""What a Keras model costs per sample, counted from its layers."""

from __future__ import annotations

import math
from typing import Any

from dl_experiments.modelling.runtime import tensorflow

tensorflow()  # before Keras, so that TensorFlow starts quietly
import keras  # noqa: E402
from keras import layers  # noqa: E402


def _size(shape: Any) -> int:
    return math.prod(int(d) for d in shape[1:] if d is not None)


def _einsum_multiply_adds(layer: layers.EinsumDense) -> int:
    """Output elements times the size of every index the equation sums over."""
    inputs, output = layer.equation.split("->")
    data, kernel = inputs.split(",")
    summed = (set(data) & set(kernel)) - set(output)
    sizes = dict(zip(kernel, layer.kernel.shape, strict=True))
    return _size(layer.output.shape) * math.prod(sizes[index] for index in summed)


def layer_multiply_adds(layer: layers.Layer) -> int:  # noqa: PLR0911 - one per kind
    """Multiply-adds of one sample through ``layer`` (0 for elementwise layers)."""
    if isinstance(layer, keras.Model):
        return multiply_adds(layer)
    if isinstance(layer, layers.SeparableConv2D):
        kh, kw, c_in, depth = layer.depthwise_kernel.shape
        positions = _size(layer.output.shape) // layer.filters
        return positions * (kh * kw * c_in * depth + c_in * depth * layer.filters)
    if isinstance(layer, layers.DepthwiseConv2D):
        kh, kw, _, _ = layer.kernel.shape
        return _size(layer.output.shape) * kh * kw
    if isinstance(layer, layers.Conv2D):
        kh, kw, c_in_per_group, _ = layer.kernel.shape
        return _size(layer.output.shape) * kh * kw * c_in_per_group
    if isinstance(layer, layers.EinsumDense):
        return _einsum_multiply_adds(layer)
    if isinstance(layer, layers.Dense):
        return _size(layer.output.shape) * int(layer.kernel.shape[0])
    return 0


def multiply_adds(model: keras.Model) -> int:
    """Multiply-adds per sample of a model's convolution and dense layers.

    Normalisation, activations, pooling and the periodic embeddings' sine and
    cosine are elementwise and left out: the count is the arithmetic the weights
    take part in, the usual "MACs" of model tables.
    """
    return sum(layer_multiply_adds(layer) for layer in model.layers)
