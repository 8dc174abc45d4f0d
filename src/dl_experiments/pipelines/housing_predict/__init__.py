"""Housing predict: value new districts with the saved model (no training)."""

from dl_experiments.pipelines.housing_predict.pipeline import create_pipeline

__all__ = ["create_pipeline"]
