"""Measure where the time goes in each experiment pipeline, and what Kedro costs.

For every pipeline (each in a fresh Python process, in a throw-away copy of the
project so ``data/`` is left alone) this runs the whole pipeline once through Kedro
and records:

- wall time per stage (the nodes tagged ingestion, preprocessing, training,
  reporting; each node's time includes loading its inputs and saving its outputs),
  and the session's own time (configuration, catalog, hooks);
- peak resident memory per stage and for the whole process;
- training throughput (``samples_per_second`` from the training history);
- the overhead of Kedro against a bare Keras script: the training stage run again
  through Kedro (with any in-memory inputs recomputed) against plain ``build -> compile -> fit ->
  save`` of the same architecture, on the same arrays, for the same epochs and
  batch size, in the same process, alternated ``--repeats`` times. The ratio is
  the fastest Kedro training stage over the fastest bare script (the runs least
  disturbed by anything else on the machine); the ratio of medians is kept too.

Benchmarks use fixed epochs (early stopping off), so both sides do the same work.
Results go to ``results.json`` and ``results.md`` beside this file (or
``--output-dir``). Run ``python benchmarks/run.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STAGES = ("ingestion", "preprocessing", "training", "reporting")
OVERHEAD_TARGET = 1.10


# --------------------------------------------------------------------------- worker


class MemorySampler(threading.Thread):
    """Samples the process's resident memory and keeps the peak per stage label."""

    def __init__(self, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        import psutil  # noqa: PLC0415 - the benchmark extra

        self._process = psutil.Process()
        self._interval = interval
        self._halt = threading.Event()
        self.stage = "startup"
        self.peaks: dict[str, int] = {}

    def sample(self) -> None:
        """Record the current memory under the current stage."""
        rss = self._process.memory_info().rss
        stage = self.stage
        self.peaks[stage] = max(self.peaks.get(stage, 0), rss)

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            time.sleep(self._interval)

    def stop(self) -> None:
        """Stop sampling (after one last sample)."""
        self.sample()
        self._halt.set()
        self.join()


def stage_of(node: Any) -> str:
    """The stage a node belongs to: its first stage tag, or ``other``."""
    return next((stage for stage in STAGES if stage in node.tags), "other")


class StageTimer:
    """Kedro hooks that time each node from its first input load to its last save."""

    def __init__(
        self, sampler: MemorySampler | None = None, recorder: FitRecorder | None = None
    ) -> None:
        self.spans: dict[str, list[float]] = {}
        self.cpu_spans: dict[str, list[float]] = {}
        self.stages: dict[str, str] = {}
        self.history: dict[str, Any] | None = None
        self._sampler = sampler
        self._recorder = recorder

    def _touch(self, node: Any, stage_label: str | None = None) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        span = self.spans.setdefault(node.name, [now, now])
        span[1] = now
        cpu_span = self.cpu_spans.setdefault(node.name, [cpu, cpu])
        cpu_span[1] = cpu
        self.stages[node.name] = stage_of(node)
        if self._sampler is not None:
            self._sampler.sample()
            self._sampler.stage = stage_label or self.stages[node.name]

    @hook_impl
    def before_dataset_loaded(self, node: Any) -> None:
        """A node starts when it loads its first input."""
        self._touch(node)

    @hook_impl
    def before_node_run(self, node: Any) -> None:
        """Or when it starts running (a node without inputs)."""
        self._touch(node)
        if self._recorder is not None:  # only the training stage's fit is repeated
            self._recorder.armed = stage_of(node) == "training"

    @hook_impl
    def after_dataset_saved(self, node: Any) -> None:
        """A node ends when its last output is saved."""
        self._touch(node, stage_label="kedro")

    @hook_impl
    def after_node_run(self, node: Any, outputs: dict[str, Any]) -> None:
        """Or when it returns; the training node's history is kept."""
        self._touch(node, stage_label="kedro")
        if self._recorder is not None:
            self._recorder.armed = False
        if stage_of(node) != "training":
            return
        for value in outputs.values():
            if isinstance(value, dict) and "samples_per_second" in value:
                self.history = value

    def node_seconds(self) -> dict[str, float]:
        """Seconds per node (inputs loaded, run, outputs saved), slowest first."""
        spans = {name: end - start for name, (start, end) in self.spans.items()}
        ranked = sorted(spans.items(), key=lambda item: -item[1])
        return {name: round(seconds, 3) for name, seconds in ranked}

    def stage_seconds(self, cpu: bool = False) -> dict[str, float]:
        """Seconds per stage: the sum of its nodes' spans (wall, or process CPU)."""
        totals = dict.fromkeys(STAGES, 0.0)
        for name, (start, end) in (self.cpu_spans if cpu else self.spans).items():
            stage = self.stages[name]
            totals[stage] = totals.get(stage, 0.0) + end - start
        return {stage: round(seconds, 3) for stage, seconds in totals.items()}


class FitRecorder:
    """Records the first ``keras.Model.fit`` call made while it is armed (the
    stage timer arms it for the nodes tagged ``training`` only)."""

    def __init__(self) -> None:
        self.armed = False
        self.call: dict[str, Any] | None = None

    @contextmanager
    def installed(self):
        """Wrap ``keras.Model.fit`` for the duration."""
        import keras  # noqa: PLC0415

        original = keras.Model.fit
        recorder = self

        def fit(model: Any, *args: Any, **kwargs: Any) -> Any:
            if recorder.armed and recorder.call is None:
                recorder.call = {"model": model, "args": args, "kwargs": kwargs}
            return original(model, *args, **kwargs)

        keras.Model.fit = fit
        try:
            yield self
        finally:
            keras.Model.fit = original


def _arrays(data: Any) -> tuple[Any, Any, int | None]:
    """(x, y, batch size) from a tf.data dataset of (x, y) batches, or arrays as is."""
    import numpy as np  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415

    if isinstance(data, tf.data.Dataset):
        xs, ys, batch = [], [], None
        for element in data.as_numpy_iterator():
            xs.append(element[0])
            ys.append(element[1])
            batch = batch or len(element[0])
        return np.concatenate(xs), np.concatenate(ys), batch
    return data[0], data[1], None


def bare_training_inputs(call: dict[str, Any]) -> dict[str, Any]:
    """What a bare Keras script needs to repeat the recorded ``fit``: the same data,
    epochs, batch size and class weights, and the model's architecture and compile
    configuration."""
    args, kwargs = call["args"], dict(call["kwargs"])
    x = args[0] if args else kwargs.pop("x")
    y = args[1] if len(args) > 1 else kwargs.get("y")
    if y is None:
        x, y, batch_size = _arrays(x)
    else:
        batch_size = kwargs.get("batch_size") or 32
    validation = kwargs.get("validation_data")
    if validation is not None:
        validation = _arrays(validation)[:2]
    model = call["model"]
    return {
        "x": x,
        "y": y,
        "validation": validation,
        "batch_size": batch_size,
        "epochs": kwargs.get("epochs", 1),
        "class_weight": kwargs.get("class_weight"),
        "model": model,
        "compile_config": model.get_compile_config(),
    }


def bare_keras_training(
    inputs: dict[str, Any], seed: int, directory: Path
) -> tuple[float, float]:
    """The bare script: tf.data input, build, compile, fit, save; (wall, CPU) seconds.

    The input pipeline is the one the Keras guides recommend (cache, shuffle,
    batch, prefetch), so both sides do the same computation and the ratio is the
    cost of running it as a Kedro pipeline.
    """
    import keras  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415

    started, cpu_started = time.perf_counter(), time.process_time()
    keras.utils.set_random_seed(seed)
    x, y = inputs["x"], inputs["y"]
    train = (
        tf.data.Dataset.from_tensor_slices((x, y))
        .cache()
        .shuffle(min(len(x), 10_000), seed=seed)
        .batch(inputs["batch_size"])
        .prefetch(tf.data.AUTOTUNE)
    )
    validation = None
    if inputs["validation"] is not None:
        validation = (
            tf.data.Dataset.from_tensor_slices(tuple(inputs["validation"]))
            .cache()
            .batch(inputs["batch_size"])
            .prefetch(tf.data.AUTOTUNE)
        )
    model = keras.models.clone_model(inputs["model"])  # same layers, fresh weights
    model.compile_from_config(inputs["compile_config"])
    model.fit(
        train,
        epochs=inputs["epochs"],
        validation_data=validation,
        class_weight=inputs["class_weight"],
        verbose=0,
    )
    model.save(directory / "bare_model.keras")
    return time.perf_counter() - started, time.process_time() - cpu_started


def _kedro_run(
    project: Path,
    pipeline: str,
    env: str,
    params: dict[str, Any],
    sampler: MemorySampler | None,
    recorder: FitRecorder | None = None,
    to_nodes: list[str] | None = None,
) -> tuple[StageTimer, float]:
    """One Kedro session run with the stage timer registered; (timer, seconds)."""
    from kedro.framework.session import KedroSession  # noqa: PLC0415

    timer = StageTimer(sampler, recorder)
    started = time.perf_counter()
    with KedroSession.create(
        project_path=project, env=env, runtime_params=params
    ) as session:
        session._hook_manager.register(timer)  # noqa: SLF001 - no public API for this
        session.run(pipeline_name=pipeline, to_nodes=to_nodes)
    seconds = time.perf_counter() - started
    return timer, seconds


def measure_pipeline(
    project: Path, pipeline: str, env: str, params: dict[str, Any], repeats: int
) -> dict[str, Any]:
    """Everything measured for one pipeline, in this process (see the module doc)."""
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    bootstrap_project(project)
    sampler = MemorySampler()
    sampler.start()
    recorder = FitRecorder()
    with recorder.installed():
        sampler.stage = "kedro"
        timer, total = _kedro_run(project, pipeline, env, params, sampler, recorder)
    stages = timer.stage_seconds()
    if timer.history is None or recorder.call is None:
        raise RuntimeError(
            f"pipeline '{pipeline}': no training node tagged 'training' returned a "
            "history with samples_per_second after calling keras.Model.fit"
        )
    history = timer.history
    sampler.stage = "comparison"
    inputs = bare_training_inputs(recorder.call)
    seed = 0
    # The training nodes again, with whatever they need that is not saved to disk
    # (in-memory datasets) recomputed; only the training stage's time is compared.
    training_nodes = [
        name for name, stage in timer.stages.items() if stage == "training"
    ]
    bare, kedro, bare_cpu, kedro_cpu = [], [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(repeats):
            wall, cpu = bare_keras_training(inputs, seed, Path(scratch))
            bare.append(wall)
            bare_cpu.append(cpu)
            again, _ = _kedro_run(
                project, pipeline, env, params, None, to_nodes=training_nodes
            )
            kedro.append(again.stage_seconds()["training"])
            kedro_cpu.append(again.stage_seconds(cpu=True)["training"])
    sampler.stop()
    peaks = {k: round(v / 2**20, 1) for k, v in sampler.peaks.items()}
    # The fastest of the repeats is the least disturbed by other work on the machine.
    bare_best, kedro_best = min(bare), min(kedro)
    samples = int(history["train_samples"]) * int(history["epochs_run"])
    return {
        "pipeline": pipeline,
        "stages_seconds": stages,
        "nodes_seconds": timer.node_seconds(),
        "kedro_session_seconds": round(total - sum(stages.values()), 3),
        "total_seconds": round(total, 3),
        "training": {
            "epochs": int(history["epochs_run"]),
            "train_samples": int(history["train_samples"]),
            "batch_size": inputs["batch_size"],
            "fit_seconds": history["training_seconds"],
            "samples_per_second": history["samples_per_second"],
            "strategy": history.get("strategy"),
            "replicas": history.get("replicas"),
        },
        "overhead": {
            "kedro_training_stage_seconds": [round(s, 3) for s in kedro],
            "bare_keras_seconds": [round(s, 3) for s in bare],
            "bare_keras_samples_per_second": round(samples / bare_best, 1),
            "ratio": round(kedro_best / bare_best, 3),
            "kedro_training_stage_cpu_seconds": [round(s, 3) for s in kedro_cpu],
            "bare_keras_cpu_seconds": [round(s, 3) for s in bare_cpu],
            # CPU time is what the work cost, whatever else held the cores meanwhile
            "cpu_ratio": round(min(kedro_cpu) / min(bare_cpu), 3),
            "ratio_of_medians": round(
                statistics.median(kedro) / statistics.median(bare), 3
            ),
            "target": OVERHEAD_TARGET,
        },
        "peak_memory_mib": {
            "process": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            ),
            **{stage: peaks[stage] for stage in (*STAGES, "other") if stage in peaks},
        },
    }


def worker(args: argparse.Namespace) -> None:
    """Measure one pipeline in this process and write its JSON to ``args.worker_output``."""
    params = json.loads(args.worker_params)
    result = measure_pipeline(
        Path(args.project), args.worker, args.env, params, int(args.repeats)
    )
    Path(args.worker_output).write_text(json.dumps(result, indent=2))


# ----------------------------------------------------------------------- orchestrator


def copy_project(root: Path) -> Path:
    """A throw-away copy of the configuration that reads the shipped raw data."""
    shutil.copy(PROJECT_ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(
        PROJECT_ROOT / "conf", root / "conf", ignore=shutil.ignore_patterns("local")
    )
    (root / "conf" / "local").mkdir()
    (root / "src").mkdir()
    (root / "data").mkdir()
    (root / "data" / "01_raw").symlink_to(PROJECT_ROOT / "data" / "01_raw")
    return root


def experiment_pipelines() -> list[str]:
    """Registered pipelines that train a model (have a node tagged ``training``)."""
    from kedro.framework.project import pipelines  # noqa: PLC0415
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    bootstrap_project(PROJECT_ROOT)
    return sorted(
        name
        for name, pipe in pipelines.items()
        if name != "__default__" and pipe.only_nodes_with_tags("training").nodes
    )


def _per_pipeline(value: str, pipelines: list[str]) -> dict[str, str]:
    """``"20"`` for every pipeline, or ``"wildfire=100,fashion_mnist=2"``."""
    value = str(value)
    if "=" not in value:
        return dict.fromkeys(pipelines, value)
    pairs = dict(item.split("=", 1) for item in value.split(","))
    return {name: pairs[name] for name in pipelines if name in pairs}


def run_parameters(pipeline: str, args: argparse.Namespace) -> dict[str, Any]:
    """Runtime parameters for one pipeline: fixed epochs, no early stopping, threads."""
    from omegaconf import OmegaConf  # noqa: PLC0415

    dotlist = [f"{pipeline}.training.early_stopping.enabled=false"]
    epochs = _per_pipeline(args.epochs, [pipeline]).get(pipeline)
    if epochs:
        dotlist.append(f"{pipeline}.training.epochs={epochs}")
    if args.threads is not None:
        dotlist += [
            f"runtime.intra_op_threads={args.threads}",
            f"runtime.inter_op_threads={args.threads}",
        ]
    dotlist += [item for item in args.params.split(",") if item.startswith(pipeline)]
    dotlist += [item for item in args.params.split(",") if item.startswith("runtime.")]
    return OmegaConf.to_container(OmegaConf.from_dotlist(dotlist))


def machine() -> dict[str, Any]:
    """The machine and library versions the numbers were measured with."""
    import keras  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415

    return {
        "cpu_count": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "gpus": [d.name for d in tf.config.list_physical_devices("GPU")],
    }


def markdown(results: dict[str, Any]) -> str:
    """The results as a Markdown table (seconds, samples/s, MiB)."""
    lines = [
        "| pipeline | epochs | ingestion s | preprocessing s | training s | "
        "reporting s | Kedro session s | total s | train samples/s | "
        "peak memory MiB | Kedro / bare Keras (wall) | (CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["pipelines"]:
        stages = row["stages_seconds"]
        ratio = row["overhead"]["ratio"]
        lines.append(
            f"| {row['pipeline']} | {row['training']['epochs']} | "
            + " | ".join(f"{stages[s]:.2f}" for s in STAGES)
            + f" | {row['kedro_session_seconds']:.2f} | {row['total_seconds']:.2f} | "
            f"{row['training']['samples_per_second']:,.0f} | "
            f"{row['peak_memory_mib']['process']:,.0f} | "
            f"{ratio:.2f}{'' if ratio <= OVERHEAD_TARGET else ' (above 1.10)'} | "
            f"{row['overhead']['cpu_ratio']:.2f} |"
        )
    return "\n".join([*lines, "", *footer(results)]) + "\n"


def footer(results: dict[str, Any]) -> list[str]:
    """When, on what and by which command a results file was measured."""
    info = results["machine"]
    return [
        f"Measured {results['measured_at']} on {info['cpu_count']} CPU cores "
        f"({info['platform']}), TensorFlow {info['tensorflow']}, Keras "
        f"{info['keras']}, GPUs: {', '.join(info['gpus']) or 'none'}.",
        f"Command: `{results['command']}`",
    ]


def orchestrate(args: argparse.Namespace) -> dict[str, Any]:
    """Run each pipeline's measurement in its own process; write JSON and Markdown."""
    pipelines = args.pipelines.split(",") if args.pipelines else experiment_pipelines()
    rows = []
    with tempfile.TemporaryDirectory(prefix="dl_benchmark_") as scratch:
        for pipeline in pipelines:
            project = copy_project(Path(tempfile.mkdtemp(dir=scratch)))
            output = Path(scratch) / f"{pipeline}.json"
            command = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--worker",
                pipeline,
                "--worker-output",
                str(output),
                "--worker-params",
                json.dumps(run_parameters(pipeline, args)),
                "--project",
                str(project),
                "--env",
                args.env,
                "--repeats",
                _per_pipeline(args.repeats, [pipeline]).get(pipeline, "3"),
            ]
            print(f"benchmark: {pipeline} ...", flush=True)
            env = dict(os.environ)
            if not args.tracking:
                env["WANDB_MODE"] = "disabled"
            done = subprocess.run(
                command, capture_output=True, text=True, check=False, env=env
            )
            if done.returncode:
                sys.stderr.write(done.stdout[-4000:] + done.stderr[-8000:])
                raise SystemExit(
                    f"benchmark of '{pipeline}' failed ({done.returncode})"
                )
            rows.append(json.loads(output.read_text()))
            print(json.dumps(rows[-1]["stages_seconds"]), flush=True)
    results = {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "python benchmarks/run.py " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "pipelines": rows,
    }
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "results.md").write_text(markdown(results))
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--pipelines",
        default="",
        help="comma-separated pipelines (default: every pipeline that trains)",
    )
    parser.add_argument(
        "--epochs",
        default="",
        help="fixed epochs: '20' for all or 'wildfire=100,fashion_mnist=2' "
        "(default: each pipeline's configured epochs, early stopping off)",
    )
    parser.add_argument(
        "--params",
        default="",
        help="extra dotted parameters, e.g. 'runtime.intra_op_threads=2'",
    )
    parser.add_argument(
        "--threads", type=int, help="TensorFlow intra- and inter-op threads"
    )
    parser.add_argument(
        "--repeats",
        default="3",
        help="alternated Kedro / bare Keras training runs for the overhead ratio: "
        "'3' for all or 'wildfire=3,fashion_mnist=1'",
    )
    parser.add_argument(
        "--env", default="local", help="Kedro configuration environment"
    )
    parser.add_argument(
        "--output-dir",
        default=str(Path(__file__).resolve().parent),
        help="where results.json and results.md go (default: benchmarks/)",
    )
    parser.add_argument(
        "--tracking",
        action="store_true",
        help="keep experiment tracking as configured (default: WANDB_MODE=disabled)",
    )
    parser.add_argument(
        "--yardsticks",
        action="store_true",
        help="instead: each default beside its yardstick (textbook CNN, gradient "
        "boosting, previous defaults) in one process; see benchmarks/yardsticks.py",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-output", help=argparse.SUPPRESS)
    parser.add_argument("--worker-params", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--project", default=str(PROJECT_ROOT), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Entry point: orchestrate, or measure one pipeline when called as a worker."""
    argv = sys.argv[1:] if argv is None else argv
    if "--yardsticks" in argv:
        from yardsticks import main as yardsticks  # noqa: PLC0415 - beside this file

        yardsticks(
            [arg for arg in argv if arg != "--yardsticks"],
            command="python benchmarks/run.py --yardsticks",
        )
        return
    args = parse_args(argv)
    if args.worker:
        worker(args)
        return
    results = orchestrate(args)
    sys.stdout.write(markdown(results))


if __name__ == "__main__":
    main()
