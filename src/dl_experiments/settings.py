"""Project settings: the context, hooks and configuration loading."""

from dl_experiments.config_loader import ProjectConfigLoader
from dl_experiments.hooks import (
    ArtifactVersionsHook,
    DataErrorContextHook,
    FailedRunCleanupHook,
    RunLogHook,
    RunnerHook,
    RunRecordHook,
    StudyTrackingHook,
    TensorFlowRuntimeHook,
    WandbHook,
)
from dl_experiments.kedro_internals import ExperimentContext
from dl_experiments.runs.catalog import RunAwareDataCatalog

# Kedro's context, validating every typed parameter tree before a run, and whose
# catalog (notebooks, kedro ipython, kedro-viz) is DATA_CATALOG_CLASS too
# (see kedro_internals).
CONTEXT_CLASS = ExperimentContext

# Hooks run last-in-first-out: TensorFlow's threads are set before other hooks
# start work for the run. RunnerHook refuses ParallelRunner when the catalog is
# built, before any hook starts work for the run (hooks/runners.py).
HOOKS = (
    RunRecordHook(),
    RunLogHook(),
    DataErrorContextHook(),
    FailedRunCleanupHook(),
    ArtifactVersionsHook(),
    WandbHook(),
    StudyTrackingHook(),
    TensorFlowRuntimeHook(),
    RunnerHook(),
)

# Unpinned loads resolve to the newest complete run (dl_experiments.runs).
DATA_CATALOG_CLASS = RunAwareDataCatalog

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
