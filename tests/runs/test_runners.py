"""Every runner: ``ThreadRunner`` gives what ``SequentialRunner`` gives (the run
record, the complete-runs-only "latest", the same metrics, the end-of-run summary,
the W&B run); ``ParallelRunner`` is refused before anything starts."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import pluggy
import pytest
from kedro.framework.hooks.specs import DatasetSpecs, NodeSpecs
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.io import DataCatalog, MemoryDataset
from kedro.io.data_catalog import SharedMemoryDataCatalog
from kedro.pipeline import Node, Pipeline
from kedro.runner import ThreadRunner

from dl_experiments.hooks.runners import RunnerHook, UnsupportedRunnerError
from dl_experiments.runs import RunStore
from dl_experiments.runs.catalog import RunAwareDataCatalog
from tests.conftest import make_project
from tests.helpers import derived_files, kedro_cli
from tests.tracking.wandb_records import find_offline_runs, read_offline_run


def flat(text: str) -> str:
    """Console output with the line wrapping undone."""
    return " ".join(text.split())


def test_parallel_runner_is_refused_when_its_catalog_is_built():
    hook = RunnerHook()
    with pytest.raises(UnsupportedRunnerError) as raised:
        hook.after_catalog_created(SharedMemoryDataCatalog())
    assert "Supported runners: SequentialRunner, ThreadRunner" in str(raised.value)
    hook.after_catalog_created(RunAwareDataCatalog())  # the project's own: fine


def node_spans(hooks: list[object], fail: bool = False) -> dict[str, tuple]:
    """Run two independent nodes with ``ThreadRunner`` (two threads) and the given
    hooks; each node's (start, end) time."""
    spans: dict[str, tuple] = {}

    def work(name: str):
        def run(x: int) -> int:
            start = time.monotonic()
            time.sleep(0.3)
            spans[name] = (start, time.monotonic())
            if fail and name == "a":
                raise RuntimeError("node a failed")
            return x

        return run

    pipeline = Pipeline(
        [
            Node(work("a"), "x", "a_out", name="a"),
            Node(work("b"), "x", "b_out", name="b"),
        ]
    )
    catalog = DataCatalog({"x": MemoryDataset(1)})
    manager = pluggy.PluginManager("kedro")
    manager.add_hookspecs(NodeSpecs)
    manager.add_hookspecs(DatasetSpecs)
    for hook in hooks:
        manager.register(hook)
    ThreadRunner(max_workers=2).run(pipeline, catalog, manager)
    return spans


def overlap(spans: dict[str, tuple]) -> bool:
    (a_start, a_end), (b_start, b_end) = spans["a"], spans["b"]
    return a_start < b_end and b_start < a_end


def test_thread_runner_runs_node_functions_one_at_a_time():
    assert overlap(node_spans([]))  # ThreadRunner alone runs both at once
    assert not overlap(node_spans([RunnerHook()]))


def test_a_failing_node_lets_the_others_run():
    hook, outcome = RunnerHook(), {}

    def run() -> None:
        try:
            node_spans([hook], fail=True)
        except RuntimeError as error:
            outcome["error"] = str(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=60)  # a hang guard: a turn never given back blocks b
    assert not thread.is_alive(), "node b never got its turn"
    assert outcome == {"error": "node a failed"}
    assert hook._turn.acquire(blocking=False)  # given back


@pytest.mark.e2e
def test_parallel_runner_is_refused_before_anything_starts(project: Path):
    result = kedro_cli(
        project,
        "run",
        "--env=test",
        "--pipeline=wildfire",
        "--runner=ParallelRunner",
        check=False,
        WANDB_MODE="offline",
    )
    assert result.returncode != 0
    output = flat(result.stdout + result.stderr)
    assert (
        "UnsupportedRunnerError: ParallelRunner is not supported by this project"
        in output
    )
    assert (
        "Supported runners: SequentialRunner, ThreadRunner; run again without "
        "--runner (SequentialRunner) or with --runner=ThreadRunner." in output
    )
    assert not (project / "data" / "runs").exists()  # no record
    assert derived_files(project) == []  # nothing saved
    assert not (project / "wandb").exists()  # no W&B run


def summary_line(output: str) -> str:
    """The experiment's end-of-run summary, without its report path."""
    found = re.search(r"wildfire finished\. (.*?) report:", output)
    assert found, output[-3000:]
    return found.group(1)


@pytest.mark.e2e
def test_thread_runner_gives_what_the_sequential_runner_gives(tmp_path: Path):
    results = {}
    for name, runner in (("sequential", []), ("threaded", ["--runner=ThreadRunner"])):
        project = make_project(tmp_path / name)
        run = kedro_cli(
            project,
            "run",
            "--env=test",
            "--pipeline=wildfire",
            *runner,
            WANDB_MODE="offline",
        )
        store = RunStore(project)
        (run_id,) = store.run_ids()
        record = store.read(run_id)
        bootstrap_project(project)
        with KedroSession.create(project_path=project, env="test") as session:
            latest = session.load_context().catalog.load("wildfire.metrics")
        saved = project / "data/08_reporting/wildfire/metrics.json" / run_id
        (wandb_run,) = [read_offline_run(p) for p in find_offline_runs(project / "wandb")]
        results[name] = {
            "record": record,
            "latest": latest,
            "saved": json.loads((saved / "metrics.json").read_text()),
            "summary": summary_line(flat(run.stdout + run.stderr)),
            "wandb": wandb_run,
            "output": flat(run.stdout + run.stderr),
        }
    sequential, threaded = results["sequential"], results["threaded"]
    assert "ThreadRunner: the nodes' functions run one at a time" in threaded["output"]
    for result in results.values():
        record = result["record"]
        assert record.status == "complete"
        assert set(record.saved) == set(record.outputs)  # every output recorded
        assert result["latest"] == result["saved"]  # "latest" is this complete run
        assert result["wandb"].finished and result["wandb"].exit_code == 0
        assert result["wandb"].group == record.run_id
    assert set(threaded["record"].saved) == set(sequential["record"].saved)
    assert threaded["saved"] == sequential["saved"]  # same seed, same metrics
    assert threaded["summary"] == sequential["summary"]
    seq_run, thr_run = sequential["wandb"], threaded["wandb"]
    assert sorted(thr_run.summary) == sorted(seq_run.summary)
    for key, value in seq_run.summary.items():
        if key.startswith(("model/", "baselines/", "cross_validation/")):
            assert thr_run.summary[key] == value, key
    assert thr_run.curve("epoch/loss") == seq_run.curve("epoch/loss")
    assert sorted(thr_run.config) == sorted(seq_run.config)
