"""Measure what a study costs and what pruning saves, on one experiment.

In a throw-away copy of the project (``data/`` is left alone), in one process:

(a) pruning: the same study (sampler, seed, search space, ``--trials`` trials of at
    most ``--epochs`` epochs) run once with the experiment's configured pruner and
    once without; for each, the epochs trained, the wall time of the study and the
    best validation score;
(b) per-trial overhead: one configuration (the experiment's own, ``--epochs``
    epochs, early stopping off) trained as a study trial (asked, trained through the
    training slice with the pruning callback reporting every epoch, told) against
    the same training run once through Kedro
    (``kedro run --pipeline=<e> --to-nodes=<e>.train_model``: loading, saving the
    splits and the model). Alternated ``--repeats`` times; the ratio is the
    fastest trial over the fastest training run (the runs least disturbed by the
    rest of the machine), target at most 1.10; the ratio of medians is kept too.

W&B tracking is disabled for the measurement. Results go to
``studies_<experiment>.json`` and ``.md`` beside this file (or
``--output-dir``). ``python benchmarks/studies.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import copy_project, machine  # noqa: E402 - the benchmarks' shared helpers

OVERHEAD_TARGET = 1.10


def _session_run(
    project: Path, env: str, params: dict[str, Any], **run: Any
) -> tuple[float, float]:
    """Wall and CPU seconds of one ``session.run`` (the session's creation excluded)."""
    from kedro.framework.session import KedroSession  # noqa: PLC0415

    with KedroSession.create(project_path=project, env=env, runtime_params=params) as session:
        started, cpu_started = time.perf_counter(), time.process_time()
        session.run(**run)
        return time.perf_counter() - started, time.process_time() - cpu_started


def _study(project: Path, experiment: str) -> Any:
    import optuna  # noqa: PLC0415

    record = _latest_json(project, f"data/08_reporting/{experiment}_tune/best_params.json")
    return optuna.load_study(
        study_name=record["study_name"],
        storage=optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(record["storage"])
        ),
    )


def _latest_json(project: Path, relpath: str) -> dict[str, Any]:
    folder = project / relpath
    version = sorted(p.name for p in folder.iterdir())[-1]
    return json.loads((folder / version / folder.name).read_text())


def measure_pruning(
    project: Path, experiment: str, env: str, trials: int, epochs: int, pruner: dict
) -> dict[str, Any]:
    """The same study with ``pruner`` and without: epochs, wall time, best value."""
    from optuna.trial import TrialState  # noqa: PLC0415

    from dl_experiments.studies.study import best_trial  # noqa: PLC0415

    results = {}
    for label, config in (("pruned", pruner), ("unpruned", {"type": "none"})):
        tune = {
            "n_trials": trials,
            "max_epochs": epochs,
            "pruner": config,
            "study_name": f"benchmark-{label}",
        }
        seconds, _ = _session_run(
            project,
            env,
            {f"{experiment}_tune": tune},
            pipeline_name=f"{experiment}_tune",
            node_names=[f"{experiment}_tune.run_study"],
        )
        study = _study(project, experiment)
        best = best_trial(study)
        done = study.get_trials(states=(TrialState.COMPLETE, TrialState.PRUNED))
        results[label] = {
            "pruner": config,
            "trials": len(done),
            "pruned": sum(t.state == TrialState.PRUNED for t in done),
            "epochs": sum(int(t.user_attrs["epochs"]) for t in done),
            "seconds": round(seconds, 2),
            "best_value": None if best is None else best.value,
            "best_trial": None if best is None else best.number,
        }
    pruned, unpruned = results["pruned"], results["unpruned"]
    results["epochs_saved"] = 1 - pruned["epochs"] / unpruned["epochs"]
    results["time_saved"] = 1 - pruned["seconds"] / unpruned["seconds"]
    return results


def _value(tree: dict[str, Any], path: str) -> Any:
    from dl_experiments.studies.space import MISSING, get_path  # noqa: PLC0415

    value = get_path(tree, path)
    if value is MISSING:
        raise KeyError(f"'{path}' is not set in the experiment's parameters file")
    return value


def measure_overhead(
    project: Path, experiment: str, env: str, epochs: int, repeats: int
) -> dict[str, Any]:
    """One configuration as a study trial against one training run through Kedro."""
    import yaml  # noqa: PLC0415

    params = yaml.safe_load((project / f"conf/base/parameters_{experiment}.yml").read_text())
    own = params[experiment]
    # A one-point search space: every searched parameter fixed at the experiment's
    # own value, so the trial trains exactly the configuration of the training run.
    # (Runtime parameters merge into each distribution: a range becomes low = high.)
    space = {
        path: {"choices": [_value(own, path)]}
        if distribution["type"] == "categorical"
        else {"low": _value(own, path), "high": _value(own, path)}
        for path, distribution in params[f"{experiment}_tune"]["search_space"].items()
    }
    fixed = {"training": {"epochs": epochs, "early_stopping": {"enabled": False}}}
    trial_seconds, pipeline_seconds, trial_cpu, pipeline_cpu = [], [], [], []
    for repeat in range(repeats):
        tune = {
            "n_trials": 1,
            "max_epochs": epochs,
            "pruner": {"type": "none"},
            "study_name": f"overhead-{repeat}",
            "search_space": space,
        }
        runtime = {experiment: fixed, f"{experiment}_tune": tune}
        _session_run(
            project,
            env,
            runtime,
            pipeline_name=f"{experiment}_tune",
            node_names=[f"{experiment}_tune.run_study"],
        )
        trial = _study(project, experiment).trials[0]
        trial_seconds.append((trial.datetime_complete - trial.datetime_start).total_seconds())
        trial_cpu.append(float(trial.user_attrs["cpu_seconds"]))
        wall, cpu = _session_run(
            project,
            env,
            {experiment: fixed},
            pipeline_name=experiment,
            to_nodes=[f"{experiment}.train_model"],
        )
        pipeline_seconds.append(wall)
        pipeline_cpu.append(cpu)
    return {
        "epochs": epochs,
        "repeats": repeats,
        "trial_seconds": [round(s, 3) for s in trial_seconds],
        "pipeline_seconds": [round(s, 3) for s in pipeline_seconds],
        "trial_cpu_seconds": [round(s, 3) for s in trial_cpu],
        "pipeline_cpu_seconds": [round(s, 3) for s in pipeline_cpu],
        "ratio": min(trial_seconds) / min(pipeline_seconds),
        "cpu_ratio": min(trial_cpu) / min(pipeline_cpu),
        "ratio_of_medians": statistics.median(trial_seconds)
        / statistics.median(pipeline_seconds),
        "target": OVERHEAD_TARGET,
    }


def markdown(results: dict[str, Any]) -> str:
    """The results as two Markdown tables."""
    pruning, overhead = results["pruning"], results["overhead"]
    lines = [
        f"Study benchmark: `{results['experiment']}`, {results['measured_at']}, "
        f"{results['machine']['cpu_count']} CPU cores, TensorFlow "
        f"{results['machine']['tensorflow']}.",
        "",
        "| study | pruner | trials | pruned | epochs trained | wall s | best validation |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label in ("pruned", "unpruned"):
        row = pruning[label]
        lines.append(
            f"| {label} | {row['pruner']['type']} | {row['trials']} | {row['pruned']} | "
            f"{row['epochs']} | {row['seconds']:.1f} | "
            f"{'none complete' if row['best_value'] is None else format(row['best_value'], '.4f')} |"
        )
    lines += [
        "",
        f"Pruning saved {pruning['epochs_saved']:.0%} of the epochs and "
        f"{pruning['time_saved']:.0%} of the wall time.",
        "",
        "| per-trial overhead | epochs | fastest trial s | fastest training run s | ratio | ratio of medians | CPU ratio | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| study trial / `kedro run --to-nodes=train_model` | {overhead['epochs']} | "
        f"{min(overhead['trial_seconds']):.2f} | {min(overhead['pipeline_seconds']):.2f} | "
        f"{overhead['ratio']:.2f} | {overhead['ratio_of_medians']:.2f} | "
        f"{overhead['cpu_ratio']:.2f} | <= {overhead['target']:.2f} |",
        "",
        "Trial: asked, trained through the training slice with the pruning callback "
        "reporting every epoch, told (Optuna's start and end times; CPU: the trial's "
        "process time). Training run: `session.run` of the training pipeline up to "
        "`train_model`, saving splits, preprocessor and model.",
        "",
        f"Commands: pruning `{pruning.get('command', results['command'])}`; "
        f"overhead `{overhead.get('command', results['command'])}`.",
    ]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--experiment", default="wildfire")
    parser.add_argument("--env", default="base", help="configuration environment")
    parser.add_argument("--trials", type=int, default=20, help="trials per study (a)")
    parser.add_argument("--epochs", type=int, default=60, help="epochs per trial")
    parser.add_argument("--repeats", type=int, default=5, help="overhead repeats (b)")
    parser.add_argument(
        "--pruner",
        default='{"type": "median", "n_startup_trials": 5, "n_warmup_steps": 10}',
        help="the pruner of study (a), as JSON",
    )
    parser.add_argument(
        "--parts",
        default="pruning,overhead",
        help="what to measure; a part left out is kept from an earlier results file",
    )
    parser.add_argument("--output-dir", default=str(Path(__file__).resolve().parent))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run both measurements and write ``studies_<experiment>.json`` / ``.md``."""
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    args = parse_args(argv)
    # Tracking off on both sides: the numbers are Kedro's and Optuna's, not W&B's.
    os.environ["WANDB_MODE"] = "disabled"
    parts = set(args.parts.split(","))
    out = Path(args.output_dir)
    earlier_file = out / f"studies_{args.experiment}.json"
    earlier = json.loads(earlier_file.read_text()) if earlier_file.exists() else {}
    command = "python benchmarks/studies.py " + " ".join(argv or sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="study_benchmark_") as folder:
        project = copy_project(Path(folder))
        bootstrap_project(project)
        pruning, overhead = earlier.get("pruning"), earlier.get("overhead")
        if "pruning" in parts:
            pruning = measure_pruning(
                project, args.experiment, args.env, args.trials, args.epochs,
                json.loads(args.pruner),
            )
            pruning["command"] = command
            pruning["measured_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if "overhead" in parts:
            overhead = measure_overhead(
                project, args.experiment, args.env, args.epochs, args.repeats
            )
            overhead["command"] = command
            overhead["measured_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    results = {
        "experiment": args.experiment,
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "command": command,
        "pruning": pruning,
        "overhead": overhead,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / f"studies_{args.experiment}.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / f"studies_{args.experiment}.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
