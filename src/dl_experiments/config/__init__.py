"""Parameter models: one module per kind, the experiments' whole trees on top.

``base`` (the strict base model and one error format), ``data`` (schemas, targets,
features, splits), ``model`` (architectures and training), ``baselines`` (the
simple models fitted beside a network), ``evaluation`` (thresholds, units,
figures) and ``experiments`` (each kind of experiment's tree).
Nothing here imports TensorFlow.
"""

from dl_experiments.config.base import (
    ParameterValidationError,
    Strict,
    as_plain,
    parse_params,
)
from dl_experiments.config.baselines import (
    ImageBaselinesConfig,
    LogisticRegressionConfig,
)
from dl_experiments.config.data import (
    ColumnSchema,
    CoordinatesConfig,
    FeatureConfig,
    ImageDataConfig,
    ImagePredictConfig,
    SplitConfig,
    TableDataConfig,
    TablePredictConfig,
    TableSchema,
    TargetConfig,
    ValidationSplitConfig,
)
from dl_experiments.config.evaluation import (
    ClassificationEvaluationConfig,
    ComparisonConfig,
    ImageReportConfig,
    MapConfig,
    RegressionEvaluationConfig,
)
from dl_experiments.config.experiments import (
    ImageClassification,
    TabularClassification,
    TabularExperiment,
    TabularRegression,
)
from dl_experiments.config.model import (
    AugmentationConfig,
    CNNConfig,
    ConvBlockConfig,
    EarlyStoppingConfig,
    LRScheduleConfig,
    MLPConfig,
    TrainingConfig,
)

__all__ = [
    "AugmentationConfig",
    "ClassificationEvaluationConfig",
    "CNNConfig",
    "ComparisonConfig",
    "ColumnSchema",
    "ConvBlockConfig",
    "CoordinatesConfig",
    "EarlyStoppingConfig",
    "FeatureConfig",
    "ImageBaselinesConfig",
    "ImageClassification",
    "ImageDataConfig",
    "ImagePredictConfig",
    "ImageReportConfig",
    "LogisticRegressionConfig",
    "LRScheduleConfig",
    "MapConfig",
    "MLPConfig",
    "ParameterValidationError",
    "RegressionEvaluationConfig",
    "SplitConfig",
    "Strict",
    "TableDataConfig",
    "TablePredictConfig",
    "TableSchema",
    "TabularClassification",
    "TabularExperiment",
    "TabularRegression",
    "TargetConfig",
    "TrainingConfig",
    "ValidationSplitConfig",
    "as_plain",
    "parse_params",
]
