"""How a model is built and trained: MLP and CNN architectures, ``model.fit``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from dl_experiments.config.base import DropoutRate, PositiveInt, Strict

Activation = Literal["relu", "elu", "gelu", "selu", "tanh", "swish", "leaky_relu"]
OptimizerName = Literal["adam", "adamw", "nadam", "rmsprop", "sgd"]
StrategyName = Literal["default", "mirrored", "multi_worker_mirrored"]


class MLPConfig(Strict):
    """A multilayer perceptron: Dense -> BatchNormalization -> activation -> Dropout."""

    hidden_units: list[PositiveInt] = Field(min_length=1)
    activation: Activation = "relu"
    dropout: DropoutRate = 0.0
    batch_norm: bool = True
    l2: Annotated[float, Field(ge=0)] = 0.0


class ConvBlockConfig(Strict):
    """One convolutional block: ``convs`` x (Conv2D -> BN -> activation), pool, dropout."""

    filters: PositiveInt
    kernel_size: PositiveInt = 3
    convs: PositiveInt = 1
    batch_norm: bool = True
    pool: bool = True
    dropout: DropoutRate = 0.0


class AugmentationConfig(Strict):
    """Light image augmentation applied during training only."""

    horizontal_flip: bool = False
    translate: Annotated[float, Field(ge=0, lt=0.5)] = 0.0


class CNNConfig(Strict):
    """A convolutional network for small grayscale images."""

    conv_blocks: list[ConvBlockConfig] = Field(min_length=1)
    dense_units: list[PositiveInt] = Field(default_factory=list)
    activation: Activation = "relu"
    dropout: DropoutRate = 0.0
    global_pooling: bool = False
    augmentation: AugmentationConfig = AugmentationConfig()


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
    strategy: StrategyName = "default"
    mixed_precision: bool = False
    jit_compile: bool = False
    deterministic: bool = True
    verbose: Literal[0, 1, 2] = 2

    @model_validator(mode="after")
    def _xla_needs_nondeterminism(self) -> TrainingConfig:
        if self.jit_compile and self.deterministic:
            raise ValueError(
                "jit_compile: true needs deterministic: false (Keras runs no "
                "XLA-compiled step while TensorFlow's op determinism is on)"
            )
        return self
