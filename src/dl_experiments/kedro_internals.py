"""The few places where the project relies on Kedro's internals, in one module.

- Parameter validation: Kedro 1.7 instantiates the pydantic model a node argument
  is annotated with (``kedro.validation``). The project types each experiment's
  whole tree on one node and its parts on the others, so ``params:wildfire`` and
  ``params:wildfire.training`` are both typed; Kedro would validate both from the
  raw dict and then fail to write the part into the already-built tree.
  ``ExperimentContext`` keeps Kedro's mechanism (its type extraction, caching and
  scoping to the pipelines run) and changes one step: a typed key inside a typed
  tree is validated as part of the tree, and every problem is reported at once as
  ``<experiment>.<field> = <value>: <what was expected>``.
- Versioned datasets: the folder a run saved into, the versions on disk, the
  version cache, the file behind a dataset, and dataset metadata.
- The catalog: the datasets it has built and the version it saves under (the run
  id), which ``runs.catalog`` needs to resolve "latest" to complete runs.
- The configuration loader: the step where an environment's parameters are merged
  over ``conf/base`` (``config_loader``'s whole-subtree replacement).
- In-memory slices of a pipeline (``studies.experiment``): a memory dataset the
  runner does not empty, and the sentinel Kedro's validation uses for "no value".

Each use of a private Kedro name is commented with the reason there is no public
way. ``tests/test_kedro_internals.py`` fails loudly when a Kedro upgrade changes
any of these.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from typing import Any

from kedro.config import OmegaConfigLoader
from kedro.framework.context import KedroContext
from kedro.io import AbstractVersionedDataset, DataCatalog, MemoryDataset
from kedro.validation import parameter_validator
from kedro.validation.model_factory import instantiate_model
from kedro.validation.type_extractor import TypeExtractor
from kedro.validation.utils import (
    # Private: _MISSING, _is_optional, _unwrap_optional. Reason: the tree-first
    # validation below repeats one step of Kedro's validator with Kedro's own
    # notion of a missing value and of an optional type, which it does not export.
    _MISSING,
    _is_optional,
    _unwrap_optional,
    is_pydantic_class,
    resolve_nested_dict_path,
    set_nested_dict_value,
)

from dl_experiments.config.base import ParameterValidationError, parse_params

# The value ``part_of`` returns for a parameter that is not there (Kedro's own
# sentinel, so that it compares with what ``resolve_nested_dict_path`` returns).
MISSING = _MISSING


def part_of(tree: Any, path: list[str]) -> Any:
    """``tree.a.b`` for ``path == ["a", "b"]``, through models and dicts, as Kedro
    names a typed tree's parts (``params:a.b``); ``_MISSING`` if there is none."""
    for key in path:
        tree = (
            tree.get(key, _MISSING)
            if isinstance(tree, dict)
            else getattr(tree, key, _MISSING)
        )
        if tree is _MISSING:
            return _MISSING
    return tree


def validate_parameters(raw: dict[str, Any], requirements: dict[str, type]) -> dict:
    """``raw`` with every typed key replaced by its validated model.

    Trees first: a key under another typed key is not validated twice but must be,
    in the validated tree, an instance of the type its node asks for.
    """
    covered = {
        key: ancestor
        for key in requirements
        for ancestor in requirements
        if key.startswith(f"{ancestor}.")
    }
    result = copy.deepcopy(raw)
    problems: list[str] = []
    failed: set[str] = set()
    for key in sorted(set(requirements) - set(covered), key=lambda k: k.count(".")):
        expected = requirements[key]
        value = resolve_nested_dict_path(raw, key)
        if value is _MISSING or (value is None and _is_optional(expected)):
            continue  # a missing input is reported by the runner, by name
        model = _unwrap_optional(expected)
        try:
            if is_pydantic_class(model):
                validated = parse_params(model, value, key)
            else:
                validated = instantiate_model(key, value, model)
        except ParameterValidationError as error:
            problems += error.problems
            failed.add(key)
            continue
        except Exception as error:  # noqa: BLE001 - reported with the others
            problems.append(f"{key}: {error}")
            failed.add(key)
            continue
        set_nested_dict_value(result, key, validated)
    for key, ancestor in sorted(covered.items()):
        if any(key.startswith(f"{name}.") or key == name for name in failed):
            continue
        wanted = _unwrap_optional(requirements[key])
        part = part_of(result, key.split("."))
        if part is _MISSING or (part is None and _is_optional(requirements[key])):
            continue
        if not isinstance(part, wanted):
            problems.append(
                f"{key}: a node takes it as {wanted.__name__}, but the model of "
                f"'{ancestor}' makes it a {type(part).__name__}"
            )
    if problems:
        names = sorted({problem.split(".")[0].split(":")[0] for problem in problems})
        raise ParameterValidationError(", ".join(names), problems)
    return result


def parameter_types(pipeline: Any) -> dict[str, type]:
    """``{parameter key: model}`` for every typed ``params:`` input of a pipeline,
    e.g. ``{"wildfire": TabularClassification, "wildfire.training": ...}``."""
    return TypeExtractor({"pipeline": pipeline}).extract_types_from_pipelines()


def experiment_model(name: str) -> type | None:
    """The model of experiment ``name``'s whole parameter tree (``params:<name>``),
    as its pipeline's nodes declare it; None if there is no such experiment."""
    try:
        package = importlib.import_module(f"dl_experiments.pipelines.{name}")
    except ModuleNotFoundError:
        return None
    return parameter_types(package.create_pipeline()).get(name)


class _ExperimentParameterValidator(parameter_validator.ParameterValidator):
    """Kedro's validator with the project's tree-first validation step."""

    # Private: ParameterValidator._apply_validation. Reason: it is the one step of
    # Kedro's validation that validates typed keys one by one; Kedro has no public
    # way to validate a typed part inside a typed tree.
    def _apply_validation(self, raw_params: dict, requirements: dict) -> dict:
        return validate_parameters(raw_params, requirements)


@contextlib.contextmanager
def _project_validator() -> Iterator[None]:
    """Kedro's ``ParameterValidator`` is the project's within the block.

    Reason: ``KedroContext._get_validated_params`` (private) imports and builds
    the validator itself, with no setting to choose another class, so the class is
    swapped in its module while that method runs.
    """
    original = parameter_validator.ParameterValidator
    parameter_validator.ParameterValidator = _ExperimentParameterValidator
    try:
        yield
    finally:
        parameter_validator.ParameterValidator = original


class ExperimentContext(KedroContext):
    """Kedro's context, validating parameters tree-first (see the module docstring),
    whose ``catalog`` is the project's ``DATA_CATALOG_CLASS`` as in a run (Kedro
    1.7 builds a plain ``DataCatalog`` for notebooks and ``kedro ipython``)."""

    # Private: KedroContext._get_validated_params. Reason: the only place where a
    # run's parameters are validated; overridden to swap the validator (above).
    def _get_validated_params(self) -> dict[str, Any]:
        with _project_validator():
            return super()._get_validated_params()

    @property
    def catalog(self) -> Any:
        """The catalog a notebook or ``kedro ipython`` sees, as a run sees it."""
        from kedro.framework.project import settings  # noqa: PLC0415 - configured late

        # Private: KedroContext._get_catalog. Reason: Kedro 1.7's public
        # ``catalog`` property builds a plain DataCatalog; ``_get_catalog`` is how a
        # run builds its catalog of the configured class.
        return self._get_catalog(catalog_class=settings.DATA_CATALOG_CLASS)


# -- the configuration loader --------------------------------------------------


class MergeStepConfigLoader(OmegaConfigLoader):
    """Kedro's ``OmegaConfigLoader`` with a public step, ``before_merge``, called
    with an environment's configuration before it is merged over ``conf/base``."""

    def before_merge(
        self, config: dict[str, Any], env_config: dict[str, Any], key: str, env_path: str
    ) -> None:
        """Change ``config`` (base) or ``env_config`` in place; nothing by default."""

    # Private: OmegaConfigLoader._merge_configs. Reason: the one place where an
    # environment's configuration meets the base's, with both still whole; the
    # merge strategies Kedro offers are fixed, with no hook of their own.
    def _merge_configs(
        self,
        config: dict[str, Any],
        env_config: dict[str, Any],
        key: str,
        env_path: str,
    ) -> Any:
        self.before_merge(config, env_config, key, env_path)
        return super()._merge_configs(config, env_config, key, env_path)


# -- the catalog ---------------------------------------------------------------


def built_datasets(catalog: DataCatalog) -> list[Any]:
    """The datasets ``catalog`` has built so far (not the lazy ones it has not).

    Private: DataCatalog._datasets. Reason: ``catalog.values()`` would build every
    dataset the configuration declares, just to look at the ones already built.
    """
    return list(catalog._datasets.values())


def catalog_save_version(catalog: DataCatalog) -> str | None:
    """The version ``catalog`` saves every versioned dataset under (the run id).

    Private: DataCatalog._save_version. Reason: Kedro exposes it only through
    ``to_config()``, which rebuilds the whole configuration to return it.
    """
    return catalog._save_version


# -- in-memory pipeline slices -------------------------------------------------


class KeptMemoryDataset(MemoryDataset):
    """A memory dataset the runner does not empty: a slice's result to read back.

    Private: MemoryDataset._release. Reason: runners release every output no node
    needs any more, through ``release()``, which calls ``_release``; Kedro has no
    public way to mark a memory dataset as kept.
    """

    def _release(self) -> None:
        pass


# -- versioned datasets --------------------------------------------------------


# Private attributes and methods of AbstractVersionedDataset below (_version,
# _filepath, _fs, _clear_version_cache, _describe, _get_save_path,
# _glob_function). Reason: Kedro resolves versions inside the dataset and exposes
# only load and save; the run records, the clean-up of a failed run and the
# complete-runs-only "latest" need the folder of a version, the versions on disk
# and the listing Kedro takes "latest" from.


def is_versioned(dataset: Any) -> bool:
    """Whether ``dataset`` is a versioned dataset with versioning switched on."""
    return isinstance(dataset, AbstractVersionedDataset) and bool(dataset._version)


def save_version(dataset: AbstractVersionedDataset) -> str | None:
    """The version ``dataset`` saves under (the run id), or None if unversioned."""
    return dataset.resolve_save_version() if dataset._version else None


def version_folder(dataset: AbstractVersionedDataset, version: str) -> str:
    """The folder holding one version of a dataset: ``<filepath>/<version>``."""
    return str(dataset._filepath / version)


def filesystem(dataset: Any) -> Any:
    """The fsspec filesystem behind a dataset (None for in-memory ones)."""
    return getattr(dataset, "_fs", None)


def clear_version_cache(dataset: AbstractVersionedDataset) -> None:
    """Forget cached load/save versions, after versions were removed from disk."""
    dataset._clear_version_cache()


def dataset_filepath(dataset: Any) -> str | None:
    """The file (or folder) a dataset reads and writes, as its description says."""
    try:
        filepath = dataset._describe().get("filepath")
    except (AttributeError, KeyError):
        return None
    return str(filepath) if filepath else None


def saved_path(dataset: Any) -> str:
    """The file a versioned dataset's save of this run writes (or wrote)."""
    return str(dataset._get_save_path())


def saved_versions(dataset: AbstractVersionedDataset) -> list[str]:
    """The versions of ``dataset`` on disk, oldest first."""
    filepath = dataset_filepath(dataset)
    fs = filesystem(dataset)
    if not filepath or fs is None or not fs.exists(filepath):
        return []
    return sorted(PurePosixPath(path).name for path in fs.ls(filepath))


def dataset_metadata(catalog: Any, name: str) -> dict[str, Any]:
    """The ``metadata`` block of a catalog entry (empty when it has none)."""
    if name not in catalog:
        return {}
    return dict(getattr(catalog.get(name), "metadata", None) or {})


_FILTERED = "_complete_runs_only"


def skip_versions(
    dataset: AbstractVersionedDataset, excluded: Callable[[], set[str]]
) -> None:
    """Make ``dataset``'s version listing (and so "latest") leave out the version
    folders ``excluded()`` names, asked afresh at each listing."""
    original = dataset._glob_function
    if getattr(original, _FILTERED, False):
        return

    def glob(pattern: str) -> list[str]:
        skipped = excluded()
        return [
            path
            for path in original(pattern)
            if PurePosixPath(path).parent.name not in skipped
        ]

    setattr(glob, _FILTERED, True)
    dataset._glob_function = glob
    dataset._clear_version_cache()
