"""``python -m dl_experiments.runs``: list runs, mark runs to keep, clean up old ones.

```
python -m dl_experiments.runs list
python -m dl_experiments.runs keep 2026-11-26T01.52.28.626Z
python -m dl_experiments.runs unkeep 2026-11-26T01.52.28.626Z
python -m dl_experiments.runs clean --keep 3 --dry-run
python -m dl_experiments.runs clean --keep 3
```

Run from the project root, or pass ``--project PATH``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from dl_experiments.runs.cleanup import apply_cleanup, plan_cleanup
from dl_experiments.runs.records import RunRecordError, RunStore


def _size(n_bytes: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n_bytes < 1024 or unit == "GiB":
            return f"{n_bytes:.1f} {unit}" if unit != "B" else f"{n_bytes} B"
        n_bytes /= 1024
    return f"{n_bytes} B"  # pragma: no cover - the loop always returns


def _list(store: RunStore) -> int:
    records = store.records()
    if not records:
        print(f"No run records in {store.folder}")
        return 0
    print(f"{'run id':<26} {'status':<10} {'keep':<5} {'experiments':<30} pipelines")
    for record in records:
        status = "worker" if record.worker else record.status
        if not record.complete:
            status = f"{status}*"
        print(
            f"{record.run_id:<26} {status:<10} {'yes' if record.keep else '':<5} "
            f"{','.join(record.experiments):<30} {','.join(record.pipelines)}"
        )
    print("* incomplete: never loaded as latest")
    return 0


def _mark(store: RunStore, run_id: str, keep: bool) -> int:
    record = store.read(run_id)
    record.keep = keep
    store.write(record)
    print(f"Run {run_id}: keep={'yes' if keep else 'no'}")
    return 0


def _clean(store: RunStore, args: argparse.Namespace) -> int:
    plan = plan_cleanup(
        store, args.keep, incomplete_after=timedelta(hours=args.incomplete_after)
    )
    for run_id, reason in sorted(plan.kept.items()):
        print(f"keep    {run_id}  ({reason})")
    verb = "would delete" if args.dry_run else "delete"
    for run_id, reason in sorted(plan.removed.items()):
        print(f"{verb:<12} {run_id}  ({reason}, {_size(plan.bytes[run_id])})")
        for folder in plan.folders[run_id]:
            print(f"    {store.relative(folder)}")
    for folder in plan.unrecorded:
        print(f"left alone (no run record): {store.relative(folder)}")
    if args.dry_run:
        print(
            f"Dry run: {len(plan.removed)} run(s), {_size(plan.total_bytes)} would "
            "be freed"
        )
        return 0
    freed = apply_cleanup(plan, store)
    print(f"Deleted {len(plan.removed)} run(s), freed {_size(freed)} ({freed} bytes)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="python -m dl_experiments.runs")
    parser.add_argument(
        "--project", type=Path, default=Path.cwd(), help="project root (default: .)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every recorded run and its status")
    for name, text in (("keep", "mark a run to keep"), ("unkeep", "remove the mark")):
        command = commands.add_parser(name, help=text)
        command.add_argument("run_id")
    clean = commands.add_parser("clean", help="delete old runs")
    clean.add_argument(
        "--keep", type=int, default=3, help="complete runs kept per experiment (>= 1)"
    )
    clean.add_argument(
        "--incomplete-after",
        type=float,
        default=24.0,
        metavar="HOURS",
        help="delete incomplete runs older than this (default 24)",
    )
    clean.add_argument("--dry-run", action="store_true", help="only list what would go")
    args = parser.parse_args(argv)
    store = RunStore(args.project.resolve())
    try:
        if args.command == "list":
            return _list(store)
        if args.command in ("keep", "unkeep"):
            return _mark(store, args.run_id, args.command == "keep")
        return _clean(store, args)
    except (RunRecordError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
