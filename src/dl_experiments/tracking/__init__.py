"""Experiment tracking: the Weights & Biases hook and a reader for offline runs."""

from dl_experiments.tracking.config import TrackingConfig, load_tracking_config
from dl_experiments.tracking.wandb_hook import WandbHook

__all__ = ["TrackingConfig", "WandbHook", "load_tracking_config"]
