"""wandb.yml, W&B's environment variables over it, and where the API key comes from."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dl_experiments.tracking.config import api_key, load_tracking_config
from dl_experiments.validation import ParameterValidationError

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def base_conf() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "conf/base/wandb.yml").read_text())


def test_base_configuration_is_offline_inside_the_project():
    config = load_tracking_config(base_conf(), {})
    assert config.mode == "offline"
    assert config.tracks("wildfire") and config.tracks("housing")
    assert config.run_dir(Path("/project")) == Path("/project")  # -> /project/wandb/


def test_test_environment_tracks_nothing():
    test_conf = yaml.safe_load((PROJECT_ROOT / "conf/test/wandb.yml").read_text())
    config = load_tracking_config(base_conf() | test_conf, {})
    assert config.mode == "disabled"
    assert not config.tracks("wildfire")


@pytest.mark.parametrize(
    ("variables", "field", "expected"),
    [
        ({"WANDB_MODE": "online"}, "mode", "online"),
        ({"WANDB_MODE": "Disabled"}, "mode", "disabled"),
        ({"WANDB_DISABLED": "true"}, "mode", "disabled"),
        ({"WANDB_PROJECT": "other"}, "project", "other"),
        ({"WANDB_ENTITY": "team"}, "entity", "team"),
        ({"WANDB_BASE_URL": "https://wandb.example.org"}, "base_url", "https://wandb.example.org"),
        ({"WANDB_TAGS": "nightly, gpu"}, "tags", ["nightly", "gpu"]),
        ({"WANDB_INIT_TIMEOUT": "5"}, "init_timeout", 5.0),
    ],
)
def test_wandb_variables_override_the_file(variables, field, expected):
    config = load_tracking_config(base_conf(), variables)
    assert getattr(config, field) == expected


def test_pipelines_switch_selects_experiments():
    config = load_tracking_config({"pipelines": ["housing"]}, {})
    assert config.tracks("housing")
    assert not config.tracks("wildfire")


def test_relative_and_absolute_folders():
    relative = load_tracking_config({"dir": "data/tracking"}, {})
    assert relative.run_dir(Path("/project")) == Path("/project/data/tracking")
    absolute = load_tracking_config({}, {"WANDB_DIR": "/scratch/runs"})
    assert absolute.run_dir(Path("/project")) == Path("/scratch/runs")


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ({"mode": "cloud"}, "wandb.yml.mode = 'cloud'"),
        ({"log_models": True}, "wandb.yml.log_models: unknown parameter"),
        ({"init_timeout": 0}, "wandb.yml.init_timeout = 0"),
    ],
)
def test_a_bad_file_names_the_field(conf, message):
    with pytest.raises(ParameterValidationError) as caught:
        load_tracking_config(conf, {})
    assert message in str(caught.value)


def test_api_key_from_environment_first_then_credentials():
    credentials = {"wandb": {"api_key": "from-credentials"}}
    assert api_key(credentials, {"WANDB_API_KEY": "from-env"}) == "from-env"
    assert api_key(credentials, {}) == "from-credentials"
    assert api_key({}, {}) is None
    assert api_key({"wandb": None}, {}) is None

