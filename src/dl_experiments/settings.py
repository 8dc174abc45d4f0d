"""Project settings: hooks and configuration loading."""

from kedro.config import OmegaConfigLoader

from dl_experiments.artifact_versions import ArtifactVersionsHook
from dl_experiments.hooks import (
    DataErrorContextHook,
    FailedRunCleanupHook,
    ParameterSchemaHook,
    TensorFlowRuntimeHook,
    WandbHook,
)
from dl_experiments.tracking.study_hook import StudyTrackingHook

# Hooks run last-in-first-out: parameters are checked before any other hook starts
# work for the run.
HOOKS = (
    TensorFlowRuntimeHook(),
    DataErrorContextHook(),
    FailedRunCleanupHook(),
    ArtifactVersionsHook(),
    WandbHook(),
    StudyTrackingHook(),
    ParameterSchemaHook(),
)

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # An environment (conf/test, conf/local) overrides single nested keys of the
    # base parameters instead of replacing a whole experiment's tree.
    "merge_strategy": {"parameters": "soft"},
    "config_patterns": {
        "wandb": ["wandb*", "wandb*/**"],
    },
}
