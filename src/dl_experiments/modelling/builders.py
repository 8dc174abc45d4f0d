"""Small functions that build Keras models from validated parameter models."""

from __future__ import annotations

import math

from dl_experiments import tasks
from dl_experiments.config.base import Task
from dl_experiments.config.model import CNNConfig, MLPConfig, PeriodicEmbeddingConfig
from dl_experiments.modelling.runtime import tensorflow

tensorflow()  # before Keras, so that TensorFlow starts quietly
import keras  # noqa: E402
from keras import layers, ops  # noqa: E402


def _across_workers() -> bool:
    """Whether the model is built for a cluster of several workers.

    There, batch normalisation averages its batch statistics over every worker
    (``synchronized``), so all workers end with the same moving statistics and the
    chief's saved model is the cluster's; on one machine it stays the plain layer.
    """
    import tensorflow as tf  # noqa: PLC0415 - the builders run under TensorFlow

    strategy = tf.distribute.get_strategy()
    return (
        isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
        and strategy.num_replicas_in_sync > 1
    )


def output_layer(task: Task, n_classes: int) -> layers.Layer:
    """The head the task kind declares: 1 linear unit, 1 sigmoid unit, or
    ``n_classes`` softmax units (``tasks``).

    The head always computes in float32, so mixed precision never degrades the
    probabilities or the regression output.
    """
    kind = tasks.kind(task)
    return layers.Dense(
        kind.output_units(n_classes),
        activation=None if kind.activation == "linear" else kind.activation,
        name=kind.output_name,
        dtype="float32",
    )


def _activation(name: str, label: str) -> layers.Layer:
    if name == "leaky_relu":
        return layers.LeakyReLU(name=label)
    return layers.Activation(name, name=label)


def periodic_embedding(
    x: keras.KerasTensor, config: PeriodicEmbeddingConfig
) -> keras.KerasTensor:
    """``(batch, features)`` to ``(batch, features * dim)`` periodic embeddings.

    Built from Keras' own layers and ops only (``EinsumDense``, ``sin``, ``cos``),
    so a saved model loads in safe mode with no custom class.
    """
    n_features = x.shape[-1]
    k = config.frequencies
    frequencies = layers.EinsumDense(
        "bf,fk->bfk",
        output_shape=(n_features, k),
        kernel_initializer=keras.initializers.RandomNormal(stddev=config.sigma),
        name="embedding_frequencies",
    )(x)
    angles = ops.multiply(frequencies, 2 * math.pi)
    periodic = layers.Concatenate(axis=-1, name="embedding_periodic")(
        [ops.sin(angles), ops.cos(angles)]
    )
    if config.lite:
        linear = layers.Dense(config.dim, name="embedding_linear")(periodic)
    else:
        linear = layers.EinsumDense(
            "bfk,fkd->bfd",
            output_shape=(n_features, config.dim),
            bias_axes="fd",
            name="embedding_linear",
        )(periodic)
    embedded = layers.ReLU(name="embedding_relu")(linear)
    return layers.Flatten(name="embedding_flat")(embedded)


def _dense_stack(x: keras.KerasTensor, config: MLPConfig) -> keras.KerasTensor:
    regularizer = keras.regularizers.L2(config.l2) if config.l2 else None
    for index, units in enumerate(config.hidden_units, start=1):
        x = layers.Dense(
            units,
            use_bias=not config.batch_norm,
            kernel_regularizer=regularizer,
            name=f"dense_{index}",
        )(x)
        if config.batch_norm:
            x = layers.BatchNormalization(
                name=f"batch_norm_{index}", synchronized=_across_workers()
            )(x)
        x = _activation(config.activation, f"{config.activation}_{index}")(x)
        if config.dropout:
            x = layers.Dropout(config.dropout, name=f"dropout_{index}")(x)
    return x


def _member_stacks(x: keras.KerasTensor, config: MLPConfig) -> keras.KerasTensor:
    """``members`` independent MLPs on ``x``, computed together: ``(batch, members)``.

    Each weight carries a member axis (``EinsumDense``), batch normalisation keeps
    statistics per member and unit, and each member has its own head, so the
    members share nothing but their input and their batches.
    """
    regularizer = keras.regularizers.L2(config.l2) if config.l2 else None
    k = config.members
    width = x.shape[-1]
    equation = "bf,kfh->bkh"
    for index, units in enumerate(config.hidden_units, start=1):
        x = layers.EinsumDense(
            equation,
            output_shape=(k, units),
            bias_axes=None if config.batch_norm else "kh",
            kernel_regularizer=regularizer,
            kernel_initializer=_member_glorot(k),
            name=f"dense_{index}",
        )(x)
        if config.batch_norm:  # statistics per member and unit
            x = layers.Reshape((k * units,), name=f"flat_{index}")(x)
            x = layers.BatchNormalization(
                name=f"batch_norm_{index}", synchronized=_across_workers()
            )(x)
            x = layers.Reshape((k, units), name=f"members_{index}")(x)
        x = _activation(config.activation, f"{config.activation}_{index}")(x)
        if config.dropout:
            x = layers.Dropout(config.dropout, name=f"dropout_{index}")(x)
        equation, width = "bkf,kfh->bkh", units
    outputs = layers.EinsumDense(
        "bkf,kf->bk",
        output_shape=(k,),
        bias_axes="k",
        kernel_initializer=_member_glorot((k + width) / (width + 1)),
        dtype="float32",
        name="members",
    )(x)
    return outputs


def _member_glorot(scale: float) -> keras.initializers.Initializer:
    """Glorot-uniform per member: ``scale`` undoes the member axis in Keras' fans.

    Keras counts a ``(members, in, out)`` kernel's fans as ``members * in`` and
    ``members * out`` (``scale = members``), and a ``(members, in)`` head's as
    ``members`` and ``in`` (``scale = (members + in) / (in + 1)``).
    """
    return keras.initializers.VarianceScaling(
        scale=scale, mode="fan_avg", distribution="uniform"
    )


def build_mlp(
    n_features: int, config: MLPConfig, task: Task, n_classes: int = 2
) -> keras.Model:
    """Dense -> BatchNormalization -> activation -> Dropout blocks, then the task head.

    With ``config.embedding`` the features are embedded first. With
    ``config.members`` > 1 the model outputs one column per member (each trained
    on its own loss); ``ensemble_mean`` turns it into the model that is saved.
    """
    if config.members > 1 and tasks.kind(task).has_classes:
        raise ValueError(
            f"model.members = {config.members}: several members are trained for "
            f"regression only, not for a {task} task; expected members: 1"
        )
    inputs = keras.Input(shape=(n_features,), name="features")
    x = periodic_embedding(inputs, config.embedding) if config.embedding else inputs
    if config.members > 1:
        return keras.Model(inputs, _member_stacks(x, config), name="mlp_members")
    # The hidden layers first, then the head: layers draw their initial weights
    # from the seeded generator in the order they are made.
    hidden = _dense_stack(x, config)
    outputs = output_layer(task, n_classes)(hidden)
    return keras.Model(inputs, outputs, name="mlp")


def ensemble_mean(members: keras.Model) -> keras.Model:
    """The model that predicts the mean of a members model's columns, ``(batch, 1)``."""
    mean = ops.mean(members.output, axis=-1, keepdims=True)
    return keras.Model(members.inputs, mean, name="mlp_ensemble")


def in_target_units(model: keras.Model, std: float, mean: float) -> keras.Model:
    """``model`` whose standardised output is turned back into the target's units
    (``output * std + mean``) by a Keras ``Rescaling`` layer, so the saved model
    predicts values and loads in safe mode."""
    rescale = layers.Rescaling(scale=std, offset=mean, name="target_units", dtype="float32")
    return keras.Model(model.inputs, rescale(model.output), name=f"{model.name}_scaled")


def build_cnn(
    image_shape: tuple[int, int],
    n_classes: int,
    config: CNNConfig,
    channels: int = 1,
    momentum: float = 0.99,
) -> keras.Model:
    """A CNN that takes raw uint8 images ``(rows, cols, channels)``: the rescaling
    lives in the model.

    Keeping ``Rescaling`` inside the model means the saved ``.keras`` file scores
    raw images exactly as it was evaluated; augmentation happens on the training
    batches (``modelling.augmentation``) and is no part of the model. ``momentum``
    is the batch normalisation's (``CNNConfig.momentum``).
    """
    inputs = keras.Input(shape=(*image_shape, channels), name="image")
    x = layers.Rescaling(1.0 / 255, name="rescale_0_1")(inputs)
    for block_index, block in enumerate(config.conv_blocks, start=1):
        for conv_index in range(1, block.convs + 1):
            label = f"block{block_index}_conv{conv_index}"
            x = layers.Conv2D(
                block.filters,
                block.kernel_size,
                strides=block.stride if conv_index == 1 else 1,
                padding="same",
                use_bias=not block.batch_norm,
                name=label,
            )(x)
            if block.batch_norm:
                x = layers.BatchNormalization(
                    momentum=momentum, name=f"{label}_bn", synchronized=_across_workers()
                )(x)
            x = _activation(config.activation, f"{label}_{config.activation}")(x)
        if block.pool:
            x = layers.MaxPooling2D(name=f"block{block_index}_pool")(x)
        if block.dropout:
            x = layers.Dropout(block.dropout, name=f"block{block_index}_dropout")(x)
    if config.global_pooling:
        x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    else:
        x = layers.Flatten(name="flatten")(x)
    for index, units in enumerate(config.dense_units, start=1):
        x = layers.Dense(units, name=f"dense_{index}")(x)
        x = _activation(config.activation, f"dense_{index}_{config.activation}")(x)
        if config.dropout:
            x = layers.Dropout(config.dropout, name=f"dense_{index}_dropout")(x)
    outputs = output_layer("multiclass", n_classes)(x)
    return keras.Model(inputs, outputs, name="cnn")


def _moved(images: keras.KerasTensor, rows: int, cols: int, label: str) -> keras.KerasTensor:
    """``images`` moved ``rows`` down and ``cols`` right (negative: up, left), zero-filled."""
    padded = layers.ZeroPadding2D(
        ((max(rows, 0), max(-rows, 0)), (max(cols, 0), max(-cols, 0))), name=f"{label}_pad"
    )(images)
    return layers.Cropping2D(
        ((max(-rows, 0), max(rows, 0)), (max(-cols, 0), max(cols, 0))), name=f"{label}_crop"
    )(padded)


def with_test_time_shifts(model: keras.Model, shifts: list[tuple[int, int]]) -> keras.Model:
    """``model`` scoring the mean of its outputs on the image and its shifted copies.

    Built from Keras' own padding, cropping and averaging layers around the trained
    network (shared, not copied), so the saved file loads in safe mode; with no
    shifts the model is returned as it is.
    """
    if not shifts:
        return model
    inputs = keras.Input(shape=model.input_shape[1:], name="image")
    views = [model(inputs)]
    for index, (rows, cols) in enumerate(shifts, start=1):
        views.append(model(_moved(inputs, rows, cols, f"shift{index}")))
    mean = layers.Average(name="test_time_mean")(views)
    return keras.Model(inputs, mean, name=f"{model.name}_test_time_shifts")
