"""Wildfire predict: score new sensor readings with the saved model (no training)."""

from dl_experiments.pipelines.wildfire_predict.pipeline import create_pipeline

__all__ = ["create_pipeline"]
