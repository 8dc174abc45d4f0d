"""Runs as units: a record per Kedro run, "latest" from complete runs, clean-up.

- ``records``: the run record (``data/runs/<run id>.json``) and its store;
- ``catalog``: the data catalog whose unpinned loads skip incomplete runs;
- ``cleanup``: which old runs to delete, keeping what kept runs need;
- ``python -m dl_experiments.runs``: ``list``, ``keep``, ``unkeep``, ``clean``.
"""

from dl_experiments.runs.records import (
    RunRecord,
    RunRecordError,
    RunStore,
    incomplete_versions,
)

__all__ = ["RunRecord", "RunRecordError", "RunStore", "incomplete_versions"]
