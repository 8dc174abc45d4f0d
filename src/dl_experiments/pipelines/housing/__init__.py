"""Housing: median house value of California districts (Keras MLP regression)."""

from dl_experiments.pipelines.housing.pipeline import (
    create_pipeline,
    create_predict_pipeline,
)

__all__ = ["create_pipeline", "create_predict_pipeline"]
