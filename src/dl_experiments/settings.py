"""Project settings: hooks and configuration loading."""

from dl_experiments.artifact_versions import ArtifactVersionsHook
from dl_experiments.config_loader import ProjectConfigLoader
from dl_experiments.hooks import (
    DataErrorContextHook,
    FailedRunCleanupHook,
    ParameterSchemaHook,
    TensorFlowRuntimeHook,
    WandbHook,
)
from dl_experiments.run_log import RunLogHook

# Hooks run last-in-first-out: parameters are checked before any other hook starts
# work for the run.
HOOKS = (
    RunLogHook(),
    TensorFlowRuntimeHook(),
    DataErrorContextHook(),
    FailedRunCleanupHook(),
    ArtifactVersionsHook(),
    WandbHook(),
    ParameterSchemaHook(),
)

CONFIG_LOADER_CLASS = ProjectConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # An environment (conf/test, conf/local) overrides single nested keys of the
    # base parameters instead of replacing a whole experiment's tree; the subtrees
    # it lists under `_replace` replace conf/base's whole (config_loader.py).
    "merge_strategy": {"parameters": "soft"},
    "config_patterns": {
        "wandb": ["wandb*", "wandb*/**"],
    },
}
