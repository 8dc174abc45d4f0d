"""How long listing the pipelines takes, against importing TensorFlow alone.

Both are measured back to back, alternating, in fresh processes on the same
machine, so the ratio holds on a shared machine where absolute times do not.

    python benchmarks/startup.py [--repeats 5] [--output benchmarks/startup.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "kedro_registry_list": [sys.executable, "-m", "kedro", "registry", "list"],
    "import_tensorflow": [sys.executable, "-c", "import tensorflow"],
}


def seconds(command: list[str]) -> float:
    """Wall time of one fresh process running ``command`` in the project."""
    env = os.environ | {"KEDRO_DISABLE_TELEMETRY": "true", "TF_CPP_MIN_LOG_LEVEL": "3"}
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks/startup.json")
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeats):
        for name, command in COMMANDS.items():
            times[name].append(round(seconds(command), 3))
    medians = {name: statistics.median(values) for name, values in times.items()}
    result = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_before": os.getloadavg()[0],
        "seconds": times,
        "median_seconds": medians,
        "ratio_registry_to_tensorflow": round(
            medians["kedro_registry_list"] / medians["import_tensorflow"], 3
        ),
    }
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
