"""Train any Keras model the same way: seeds, tf.data, callbacks, strategy, history."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from dl_experiments import tasks
from dl_experiments.config.base import Task
from dl_experiments.config.model import TrainingConfig
from dl_experiments.modelling.augmentation import Augment
from dl_experiments.modelling.callbacks import current_callbacks
from dl_experiments.modelling.cost import multiply_adds
from dl_experiments.modelling.progress import keras_verbosity, progress_callbacks
from dl_experiments.modelling.runtime import tensorflow

tf = tensorflow()  # before Keras, so that TensorFlow starts quietly
import keras  # noqa: E402

logger = logging.getLogger(__name__)


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and TensorFlow; deterministic TF ops on or off.

    Op determinism is process-wide, so it is switched off again when not asked for
    (an earlier run in the same process may have switched it on); Keras runs no
    XLA-compiled step while it is on.
    """
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    else:
        from tensorflow.python.framework import config  # noqa: PLC0415 - no public API

        config.disable_op_determinism()


def make_strategy(name: str) -> tf.distribute.Strategy:
    """The ``tf.distribute`` strategy named in the training parameters.

    ``mirrored`` replicates over every visible GPU (or the CPU's logical devices);
    ``multi_worker_mirrored`` reads the cluster from the ``TF_CONFIG`` variable.
    """
    if name == "mirrored":
        if tf.config.list_logical_devices("GPU"):
            return tf.distribute.MirroredStrategy()
        # Without GPUs MirroredStrategy would take only the first CPU; name them all.
        cpus = [device.name for device in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices=cpus)
    if name == "multi_worker_mirrored":
        return _reduce_structures_per_tensor(
            tf.distribute.MultiWorkerMirroredStrategy()
        )
    return tf.distribute.get_strategy()


def _reduce_structures_per_tensor(
    strategy: tf.distribute.Strategy,
) -> tf.distribute.Strategy:
    """Work around Keras 3's calls of ``strategy.reduce`` on a cluster of several workers.

    Keras 3.12 ``fit`` fails under ``MultiWorkerMirroredStrategy`` with more than
    one worker (keras-team/keras#20585): it reduces the first (x, y) batch as one
    structure ("Attempt to convert a value (PerReplica ...)"), and each step's
    scalar metrics with ``axis=0`` ("Invalid reduction dimension 0"). Reducing each
    tensor on its own, over the replicas only for a scalar, is what both calls
    mean; every worker makes the same collective calls in the same order.
    """
    reduce = strategy.reduce

    def reduce_one(reduce_op: Any, item: Any, axis: Any) -> Any:
        local = strategy.experimental_local_results(item)[0]
        if axis is not None and getattr(local, "shape", None) is not None:
            axis = None if local.shape.rank == 0 else axis
        return reduce(reduce_op, item, axis)

    def reduce_each(reduce_op: Any, value: Any, axis: Any = None) -> Any:
        return tf.nest.map_structure(
            lambda item: reduce_one(reduce_op, item, axis), value
        )

    strategy.reduce = reduce_each
    return strategy


def make_optimizer(config: TrainingConfig, steps_per_epoch: int) -> keras.Optimizer:
    """Optimizer with the configured learning rate (constant or a cosine schedule)."""
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule
    learning_rate = config.learning_rate
    schedule = config.lr_schedule
    if schedule.type == "cosine":
        total = max(1, config.epochs * steps_per_epoch)
        warmup = int(total * schedule.warmup_fraction)
        initial = schedule.min_learning_rate if warmup else config.learning_rate
        learning_rate = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=initial,
            decay_steps=max(1, total - warmup),
            alpha=schedule.min_learning_rate / config.learning_rate,
            warmup_target=config.learning_rate if warmup else None,
            warmup_steps=warmup,
        )
    optimizers: dict[str, Callable[..., keras.Optimizer]] = {
        "adam": keras.optimizers.Adam,
        "adamw": keras.optimizers.AdamW,
        "nadam": keras.optimizers.Nadam,
        "rmsprop": keras.optimizers.RMSprop,
        "sgd": lambda **kw: keras.optimizers.SGD(momentum=0.9, nesterov=True, **kw),
    }
    kwargs: dict[str, Any] = {"learning_rate": learning_rate}
    if config.weight_decay:
        kwargs["weight_decay"] = config.weight_decay

    return optimizers[config.optimizer](**kwargs)


def make_dataset(  # noqa: PLR0913 - the pipeline's knobs
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    shuffle: bool,
    seed: int,
    augment: Augment | None = None,
    one_hot: int = 0,
) -> tf.data.Dataset:
    """An in-memory tf.data pipeline: cached, seeded shuffle, batched, prefetched.

    ``augment`` transforms each batch (training only); ``one_hot`` > 0 turns the
    integer labels into one-hot rows of that many classes (for label smoothing).
    """
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).cache()
    if shuffle:
        dataset = dataset.shuffle(
            min(len(x), 10_000), seed=seed, reshuffle_each_iteration=True
        )
    dataset = dataset.batch(batch_size)
    if augment is not None:
        dataset = dataset.map(augment)  # sequential: the same seed, the same batches
    if one_hot:
        dataset = dataset.map(
            lambda images, labels: (images, tf.one_hot(labels, one_hot))
        )
    return dataset.prefetch(tf.data.AUTOTUNE)


def predict_in_batches(
    model: keras.Model, x: np.ndarray, batch_size: int
) -> np.ndarray:
    """``model.predict`` over a plain batched tf.data pipeline.

    Given NumPy arrays, Keras slices them with a parallel ``map`` that TensorFlow
    2.21 rewrites into an op lacking one of its attributes, and the C++ runtime
    logs a spurious ``node_def_util.cc ... use_unbounded_threadpool`` error on
    every call; a batched ``from_tensor_slices`` pipeline has no such map.
    """
    if len(x) == 0:  # Keras' own message for empty input
        return model.predict(x, batch_size=batch_size, verbose=0)
    batches = tf.data.Dataset.from_tensor_slices(x).batch(batch_size)
    return model.predict(batches, verbose=0)


class _EpochTimer(keras.callbacks.Callback):
    """Records the wall time of each epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(time.perf_counter() - self._start)


def _callbacks(config: TrainingConfig) -> list[keras.callbacks.Callback]:
    callbacks: list[keras.callbacks.Callback] = []
    stopping = config.early_stopping
    # The monitored metric's direction from the task-kind contract, not Keras'
    # guess from its name.
    mode = "max" if tasks.direction(stopping.monitor) == "higher" else "min"
    if stopping.enabled:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=stopping.monitor,
                patience=stopping.patience,
                min_delta=stopping.min_delta,
                restore_best_weights=stopping.restore_best_weights,
                mode=mode,
            )
        )
    schedule = config.lr_schedule
    if schedule.type == "reduce_on_plateau":
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=stopping.monitor,
                factor=schedule.factor,
                patience=schedule.patience,
                min_lr=schedule.min_learning_rate,
                mode=mode,
            )
        )
    return callbacks


def train_keras_model(
    build: Callable[[], keras.Model],
    task: Task,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    config: TrainingConfig,
    seed: int,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    class_weight: dict[int, float] | None = None,
    augment: Augment | None = None,
) -> tuple[keras.Model, dict[str, Any]]:
    """Build, compile and fit a model; return it with its history as plain data.

    The model is built inside the configured ``tf.distribute`` strategy's scope,
    after every random seed is set, so the same seed and data give the same
    weights on a CPU. ``callbacks`` are extra Keras callbacks (the experiment
    tracker's, for example) added to early stopping and the LR schedule, after
    those of any enclosing ``modelling.callbacks.extra_callbacks`` block;
    ``augment`` transforms the training batches (``modelling.augmentation``).

    Returns:
        The trained model and a JSON-ready history: per-epoch metrics, the best
        epoch, wall and CPU time, training throughput, and the model's size and
        multiply-adds per sample.
    """
    seed_everything(seed, config.deterministic)
    if config.mixed_precision and not tf.config.list_physical_devices("GPU"):
        logger.warning(
            "mixed_precision is on without a GPU: float16 on a CPU is slower than "
            "float32, set training.mixed_precision: false on this machine"
        )
    keras.mixed_precision.set_global_policy(
        "mixed_float16" if config.mixed_precision else "float32"
    )
    try:
        return _fit(
            build,
            tasks.kind(task),
            train,
            validation,
            config,
            seed,
            callbacks,
            class_weight,
            augment,
        )
    finally:  # an exception must not leave float16 on for the next training
        keras.mixed_precision.set_global_policy("float32")


def _fit(  # noqa: PLR0913 - train_keras_model's arguments
    build: Callable[[], keras.Model],
    kind: tasks.TaskKind,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    config: TrainingConfig,
    seed: int,
    callbacks: Sequence[keras.callbacks.Callback],
    class_weight: dict[int, float] | None,
    augment: Augment | None,
) -> tuple[keras.Model, dict[str, Any]]:
    x_train, y_train = train
    steps_per_epoch = math.ceil(len(x_train) / config.batch_size)
    strategy = make_strategy(config.strategy)
    smoothing = config.label_smoothing if kind.activation == "softmax" else 0.0
    with strategy.scope():
        model = build()
        n_classes = int(model.output_shape[-1]) if smoothing else 0
        model.compile(
            optimizer=make_optimizer(config, steps_per_epoch),
            loss=(
                keras.losses.CategoricalCrossentropy(label_smoothing=smoothing)
                if smoothing
                else kind.loss
            ),
            metrics=kind.keras_metrics(),
            jit_compile=config.jit_compile,
        )
    timer = _EpochTimer()
    started, cpu_started = time.perf_counter(), time.process_time()
    fitted = model.fit(
        make_dataset(
            x_train, y_train, config.batch_size, True, seed, augment, n_classes
        ),
        validation_data=make_dataset(
            *validation, config.batch_size, False, seed, one_hot=n_classes
        ),
        epochs=config.epochs,
        shuffle=False,  # the tf.data pipeline shuffles, seeded
        class_weight=class_weight,
        callbacks=[
            *_callbacks(config),
            timer,
            *progress_callbacks(config),
            *current_callbacks(),
            *callbacks,
        ],
        verbose=keras_verbosity(config),
    )
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    history = {
        key: [float(v) for v in values] for key, values in fitted.history.items()
    }
    monitor = config.early_stopping.monitor
    best = kind.best_epoch(history, monitor)
    epochs_run = len(history["loss"])
    return model, {
        "history": history,
        "epochs_run": epochs_run,
        "best_epoch": best + 1,
        "monitor": monitor,
        "training_seconds": round(seconds, 3),
        # CPU time of the whole process (all threads) during fit: on a shared
        # machine, wall time also counts the time other programs held the cores.
        "training_cpu_seconds": round(cpu_seconds, 3),
        "seconds_per_epoch": [round(s, 3) for s in timer.seconds],
        "samples_per_second": round(len(x_train) * epochs_run / seconds, 1),
        "train_samples": len(x_train),
        # Arithmetic per sample of the model's convolution and dense layers.
        "multiply_adds_per_sample": multiply_adds(model),
        "parameters": int(model.count_params()),
        "validation_samples": len(validation[0]),
        "strategy": config.strategy,
        "replicas": strategy.num_replicas_in_sync,
        "devices": [device.name for device in tf.config.list_logical_devices()],
    }
