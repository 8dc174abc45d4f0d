"""What the tests share besides fixtures, written once.

Saved artifact versions and the class names of the experiments; the project's
parameters as Kedro reads them; hostile inputs written into a project copy and
the check that a run rejects them; running a predict pipeline on a given table.
Fixtures live in the conftest files; test modules import from here, never from
each other.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from kedro.config import OmegaConfigLoader
from omegaconf import OmegaConf

import dl_experiments.pipelines
from tests.conftest import PROJECT_ROOT, run_kedro

EXPERIMENTS = ("wildfire", "housing", "fashion_mnist")
FASHION_MNIST_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


# Saved versions of an artifact: ``<artifact path>/<version>/<file name>``.


def versions(project: Path, artifact: str) -> list[str]:
    """The version folders (timestamps) of an artifact, oldest first; none if absent."""
    folder = project / artifact
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def version_files(project: Path, artifact: str) -> list[Path]:
    """The saved files of every version of an artifact, oldest first."""
    name = Path(artifact).name
    return [
        project / artifact / version / name for version in versions(project, artifact)
    ]


def latest(project: Path, artifact: str) -> Path:
    """The file of an artifact's latest version."""
    return version_files(project, artifact)[-1]


def latest_json(project: Path, artifact: str) -> Any:
    """The latest version of a JSON artifact, parsed."""
    return json.loads(latest(project, artifact).read_text())


def single_versions(project: Path, artifacts: list[str]) -> dict[str, Path]:
    """The one saved file of each artifact; fails for one saved never or twice."""
    found = {}
    for artifact in artifacts:
        files = version_files(project, artifact)
        assert len(files) == 1, f"{artifact}: {files}"
        found[artifact] = files[0]
    return found


# Runs in a project copy.


def trained_copy(
    project_factory: Callable[[str], Path], name: str, pipeline: str, **run_args: Any
) -> Path:
    """A session-long project copy ``name`` in which ``pipeline`` ran once in ``test``
    (``run_args`` as for ``session.run``: ``to_outputs``, ``tags``...)."""
    root = project_factory(name)
    run_kedro(root, pipeline, **run_args)
    return root


def kedro_cli(
    project: Path, *args: str, check: bool = True, **env: str
) -> subprocess.CompletedProcess:
    """``kedro <args>`` as a user types it, in the project copy, telemetry off and
    the output wide enough that messages are not wrapped (``env`` on top)."""
    return subprocess.run(
        [sys.executable, "-m", "kedro", *args],
        cwd=project,
        env=os.environ
        | {"COLUMNS": "400", "KEDRO_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}
        | env,
        capture_output=True,
        text=True,
        timeout=600,
        check=check,
    )


# The project's parameters, as ``kedro run`` reads them.


def load_parameters(env: str) -> dict[str, Any]:
    """The parameters of configuration environment ``env`` over ``base``."""
    loader = OmegaConfigLoader(
        str(PROJECT_ROOT / "conf"),
        base_env="base",
        default_run_env=env,
        merge_strategy={"parameters": "soft"},
    )
    return loader["parameters"]


def experiment_packages() -> list[str]:
    """The experiment pipeline packages present in the project."""
    names = {
        info.name for info in pkgutil.iter_modules(dl_experiments.pipelines.__path__)
    }
    return [name for name in EXPERIMENTS if name in names]


def with_override(params: dict, dotted: str, value: Any) -> dict:
    """A deep copy of ``params`` with one dotted key set (added when absent)."""
    changed = copy.deepcopy(params)
    *parents, leaf = dotted.split(".")
    node = changed
    for key in parents:
        node = node[key]
    node[leaf] = value
    return changed


def nested(dotted: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` -> ``{"a": {"b": 1}}``, as ``kedro run --params`` does."""
    dotlist = [f"{key}={value}" for key, value in dotted.items()]
    return OmegaConf.to_container(OmegaConf.from_dotlist(dotlist))


# Hostile inputs: generated per test from the shipped data, never committed.


def derived_files(project: Path) -> list[str]:
    """Every file runs have written under data/ (the linked raw inputs excluded).

    Run records (``data/runs``) are not artifacts: a rejected run's record, marked
    ``failed``, stays so that ``python -m dl_experiments.runs list`` shows it.
    """
    data = project / "data"
    return sorted(
        str(path.relative_to(project))
        for layer in data.iterdir()
        if not layer.is_symlink() and layer.name != "runs"
        for path in layer.rglob("*")
        if path.is_file()
    )


def snapshot(project: Path) -> dict[str, str]:
    """``{file: sha256}`` of everything runs have written in ``project``."""
    return {
        name: hashlib.sha256((project / name).read_bytes()).hexdigest()
        for name in derived_files(project)
    }


def point_catalog(project: Path, dataset: str, entry: dict) -> None:
    """Override one catalog entry in the project copy's ``test`` environment."""
    path = project / "conf" / "test" / f"catalog_{dataset.replace('.', '_')}.yml"
    path.write_text(yaml.safe_dump({dataset: entry}))


def write_input(
    project: Path,
    dataset: str,
    content: bytes | pd.DataFrame | None,
    name: str,
    entry: dict[str, Any],
) -> Path:
    """Write ``content`` as ``hostile/<name>`` and point catalog entry ``dataset``
    (``entry`` plus the file path) at it; returns the path.

    A frame is written as CSV or, for a ``.parquet`` name, as parquet; bytes as they
    are; ``None`` writes nothing, so the catalog points at a file that does not exist.
    """
    path = project / "hostile" / name
    path.parent.mkdir(exist_ok=True)
    if isinstance(content, pd.DataFrame):
        if path.suffix == ".parquet":
            content.to_parquet(path, index=False)
        else:
            content.to_csv(path, index=False)
    elif content is not None:
        path.write_bytes(content)
    point_catalog(project, dataset, {**entry, "filepath": str(path)})
    return path


def write_sensor_csv(
    project: Path,
    content: bytes | pd.DataFrame | None,
    name: str = "readings.csv",
    **load_args: object,
) -> Path:
    """Write bytes (or a frame) as the wildfire sensor CSV the project copy reads."""
    entry = {
        "type": "pandas.CSVDataset",
        "load_args": {"sep": ",", "encoding": "utf-8", **load_args},
    }
    return write_input(project, "wildfire.sensor_readings", content, name, entry)


def with_value(
    frame: pd.DataFrame, column: str, row: int, value: object
) -> pd.DataFrame:
    """A copy of ``frame`` with one cell replaced (the column turns to text if need be)."""
    broken = frame.astype({column: object}).copy()
    broken.loc[row, column] = value
    return broken


def assert_rejected(
    project: Path,
    pipeline: str,
    error: type[Exception],
    *words: str,
    params: dict[str, Any] | None = None,
) -> str:
    """Run ``pipeline`` (with dotted ``params``) on a hostile input and return the
    error's message, after checking that it says every one of ``words`` and that
    the run left no version of anything behind."""
    with pytest.raises(error) as raised:
        run_kedro(project, pipeline, params=nested(params or {}))
    message = str(raised.value)
    for word in words:
        assert word in message, f"{word!r} not in:\n{message}"
    assert derived_files(project) == [], "a rejected run left versions behind"
    return message


# Running a predict pipeline on a given table.


def predict_artifacts(experiment: str) -> tuple[str, str, str, str]:
    """The model a predict pipeline reads and the predictions, rejected rows and
    summary it writes, as paths in a project."""
    return (
        f"data/06_models/{experiment}/model.keras",
        f"data/07_model_output/{experiment}/predictions.csv",
        f"data/07_model_output/{experiment}/prediction_rejects.csv",
        f"data/08_reporting/{experiment}/prediction_summary.json",
    )


def held_out_rows_as_new_data(
    project: Path, experiment: str, raw: pd.DataFrame, target: str, id_column: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The test split's rows of the ``raw`` table as new data (no ``target``; ids
    ``raw-<row id>`` in ``id_column``) and the evaluation step's predictions of them."""
    test_set = pd.read_parquet(
        latest(project, f"data/05_model_input/{experiment}/test_set.parquet")
    )
    evaluated = pd.read_parquet(
        latest(project, f"data/07_model_output/{experiment}/test_predictions.parquet")
    )
    table = raw.loc[test_set.index].drop(columns=target)
    table.insert(0, id_column, [f"raw-{row_id}" for row_id in test_set.index])
    return table, evaluated.loc[test_set.index]


def use_catalog(project: Path, env: str, entries: dict[str, dict]) -> str:
    """A configuration environment ``env`` in ``project``: the ``test`` one plus
    catalog ``entries`` (paths relative to the project); returns its name."""
    folder = project / "conf" / env
    shutil.copytree(project / "conf" / "test", folder, dirs_exist_ok=True)
    (folder / "catalog_inputs_override.yml").write_text(yaml.safe_dump(entries))
    return env


def score_table(
    project: Path,
    table: pd.DataFrame,
    env: str,
    *,
    pipeline: str,
    dataset: str,
    **run_args: Any,
) -> None:
    """Run ``pipeline`` on ``table``, written as a CSV, through a configuration
    environment ``env`` that points the catalog entry ``dataset`` at it."""
    (project / "inputs").mkdir(exist_ok=True)
    table.to_csv(project / "inputs" / f"{env}.csv", index=False)
    entry = {"type": "pandas.CSVDataset", "filepath": f"inputs/{env}.csv"}
    run_kedro(
        project, pipeline, env=use_catalog(project, env, {dataset: entry}), **run_args
    )


# -- a user's own data in a conf/<env> of a project copy (docs/own_data.md) -----

OWN_DATA_GUIDE = Path(__file__).resolve().parents[1] / "docs" / "own_data.md"
_CONF_BLOCK = re.compile(
    r"```yaml\n# conf/local/(?P<file>\S+)\n(?P<body>.*?)```", re.DOTALL
)


def guide_section(heading: str, guide: Path = OWN_DATA_GUIDE) -> dict[str, str]:
    """``{file name: YAML}`` of the ``# conf/local/<file>`` blocks under one
    ``## <heading>`` of a guide, as a user copies them."""
    text = guide.read_text()
    start = text.index(f"## {heading}")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end > 0 else None]
    return {m["file"]: m["body"] for m in _CONF_BLOCK.finditer(section)}


def conf_digest(project: Path) -> str:
    """A digest of every file under the project's conf/base."""
    digest = hashlib.sha256()
    for path in sorted((project / "conf/base").rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def own_raw_folder(project: Path) -> Path:
    """The copy's data/01_raw as a folder of its own (links to the shipped files),
    so that a test's own data never lands in the working tree's data/01_raw."""
    raw = project / "data" / "01_raw"
    shipped = raw.resolve()
    raw.unlink()
    raw.mkdir()
    for entry in shipped.iterdir():
        (raw / entry.name).symlink_to(entry)
    return raw
