"""The Kedro internals the project relies on (``dl_experiments.kedro_internals``).

Each test fails loudly, naming what moved, when a Kedro upgrade changes one of
them: the parameter validator the project's context swaps in, and the attributes
of versioned datasets the hooks read.
"""

from __future__ import annotations

import inspect

import pytest
from kedro.config import OmegaConfigLoader
from kedro.framework.context import KedroContext
from kedro.io import DataCatalog, DatasetError, MemoryDataset, Version
from kedro.validation import parameter_validator
from kedro_datasets.json import JSONDataset

from dl_experiments.config import MLPConfig, TabularClassification, TrainingConfig
from dl_experiments.kedro_internals import (
    MISSING,
    ExperimentContext,
    KeptMemoryDataset,
    MergeStepConfigLoader,
    built_datasets,
    catalog_save_version,
    clear_version_cache,
    dataset_filepath,
    dataset_metadata,
    experiment_model,
    filesystem,
    is_versioned,
    part_of,
    save_version,
    saved_versions,
    validate_parameters,
    version_folder,
)
from dl_experiments.validation import ParameterValidationError
from tests.helpers import load_parameters


def test_kedro_still_builds_its_validator_where_the_context_swaps_it():
    source = inspect.getsource(KedroContext._get_validated_params)
    assert "from kedro.validation.parameter_validator import ParameterValidator" in source
    assert "validate_raw_params" in source
    assert "_apply_validation(raw_params, requirements)" in inspect.getsource(
        parameter_validator.ParameterValidator.validate_raw_params
    )
    assert list(
        inspect.signature(parameter_validator.ParameterValidator._apply_validation).parameters
    ) == ["self", "raw_params", "requirements"]
    assert issubclass(ExperimentContext, KedroContext)


def test_a_typed_part_of_a_typed_tree_is_validated_once_with_the_tree():
    raw = {"wildfire": load_parameters("base")["wildfire"]}
    requirements = {
        "wildfire.training": TrainingConfig,
        "wildfire": TabularClassification,
        "wildfire.model": MLPConfig,
    }
    validated = validate_parameters(raw, requirements)
    tree = validated["wildfire"]
    assert isinstance(tree, TabularClassification)
    assert isinstance(tree.training, TrainingConfig)
    assert raw["wildfire"]["training"]["epochs"] == tree.training.epochs


def test_every_problem_names_the_parameter_value_and_rule():
    raw = {"wildfire": load_parameters("base")["wildfire"]}
    raw["wildfire"]["training"]["epochs"] = 0
    raw["wildfire"]["model"]["dropout"] = -1
    with pytest.raises(ParameterValidationError) as raised:
        validate_parameters(raw, {"wildfire": TabularClassification})
    assert raised.value.problems == [
        "wildfire.model.dropout = -1: Input should be greater than or equal to 0",
        "wildfire.training.epochs = 0: Input should be greater than 0",
    ]


def test_a_part_the_tree_types_otherwise_is_a_clear_error():
    raw = {"wildfire": load_parameters("base")["wildfire"]}
    with pytest.raises(ParameterValidationError, match="takes it as MLPConfig"):
        validate_parameters(
            raw, {"wildfire": TabularClassification, "wildfire.training": MLPConfig}
        )


def test_each_experiment_declares_the_model_of_its_whole_tree():
    assert experiment_model("wildfire") is TabularClassification
    assert experiment_model("housing").__name__ == "TabularRegression"
    assert experiment_model("fashion_mnist").__name__ == "ImageClassification"
    assert experiment_model("no_such_experiment") is None


def test_versioned_dataset_attributes(tmp_path):
    path = tmp_path / "metrics.json"
    dataset = JSONDataset(
        filepath=str(path),
        version=Version(None, "2026-01-01T00.00.00.000Z"),
        metadata={"wandb": "summary"},
    )
    assert is_versioned(dataset)
    assert save_version(dataset) == "2026-01-01T00.00.00.000Z"
    dataset.save({"a": 1})
    folder = version_folder(dataset, "2026-01-01T00.00.00.000Z")
    assert filesystem(dataset).exists(folder)
    assert dataset_filepath(dataset) == str(path)
    assert saved_versions(dataset) == ["2026-01-01T00.00.00.000Z"]
    filesystem(dataset).rm(folder, recursive=True)
    clear_version_cache(dataset)
    assert saved_versions(dataset) == []
    catalog = DataCatalog({"m": dataset})
    assert dataset_metadata(catalog, "m") == {"wandb": "summary"}
    assert dataset_metadata(catalog, "missing") == {}
    assert not is_versioned(JSONDataset(filepath=str(path)))


def test_the_config_loader_merge_step_is_where_kedro_merges_an_environment(tmp_path):
    assert list(inspect.signature(OmegaConfigLoader._merge_configs).parameters) == [
        "self",
        "config",
        "env_config",
        "key",
        "env_path",
    ]
    for env in ("base", "local"):
        (tmp_path / env).mkdir()
    (tmp_path / "base" / "parameters.yml").write_text("a: {b: 1, c: 2}\n")
    (tmp_path / "local" / "parameters.yml").write_text("a: {b: 3}\n")
    seen = []

    class Loader(MergeStepConfigLoader):
        def before_merge(self, config, env_config, key, env_path):
            seen.append((key, dict(config), dict(env_config)))

    loader = Loader(
        str(tmp_path),
        base_env="base",
        default_run_env="local",
        merge_strategy={"parameters": "soft"},
    )
    assert loader["parameters"] == {"a": {"b": 3, "c": 2}}
    assert ("parameters", {"a": {"b": 1, "c": 2}}, {"a": {"b": 3}}) in seen


def test_the_catalog_built_datasets_and_save_version(tmp_path):
    dataset = JSONDataset(filepath=str(tmp_path / "m.json"))
    catalog = DataCatalog.from_config(
        {"lazy": {"type": "json.JSONDataset", "filepath": str(tmp_path / "l.json")}},
        save_version="2026-01-01T00.00.00.000Z",
    )
    catalog["built"] = dataset
    assert built_datasets(catalog) == [dataset]  # the lazy one is not built
    assert catalog_save_version(catalog) == "2026-01-01T00.00.00.000Z"
    assert catalog.to_config()[3] == catalog_save_version(catalog)


def test_a_kept_memory_dataset_survives_the_runner_releasing_it():
    assert "self._release()" in inspect.getsource(MemoryDataset.release)
    kept, plain = KeptMemoryDataset(copy_mode="assign"), MemoryDataset()
    kept.save([1])
    plain.save([1])
    kept.release()
    plain.release()
    assert kept.load() == [1]
    with pytest.raises(DatasetError):
        plain.load()


def test_missing_is_the_value_kedro_resolves_for_an_absent_parameter():
    from kedro.validation.utils import resolve_nested_dict_path  # noqa: PLC0415

    assert resolve_nested_dict_path({"a": {}}, "a.b") is MISSING
    assert part_of({"a": {}}, ["a", "b"]) is MISSING
