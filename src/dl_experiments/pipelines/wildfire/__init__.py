"""Wildfire: fire / no fire from environmental sensor readings (Keras MLP)."""

from dl_experiments.pipelines.wildfire.pipeline import (
    create_pipeline,
    create_predict_pipeline,
)

__all__ = ["create_pipeline", "create_predict_pipeline"]
