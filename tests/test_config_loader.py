"""The project's config loader: soft-merged parameters, `_replace` for whole subtrees."""

from __future__ import annotations

import pytest
import yaml

from dl_experiments.config_loader import ParameterReplaceError, ProjectConfigLoader

BASE = {
    "wildfire": {
        "seed": 42,
        "data": {"schema": {"columns": {"X": {"min": 1}, "area": {"min": 0}}}},
        "target": {"column": "area", "greater_than": 0},
        "training": {"epochs": 300, "batch_size": 32},
    }
}


def load(tmp_path, env: dict, env_name: str = "mine") -> dict:
    files = [("base", BASE)] + ([(env_name, env)] if env_name != "base" else [])
    for name, content in files:
        folder = tmp_path / "conf" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "parameters.yml").write_text(yaml.safe_dump(content))
    loader = ProjectConfigLoader(
        conf_source=str(tmp_path / "conf"),
        env=env_name,
        base_env="base",
        default_run_env="local",
        merge_strategy={"parameters": "soft"},
    )
    return loader["parameters"]


def test_environment_keys_soft_merge_without_replace(tmp_path):
    params = load(tmp_path, {"wildfire": {"training": {"epochs": 3}}})
    assert params["wildfire"]["training"] == {"epochs": 3, "batch_size": 32}
    assert params["wildfire"]["target"] == {"column": "area", "greater_than": 0}


def test_listed_subtrees_replace_the_base_ones_whole(tmp_path):
    params = load(
        tmp_path,
        {
            "wildfire": {
                "_replace": ["data", "target"],
                "data": {"schema": {"columns": {"status": {"type": "categorical"}}}},
                "target": {"column": "status", "positive_value": "fire"},
                "training": {"epochs": 3},
            }
        },
    )
    tree = params["wildfire"]
    assert tree["data"] == {"schema": {"columns": {"status": {"type": "categorical"}}}}
    assert tree["target"] == {"column": "status", "positive_value": "fire"}
    assert tree["training"] == {"epochs": 3, "batch_size": 32}  # still soft-merged
    assert tree["seed"] == 42
    assert "_replace" not in tree


def test_replace_works_at_any_depth(tmp_path):
    params = load(
        tmp_path,
        {
            "wildfire": {
                "data": {"schema": {"_replace": ["columns"], "columns": {"a": {}}}}
            }
        },
    )
    assert params["wildfire"]["data"]["schema"] == {"columns": {"a": {}}}


def test_replace_of_a_key_not_given_names_it_and_the_file(tmp_path):
    with pytest.raises(
        ParameterReplaceError, match=r"wildfire\._replace .*mine.*\['target'\]"
    ):
        load(tmp_path, {"wildfire": {"_replace": ["target"], "seed": 1}})


def test_replace_must_list_key_names(tmp_path):
    with pytest.raises(ParameterReplaceError, match="expected a list of key names"):
        load(tmp_path, {"wildfire": {"_replace": {"target": True}, "target": {}}})


def test_replace_in_base_alone_is_removed(tmp_path):
    BASE["wildfire"]["_replace"] = ["seed"]
    try:
        params = load(tmp_path, {}, env_name="base")
    finally:
        del BASE["wildfire"]["_replace"]
    assert "_replace" not in params["wildfire"]
