"""W&B tracking: real offline runs of the wildfire pipeline, read back from disk."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from kedro.framework.startup import bootstrap_project

from dl_experiments.validation import DataValidationError
from tests.conftest import run_kedro
from tests.helpers import version_files
from tests.tracking.wandb_records import (
    OfflineRun,
    OfflineRunError,
    find_offline_runs,
    iter_records,
    read_offline_run,
)

pytestmark = pytest.mark.e2e

FAKE_KEY = "f" * 40
FIGURES = [
    "training_history",
    "network",
    "confusion_matrix",
    "roc_pr_curves",
    "threshold_calibration",
]


def write_tracking_conf(project: Path, text: str) -> None:
    (project / "conf/test/wandb.yml").write_text(text)


def runs_of(project: Path) -> list[OfflineRun]:
    return [read_offline_run(path) for path in find_offline_runs(project / "wandb")]


@pytest.fixture(scope="module")
def tracked(project_factory) -> tuple[Path, OfflineRun, dict]:
    """One offline-tracked wildfire run: the file says disabled, WANDB_MODE wins."""
    project = project_factory("tracked")
    write_tracking_conf(project, "mode: disabled\nlog_model: true\ntags: [nightly]\n")
    (project / "conf/test/credentials.yml").write_text(f"wandb:\n  api_key: {FAKE_KEY}\n")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WANDB_MODE", "offline")
        run_kedro(project, "wildfire")
    (run,) = runs_of(project)
    (history_file,) = version_files(
        project, "data/07_model_output/wildfire/training_history.json"
    )
    history = json.loads(history_file.read_text())
    return project, run, history


def test_offline_run_is_named_grouped_and_closed(tracked):
    project, run, _ = tracked
    (model_version,) = (
        path.name for path in (project / "data/06_models/wildfire/model.keras").iterdir()
    )
    assert run.finished and run.exit_code == 0
    assert run.group == model_version  # the Kedro run id, also the datasets' version
    assert run.name == f"wildfire-{model_version}"
    assert run.project == "dl_experiments"
    assert {"wildfire", "nightly"} <= set(run.tags)


def test_config_holds_flattened_parameters_and_dataset_versions(tracked):
    project, run, _ = tracked
    assert run.config["training.epochs"] == 3  # conf/test over conf/base
    assert run.config["training.optimizer"] == "adam"
    assert run.config["seed"] == 42
    assert run.config["model.hidden_units"] == [32, 16]
    assert run.config["kedro.env"] == "test"
    assert run.config["kedro.pipeline"] == "wildfire"
    for dataset in ("model", "metrics", "test_predictions", "confusion_matrix_plot"):
        assert run.config[f"kedro.saved_version.wildfire.{dataset}"] == run.group, dataset


def test_every_epoch_is_logged_as_keras_reported_it(tracked):
    _, run, history = tracked
    epochs = history["epochs_run"]
    assert run.curve("epoch/epoch") == list(range(epochs))
    for key in ("loss", "val_loss", "accuracy", "val_accuracy", "auc", "val_auc"):
        assert run.curve(f"epoch/{key}") == pytest.approx(history["history"][key]), key
    assert len(run.curve("epoch/learning_rate")) == epochs
    assert run.summary["training/epochs_run"] == epochs


def test_metrics_json_is_the_run_summary(tracked):
    project, run, _ = tracked
    (metrics_file,) = version_files(project, "data/08_reporting/wildfire/metrics.json")
    metrics = json.loads(metrics_file.read_text())
    assert run.summary["model/accuracy"] == metrics["model"]["accuracy"]
    assert run.summary["model/roc_auc"] == metrics["model"]["roc_auc"]
    logistic = metrics["baselines"]["logistic_regression"]
    assert run.summary["baselines/logistic_regression/f1"] == logistic["f1"]
    cv_auc = metrics["cross_validation"]["models"]["mlp"]["roc_auc"]["mean"]
    assert run.summary["cross_validation/models/mlp/roc_auc/mean"] == cv_auc


def test_every_figure_is_logged_as_an_image(tracked):
    _, run, _ = tracked
    for figure in FIGURES:
        image = run.summary[f"figures/{figure}"]
        assert image["_type"] == "image-file", figure
        assert image["path"] in run.files
        png = run.path / "files" / image["path"]
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", figure
        assert image["width"] > 100 and image["height"] > 100


def test_classification_charts_are_native_wandb_charts(tracked):
    _, run, _ = tracked
    panels = run.config["_wandb"]["visualize"]
    assert panels["charts/confusion_matrix"]["panel_config"]["panelDefId"].startswith(
        "wandb/confusion_matrix"
    )
    for chart in ("charts/roc_curve", "charts/pr_curve"):
        assert panels[chart]["panel_config"]["panelDefId"].startswith(
            "wandb/area-under-curve"
        )
    table = json.loads(
        (run.path / "files" / run.summary["charts/confusion_matrix_table"]["path"])
        .read_text()
    )
    test_rows = sum(row[-1] for row in table["data"])
    assert test_rows == run.summary["model/n_samples"]


def test_model_is_logged_as_an_artifact(tracked):
    _, run, _ = tracked
    assert {"name": "wildfire-model", "type": "model"} in run.artifacts


def assert_key_not_written(folder: Path) -> None:
    files = [path for path in folder.rglob("*") if path.is_file()]
    assert files, f"nothing written under {folder}"
    for path in files:
        assert FAKE_KEY.encode() not in path.read_bytes(), path


def test_api_key_is_never_written(tracked):
    project, _, _ = tracked
    assert_key_not_written(project / "wandb")


def test_reader_rejects_a_corrupted_run_log(tracked, tmp_path):
    _, run, _ = tracked
    (log,) = run.path.glob("*.wandb")
    data = bytearray(log.read_bytes())
    assert sum(1 for _ in iter_records(log)) > 10
    data[100] ^= 0xFF
    broken = tmp_path / "broken.wandb"
    broken.write_bytes(bytes(data))
    with pytest.raises(OfflineRunError, match="checksum"):
        list(iter_records(broken))
    broken.write_bytes(b"not a run log")
    with pytest.raises(OfflineRunError, match="header"):
        list(iter_records(broken))


@pytest.mark.parametrize(
    ("conf", "variables"),
    [
        ("mode: disabled\n", {}),  # conf/test's own setting
        ("mode: offline\npipelines: [housing]\n", {}),  # wildfire not tracked
        ("mode: offline\n", {"WANDB_MODE": "disabled"}),
        ("mode: offline\n", {"WANDB_DISABLED": "true"}),
    ],
    ids=["file-disabled", "pipeline-not-listed", "WANDB_MODE", "WANDB_DISABLED"],
)
def test_untracked_runs_write_nothing(project, monkeypatch, conf, variables):
    write_tracking_conf(project, conf)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    outputs = run_kedro(project, "wildfire", tags=["ingestion"])
    assert "wildfire.validated_readings" in outputs
    assert not (project / "wandb").exists()
    assert not any(project.rglob("*.wandb"))


def test_failing_node_leaves_the_run_closed_as_failed(project):
    write_tracking_conf(project, "mode: offline\n")
    with pytest.raises(DataValidationError):
        run_kedro(
            project,
            "wildfire",
            params={"wildfire": {"data": {"schema": {"min_rows": 10_000}}}},
        )
    (run,) = runs_of(project)
    assert run.finished and run.exit_code == 1
    assert "validate_sensor_readings" in run.summary["error"]
    assert "DataValidationError" in run.summary["error"]


class _RejectEveryKey(BaseHTTPRequestHandler):
    """A W&B server stand-in on the loopback address that refuses every API key."""

    def _refuse(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"errors": [{"message": "user is not logged in"}]}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _refuse

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def refusing_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RejectEveryKey)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def tracking_warnings(project: Path) -> Iterator[list[str]]:
    """Warnings of the tracking code during a run in ``project``."""
    # Bootstrapping configures the package's logging (clearing handlers on its
    # loggers), so it comes first.
    bootstrap_project(project)
    handler = _Collect()
    tracking_logger = logging.getLogger("dl_experiments.hooks.tracking")
    tracking_logger.addHandler(handler)
    yield handler.messages
    tracking_logger.removeHandler(handler)


def test_a_rejected_key_online_does_not_stop_the_kedro_run(
    project, monkeypatch, tracking_warnings, refusing_server
):
    write_tracking_conf(project, "mode: online\ninit_timeout: 30\n")
    monkeypatch.setenv("WANDB_BASE_URL", refusing_server)
    monkeypatch.setenv("WANDB_API_KEY", FAKE_KEY)
    outputs = run_kedro(project, "wildfire", tags=["ingestion"])
    assert "wildfire.validated_readings" in outputs
    warnings = "\n".join(tracking_warnings)
    assert "W&B tracking of 'wildfire' FAILED while starting the run" in warnings
    assert "not logged in" in warnings  # the server's answer, passed on
    assert "W&B tracking failed for 'wildfire'" in warnings  # repeated at the end
    assert FAKE_KEY not in warnings
    assert_key_not_written(project / "wandb")  # W&B's local copy of the run


def test_an_unwritable_tracking_folder_does_not_stop_the_kedro_run(
    project, tracking_warnings
):
    (project / "blocked").write_text("a file where the tracking folder should be")
    write_tracking_conf(project, "mode: offline\ndir: blocked/runs\n")
    outputs = run_kedro(project, "wildfire", tags=["ingestion"])
    assert "wildfire.validated_readings" in outputs
    warnings = "\n".join(tracking_warnings)
    assert "W&B tracking of 'wildfire' FAILED while starting the run" in warnings
    assert "Not a directory" in warnings
