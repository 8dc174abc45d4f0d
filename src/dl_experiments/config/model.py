"""How a model is built and trained: MLP and CNN architectures, ``model.fit``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from dl_experiments.config.base import DropoutRate, PositiveInt, Strict

Activation = Literal["relu", "elu", "gelu", "selu", "tanh", "swish", "leaky_relu"]
OptimizerName = Literal["adam", "adamw", "nadam", "rmsprop", "sgd"]
StrategyName = Literal["default", "mirrored", "multi_worker_mirrored"]
ShiftPixels = Annotated[int, Field(ge=-4, le=4)]


class PeriodicEmbeddingConfig(Strict):
    """Periodic embeddings of each numerical feature (PLR, Gorishniy et al. 2022).

    Feature ``x`` becomes ``ReLU(W [sin(2 pi c x), cos(2 pi c x)] + b)``, with
    ``frequencies`` trainable ``c`` per feature drawn from N(0, ``sigma``) and a
    ``dim``-wide linear map per feature (``lite``: one map shared by all).
    """

    frequencies: PositiveInt = 16
    sigma: Annotated[float, Field(gt=0)] = 0.1
    dim: PositiveInt = 16
    lite: bool = False


class MLPConfig(Strict):
    """A multilayer perceptron: Dense -> BatchNormalization -> activation -> Dropout.

    ``embedding`` maps each input feature to a vector first; ``members`` > 1
    (regression) trains that many MLPs at once on the same batches (one loss each, sharing the
    embedding), and the saved model predicts their mean.
    """

    hidden_units: list[PositiveInt] = Field(min_length=1)
    activation: Activation = "relu"
    dropout: DropoutRate = 0.0
    batch_norm: bool = True
    l2: Annotated[float, Field(ge=0)] = 0.0
    embedding: PeriodicEmbeddingConfig | None = None
    members: Annotated[int, Field(ge=1, le=64)] = 1


class ConvBlockConfig(Strict):
    """One convolutional block: ``convs`` x (Conv2D -> BN -> activation), pool, dropout.

    ``stride`` applies to the block's first convolution: 2 halves the resolution
    there, at a quarter of the compute of a stride-1 convolution and its pooling.
    """

    filters: PositiveInt
    kernel_size: PositiveInt = 3
    stride: Annotated[int, Field(ge=1, le=4)] = 1
    convs: PositiveInt = 1
    batch_norm: bool = True
    pool: bool = True
    dropout: DropoutRate = 0.0


class AugmentationConfig(Strict):
    """Image augmentation of the training batches (``modelling.augmentation``)."""

    horizontal_flip: bool = False
    # Move each image by up to this many pixels along each axis, zero-filled.
    shift: Annotated[int, Field(ge=0, le=8)] = 0
    # Share of the images in which one square patch is zeroed (random erasing),
    # and the patch's side as a share of the image's.
    erasing: Annotated[float, Field(ge=0, le=1)] = 0.0
    erasing_size: Annotated[float, Field(gt=0, lt=1)] = 0.25


class CNNConfig(Strict):
    """A convolutional network for small images, grayscale or colour."""

    conv_blocks: list[ConvBlockConfig] = Field(min_length=1)
    # Momentum of the batch-normalisation moving statistics, which the saved model
    # uses in place of each batch's. ``auto``: Keras' 0.99 when an epoch has enough
    # steps for it (at least 400: the initial statistics keep under 2% of their
    # weight after one epoch), else ``1 - 4 / steps_per_epoch`` so that they do. With
    # 0.99 and a dozen steps per epoch (1,500 images in batches of 128) the moving
    # variance of the first block stays near its initial 1 while the batches' is
    # about 0.01, and the model collapses to one class at inference.
    batch_norm_momentum: Annotated[float, Field(gt=0, lt=1)] | Literal["auto"] = "auto"
    dense_units: list[PositiveInt] = Field(default_factory=list)
    activation: Activation = "relu"
    dropout: DropoutRate = 0.0
    global_pooling: bool = False
    augmentation: AugmentationConfig = AugmentationConfig()
    # Test-time augmentation: the saved model averages its class probabilities over
    # the image and its copies moved by each (rows, cols) here, zero-filled; training
    # is unchanged, and each shift adds one forward pass per image when scoring.
    test_time_shifts: list[tuple[ShiftPixels, ShiftPixels]] = Field(default_factory=list)

    @field_validator("test_time_shifts")
    @classmethod
    def _distinct_shifts(cls, shifts: list[tuple[int, int]]) -> list[tuple[int, int]]:
        if (0, 0) in shifts or len(set(shifts)) < len(shifts):
            raise ValueError(
                f"{[list(s) for s in shifts]}: expected distinct (rows, cols) shifts "
                "other than [0, 0] (the image itself always counts)"
            )
        return shifts

    def momentum(self, steps_per_epoch: int) -> float:
        """The batch-normalisation momentum for ``steps_per_epoch`` training steps."""
        if self.batch_norm_momentum != "auto":
            return self.batch_norm_momentum
        return min(0.99, 1 - 4 / max(steps_per_epoch, 5))

    def feature_map_sizes(self, image_shape: tuple[int, int]) -> list[tuple[int, int]]:
        """The (rows, cols) after each block: a stride ``s`` leaves ``ceil(n / s)``
        (``same`` padding), a 2x2 pooling ``floor(n / 2)``, as in Keras."""
        rows, cols = image_shape
        sizes = []
        for block in self.conv_blocks:
            rows, cols = -(-rows // block.stride), -(-cols // block.stride)
            if block.pool:
                rows, cols = rows // 2, cols // 2
            sizes.append((rows, cols))
        return sizes


class EarlyStoppingConfig(Strict):
    """Stop when ``monitor`` stops improving and restore the best weights."""

    enabled: bool = True
    monitor: str = "val_loss"
    patience: PositiveInt = 10
    min_delta: Annotated[float, Field(ge=0)] = 0.0
    restore_best_weights: bool = True


class LRScheduleConfig(Strict):
    """Learning-rate schedule: constant, reduce on plateau, or cosine decay."""

    type: Literal["constant", "reduce_on_plateau", "cosine"] = "constant"
    factor: Annotated[float, Field(gt=0, lt=1)] = 0.5
    patience: PositiveInt = 5
    min_learning_rate: Annotated[float, Field(ge=0)] = 1e-6
    warmup_fraction: Annotated[float, Field(ge=0, lt=1)] = 0.0


class TrainingConfig(Strict):
    """How ``model.fit`` is run; shared by every experiment."""

    optimizer: OptimizerName = "adam"
    learning_rate: Annotated[float, Field(gt=0, le=10)] = 1e-3
    weight_decay: Annotated[float, Field(ge=0)] = 0.0
    epochs: PositiveInt = 100
    batch_size: PositiveInt = 32
    early_stopping: EarlyStoppingConfig = EarlyStoppingConfig()
    lr_schedule: LRScheduleConfig = LRScheduleConfig()
    class_weight: Literal["balanced"] | None = None
    # Softened one-hot targets for a multiclass loss (0: the plain targets).
    label_smoothing: Annotated[float, Field(ge=0, lt=1)] = 0.0
    strategy: StrategyName = "default"
    mixed_precision: bool = False
    jit_compile: bool = False
    deterministic: bool = True
    verbose: Literal[0, 1, 2] = 2
    # Progress lines through the log every this many epochs (0: none, and Keras'
    # own output as ``verbose`` says); Keras prints nothing while they are on.
    log_every: Annotated[int, Field(ge=0)] = 1

    @model_validator(mode="after")
    def _xla_needs_nondeterminism(self) -> TrainingConfig:
        if self.jit_compile and self.deterministic:
            raise ValueError(
                "jit_compile: true needs deterministic: false (Keras runs no "
                "XLA-compiled step while TensorFlow's op determinism is on)"
            )
        return self
