"""The scoring service's latency and throughput, beside the predict pipelines' cost.

In a trained project (``--project``, default this one; train first, ``--env=test``
is enough: the networks, and so the cost of scoring, are the same), it starts the
service (``python -m dl_experiments.serve``) on a free loopback port and, per
experiment, sends single-row (single-image) requests from 1 and 8 concurrent
clients, then requests holding all the example rows (images): latency p50 / p99
and rows (images) per second. Beside it, the same rows scored by
``kedro run --pipeline=<experiment>_predict``: a run on one row (what scoring one
reading at a time costs that way) and a run on all of them (the example files of
``data/09_predict_examples``). The predict runs write their versioned outputs and
run records in the project, as any run does. Prints and writes JSON.

    python benchmarks/serve.py --project PATH --env test [--requests 200]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "09_predict_examples"
# The example inputs, and the catalog entry each predict pipeline reads them from.
INPUTS = {
    "wildfire": ("wildfire.new_readings", EXAMPLES / "wildfire_readings.csv"),
    "housing": ("housing.new_districts", EXAMPLES / "housing_districts.csv"),
    "fashion_mnist": ("fashion_mnist.new_images", EXAMPLES / "fashion_mnist_images"),
}
ENV = os.environ | {"KEDRO_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bodies(experiment: str) -> list[dict[str, Any]]:
    """One request body per example row (image): httpx keyword arguments."""
    _, source = INPUTS[experiment]
    if source.suffix == ".csv":
        return [{"json": [row]} for row in pd.read_csv(source).to_dict("records")]
    images = sorted(source.glob("*.png"))
    return [
        {"json": {"images": [{"name": path.stem, "data": _b64(path)}]}}
        for path in images
    ]


def batch_body(experiment: str) -> dict[str, Any]:
    """All example rows (images) in one request."""
    _, source = INPUTS[experiment]
    if source.suffix == ".csv":
        return {"json": pd.read_csv(source).to_dict("records")}
    images = sorted(source.glob("*.png"))
    return {"json": {"images": [{"name": p.stem, "data": _b64(p)} for p in images]}}


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def load(
    url: str, experiment: str, body_list: list[dict], requests: int, clients: int
) -> dict:
    """``requests`` requests from ``clients`` threads (own connections), cycling
    through ``body_list``: latency quantiles and items per second."""
    latencies: list[float] = []
    items = 0
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def client() -> None:
        nonlocal items
        with httpx.Client(base_url=url, timeout=300) as session:
            for index in counter:
                body = body_list[index % len(body_list)]
                started = time.perf_counter()
                response = session.post(f"/v1/{experiment}/predict", **body)
                elapsed = time.perf_counter() - started
                with lock:
                    if response.status_code != 200:
                        errors.append(response.text[:300])
                    latencies.append(elapsed)
                    items += len(response.json().get("predictions", []))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{experiment}: {len(errors)} failed requests: {errors[0]}")
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "clients": clients,
        "requests": len(latencies),
        "items": items,
        "p50_ms": round(cuts[49] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
        "items_per_second": round(items / wall, 2),
        "wall_seconds": round(wall, 3),
    }


def health_p50(url: str, requests: int) -> float:
    """Median milliseconds of ``GET /health``: the HTTP floor under any answer."""
    with httpx.Client(base_url=url, timeout=60) as session:
        latencies = []
        for _ in range(requests):
            started = time.perf_counter()
            session.get("/health").raise_for_status()
            latencies.append(time.perf_counter() - started)
    return round(statistics.median(latencies) * 1000, 2)


def predict_run(project: Path, env: str, experiment: str, rows: int | None) -> float:
    """Wall seconds of ``kedro run --pipeline=<experiment>_predict``, on the first
    ``rows`` example rows (images) or, with None, on all of them."""
    dataset, source = INPUTS[experiment]
    with tempfile.TemporaryDirectory() as folder:
        conf = Path(folder) / "conf"
        shutil.copytree(project / "conf", conf)
        (conf / env).mkdir(exist_ok=True)
        if source.suffix == ".csv":
            data = Path(folder) / "rows.csv"
            pd.read_csv(source).head(rows).to_csv(data, index=False)
            entry = {"type": "pandas.CSVDataset", "filepath": str(data)}
        else:
            data = Path(folder) / "images"
            data.mkdir()
            for path in sorted(source.glob("*.png"))[:rows]:
                shutil.copy(path, data / path.name)
            entry = {
                "type": "partitions.PartitionedDataset",
                "path": str(data),
                "dataset": "pillow.ImageDataset",
                "filename_suffix": ".png",
            }
        (conf / env / "catalog_benchmark_inputs.yml").write_text(
            yaml.safe_dump({dataset: entry})
        )
        command = [
            sys.executable, "-m", "kedro", "run", f"--env={env}",
            f"--pipeline={experiment}_predict", f"--conf-source={conf}",
        ]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(command, cwd=project, env=ENV, check=True, capture_output=True)
        return time.perf_counter() - started


def start_service(
    project: Path, env: str, extra: list[str]
) -> tuple[subprocess.Popen, str, float]:
    """The service in ``project``, once ``/health`` answers; its URL and start-up
    seconds."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    log = (project / "logs" / "benchmark_serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "dl_experiments.serve", f"--env={env}", f"--port={port}",
         "--reload-interval=0", *extra],
        cwd=project, env=ENV, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    while True:
        if process.poll() is not None:
            raise SystemExit(f"the service exited; see {log.name}")
        try:
            if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                return process, url, time.perf_counter() - started
        except httpx.TransportError:
            time.sleep(0.5)


def main() -> None:
    """Measure and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--env", default="local")
    parser.add_argument("--experiments", default="wildfire,housing,fashion_mnist")
    parser.add_argument("--requests", type=int, default=200, help="per measurement")
    parser.add_argument("--pipeline-repeats", type=int, default=3)
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    project = args.project.resolve()
    experiments = args.experiments.split(",")
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_before": round(os.getloadavg()[0], 2),
        "env": args.env,
        "access_log": not args.no_access_log,
        "experiments": {},
    }
    extra = ["--no-access-log"] if args.no_access_log else []
    process, url, startup = start_service(project, args.env, extra)
    report["service_startup_seconds"] = round(startup, 1)
    try:
        report["health_p50_ms"] = health_p50(url, args.requests)
        for experiment in experiments:
            singles = bodies(experiment)
            load(url, experiment, singles, 10, 1)  # warm-up: TensorFlow traces once
            report["experiments"][experiment] = {
                "examples": len(singles),
                "single": [
                    load(url, experiment, singles, args.requests, clients)
                    for clients in (1, 8)
                ],
                "batch": [
                    load(
                        url,
                        experiment,
                        [batch_body(experiment)],
                        max(4, args.requests // 10),
                        clients,
                    )
                    for clients in (1, 8)
                ],  # fmt: skip
            }
    finally:
        process.terminate()
        process.wait(timeout=60)
    for experiment in experiments:
        one = [
            predict_run(project, args.env, experiment, 1)
            for _ in range(args.pipeline_repeats)
        ]
        whole = [
            predict_run(project, args.env, experiment, None)
            for _ in range(args.pipeline_repeats)
        ]
        result = report["experiments"][experiment]
        examples = result["examples"]
        pipeline = {
            "one_row_seconds": [round(s, 2) for s in one],
            "all_rows_seconds": [round(s, 2) for s in whole],
            "items_per_second_one_row": round(1 / statistics.median(one), 3),
            "items_per_second_all_rows": round(examples / statistics.median(whole), 3),
        }
        result["predict_pipeline"] = pipeline
        single = result["single"][0]["items_per_second"]
        result["service_single_vs_pipeline_one_row"] = round(
            single / pipeline["items_per_second_one_row"], 1
        )
        result["service_single_vs_pipeline_all_rows"] = round(
            single / pipeline["items_per_second_all_rows"], 1
        )
    report["load_average_after"] = round(os.getloadavg()[0], 2)
    text = json.dumps(report, indent=2)
    if args.output:
        args.output.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
