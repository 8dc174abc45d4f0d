"""Experiment tracking: W&B configuration and the run wrapper the hook drives.

The hook itself is ``dl_experiments.hooks.tracking.WandbHook``.
"""

from dl_experiments.tracking.config import TrackingConfig, load_tracking_config

__all__ = ["TrackingConfig", "load_tracking_config"]
