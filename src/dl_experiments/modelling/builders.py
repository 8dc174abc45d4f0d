"""Small functions that build Keras models from validated parameter models."""

from __future__ import annotations

from dl_experiments.config.base import Task
from dl_experiments.config.model import CNNConfig, MLPConfig
from dl_experiments.modelling.runtime import tensorflow

tensorflow()  # before Keras, so that TensorFlow starts quietly
import keras  # noqa: E402
from keras import layers  # noqa: E402


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
    """The head for a task: 1 linear unit, 1 sigmoid unit, or ``n_classes`` softmax.

    The head always computes in float32, so mixed precision never degrades the
    probabilities or the regression output.
    """
    if task == "regression":
        return layers.Dense(1, name="prediction", dtype="float32")
    if task == "binary":
        return layers.Dense(1, activation="sigmoid", name="probability", dtype="float32")
    return layers.Dense(
        n_classes, activation="softmax", name="probabilities", dtype="float32"
    )


def _activation(name: str, label: str) -> layers.Layer:
    if name == "leaky_relu":
        return layers.LeakyReLU(name=label)
    return layers.Activation(name, name=label)


def build_mlp(
    n_features: int, config: MLPConfig, task: Task, n_classes: int = 2
) -> keras.Model:
    """Dense -> BatchNormalization -> activation -> Dropout blocks, then the task head."""
    regularizer = keras.regularizers.L2(config.l2) if config.l2 else None
    inputs = keras.Input(shape=(n_features,), name="features")
    x = inputs
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
    outputs = output_layer(task, n_classes)(x)
    return keras.Model(inputs, outputs, name="mlp")


def build_cnn(
    image_shape: tuple[int, int], n_classes: int, config: CNNConfig
) -> keras.Model:
    """A CNN that takes raw uint8 images: rescaling and augmentation live in the model.

    Keeping ``Rescaling`` inside the model means the saved ``.keras`` file scores
    raw images exactly as it was evaluated; augmentation layers are inactive
    outside ``fit``.
    """
    inputs = keras.Input(shape=(*image_shape, 1), name="image")
    x = layers.Rescaling(1.0 / 255, name="rescale_0_1")(inputs)
    augmentation = config.augmentation
    if augmentation.horizontal_flip:
        x = layers.RandomFlip("horizontal", name="augment_flip")(x)
    if augmentation.translate:
        x = layers.RandomTranslation(
            augmentation.translate,
            augmentation.translate,
            fill_mode="constant",
            name="augment_translate",
        )(x)
    for block_index, block in enumerate(config.conv_blocks, start=1):
        for conv_index in range(1, block.convs + 1):
            label = f"block{block_index}_conv{conv_index}"
            x = layers.Conv2D(
                block.filters,
                block.kernel_size,
                padding="same",
                use_bias=not block.batch_norm,
                name=label,
            )(x)
            if block.batch_norm:
                x = layers.BatchNormalization(
                    name=f"{label}_bn", synchronized=_across_workers()
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
