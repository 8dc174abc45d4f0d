"""The Kedro internals the project relies on (``dl_experiments.kedro_internals``).

Each test fails loudly, naming what moved, when a Kedro upgrade changes one of
them: the parameter validator the project's context swaps in, and the attributes
of versioned datasets the hooks read.
"""

from __future__ import annotations

import inspect

import pytest
from kedro.framework.context import KedroContext
from kedro.io import DataCatalog, Version
from kedro.validation import parameter_validator
from kedro_datasets.json import JSONDataset

from dl_experiments.config import MLPConfig, TabularClassification, TrainingConfig
from dl_experiments.kedro_internals import (
    ExperimentContext,
    clear_version_cache,
    dataset_filepath,
    dataset_metadata,
    experiment_model,
    filesystem,
    is_versioned,
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
