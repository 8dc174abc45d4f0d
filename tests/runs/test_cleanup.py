"""``python -m dl_experiments.runs clean``: old runs go, kept runs and their needs stay."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from dl_experiments.runs import RunRecord, RunStore
from dl_experiments.runs.__main__ import main
from dl_experiments.runs.cleanup import apply_cleanup, plan_cleanup

NOW = datetime(2026, 6, 10, 12, tzinfo=UTC)


def _run(store: RunStore, day: int, status: str = "complete", **fields) -> str:
    """A run on day ``day`` of June that wrote a model (100 bytes) and metrics."""
    run_id = f"2026-06-{day:02d}T00.00.00.000Z"
    outputs = {}
    for name, size in (("model", 100), ("metrics", 10)):
        folder = Path("data") / f"{name}.bin" / run_id
        (store.project_path / folder).mkdir(parents=True)
        (store.project_path / folder / f"{name}.bin").write_bytes(b"x" * size)
        outputs[f"wildfire.{name}"] = folder.as_posix()
    fields.setdefault("started_at", datetime(2026, 6, day, tzinfo=UTC).isoformat())
    store.write(
        RunRecord(
            run_id=run_id,
            status=status,
            experiments=["wildfire"],
            outputs=outputs,
            saved={name: {"version": run_id, "path": p} for name, p in outputs.items()},
            **fields,
        )
    )
    return run_id


def _exists(store: RunStore, run_id: str) -> bool:
    return (store.project_path / "data/model.bin" / run_id).exists() or store.path(
        run_id
    ).exists()


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    return RunStore(tmp_path)


def test_keeps_the_newest_complete_runs_and_what_they_need(store: RunStore):
    trained = _run(store, 1)
    marked = _run(store, 2, keep=True)
    old = [_run(store, day) for day in (3, 4)]
    # a reporting-only run that scored the day-1 model, then two newer runs
    reporting = _run(
        store,
        5,
        loaded={
            "wildfire.model": {"version": trained, "path": "data/model.bin/" + trained}
        },
    )
    newest = _run(store, 6)
    killed_long_ago = _run(store, 7, status="running")
    killed_today = _run(store, 10, status="running")

    plan = plan_cleanup(store, keep=2, now=NOW, alive=lambda record: False)
    assert set(plan.kept) == {newest, reporting, trained, marked, killed_today}
    assert plan.kept[trained] == f"wildfire.model needed by {reporting}"
    assert plan.kept[marked] == "marked keep"
    assert set(plan.removed) == {*old, killed_long_ago}
    record_bytes = sum(store.path(run_id).stat().st_size for run_id in plan.removed)
    assert plan.total_bytes == 3 * 110 + record_bytes

    assert apply_cleanup(plan, store) == plan.total_bytes
    for run_id in plan.removed:
        assert not _exists(store, run_id)
        assert not (store.project_path / "data/metrics.bin" / run_id).exists()
    for run_id in plan.kept:
        assert (store.project_path / "data/model.bin" / run_id / "model.bin").exists()
        assert store.path(run_id).exists()


def test_a_live_process_is_not_cleaned_even_when_old(store: RunStore):
    _run(store, 1)
    running = _run(store, 2, status="running")
    plan = plan_cleanup(store, keep=1, now=NOW, alive=lambda record: True)
    assert plan.kept[running] == "still running on this machine"


def test_unrecorded_versions_are_left_alone(store: RunStore):
    _run(store, 1)
    _run(store, 2)
    legacy = store.project_path / "data/model.bin/2025-01-01T00.00.00.000Z"
    legacy.mkdir(parents=True)
    plan = plan_cleanup(store, keep=1, now=NOW)
    assert plan.unrecorded == [legacy]
    apply_cleanup(plan, store)
    assert legacy.exists()


def test_only_folders_named_by_the_run_are_deleted(store: RunStore):
    _run(store, 2)
    old = _run(store, 1)
    record = store.read(old)
    record.outputs["wildfire.other"] = "data"  # a damaged record pointing elsewhere
    store.write(record)
    plan = plan_cleanup(store, keep=1, now=NOW)
    apply_cleanup(plan, store)
    assert (store.project_path / "data").is_dir()
    assert not (store.project_path / "data/model.bin" / old).exists()


def test_keep_must_be_positive(store: RunStore):
    with pytest.raises(ValueError, match="keep=0"):
        plan_cleanup(store, keep=0)


def test_command_line_dry_run_keep_and_clean(store: RunStore, capsys):
    first, second = _run(store, 1), _run(store, 2)
    project = ["--project", str(store.project_path)]
    assert main([*project, "clean", "--keep", "1", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"would delete {first}" in out
    assert "data/model.bin/" + first in out
    assert "would be freed" in out
    assert _exists(store, first)

    assert main([*project, "keep", first]) == 0
    assert store.read(first).keep is True
    assert main([*project, "clean", "--keep", "1"]) == 0
    assert "Deleted 0 run(s)" in capsys.readouterr().out
    assert main([*project, "unkeep", first]) == 0
    assert main([*project, "clean", "--keep", "1"]) == 0
    assert "Deleted 1 run(s)" in capsys.readouterr().out
    assert not _exists(store, first)
    assert _exists(store, second)

    assert main([*project, "list"]) == 0
    assert second in capsys.readouterr().out
    assert main([*project, "keep", "no-such-run"]) == 2
    assert "no run record" in capsys.readouterr().err
