"""Compare runs: every experiment's metrics across its saved versions (on demand)."""

from dl_experiments.pipelines.compare_runs.pipeline import create_pipeline

__all__ = ["create_pipeline"]
