"""The project's Kedro hooks, registered in ``settings.py``.

- ``TensorFlowRuntimeHook``: TensorFlow starts quietly with the configured threads.
- ``DataErrorContextHook``: a data error names the file behind the dataset.
- ``FailedRunCleanupHook``: a failed run's partial versions are removed.
- ``ArtifactVersionsHook``: predict pipelines learn which model version they load.
- ``RunLogHook``: progress labels, each experiment's summary and the run's table.
- ``RunRecordHook``: each run's record (running, complete, failed) under data/runs.
- ``RunnerHook``: ``ParallelRunner`` refused at start; node functions one at a time
  under ``ThreadRunner``.
- ``WandbHook``: Weights & Biases tracking (with ``StudyTrackingHook``, one W&B run
  per study trial, the only places that know W&B).

Parameters need no hook: Kedro validates them against the node annotations
(``kedro_internals.ExperimentContext``).
"""

from dl_experiments.hooks.artifact_versions import ArtifactVersionsHook
from dl_experiments.hooks.data_errors import DataErrorContextHook
from dl_experiments.hooks.failed_runs import FailedRunCleanupHook
from dl_experiments.hooks.run_log import RunLogHook
from dl_experiments.hooks.run_records import RunRecordHook
from dl_experiments.hooks.runners import RunnerHook
from dl_experiments.hooks.runtime import TensorFlowRuntimeHook
from dl_experiments.hooks.study_tracking import StudyTrackingHook
from dl_experiments.hooks.tracking import WandbHook

__all__ = [
    "ArtifactVersionsHook",
    "DataErrorContextHook",
    "FailedRunCleanupHook",
    "RunLogHook",
    "RunRecordHook",
    "RunnerHook",
    "StudyTrackingHook",
    "TensorFlowRuntimeHook",
    "WandbHook",
]
