"""Search-space plumbing: dotted parameter paths, sampled values merged over an
experiment's parameters, and the checks that run before any trial."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from dl_experiments import tasks
from dl_experiments.studies.config import Distribution, StudyConfig
from dl_experiments.validation.errors import ParameterValidationError

MISSING = object()


def as_tree(params: Any) -> dict[str, Any]:
    """A parameter tree as plain data (a pydantic model is dumped by alias)."""
    if isinstance(params, BaseModel):
        return params.model_dump(mode="json", by_alias=True)
    return copy.deepcopy(dict(params))


def get_path(tree: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of a nested dict, or ``MISSING``."""
    node: Any = tree
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return MISSING
        node = node[part]
    return node


def has_path(tree: Mapping[str, Any], path: str) -> bool:
    """Whether a dotted ``path`` names a value in ``tree``."""
    return get_path(tree, path) is not MISSING


def merged(tree: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``tree`` with each dotted key of ``overrides`` set."""
    result = copy.deepcopy(dict(tree))
    for path, value in overrides.items():
        node = result
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = copy.deepcopy(value)
    return result


def nested(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted keys as a nested dict (``{"a.b": 1}`` -> ``{"a": {"b": 1}}``)."""
    return merged({}, overrides)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _as_json(distribution: Distribution) -> bool:
    """Whether Optuna keeps this distribution's choices as JSON text: categorical
    choices that are not all scalars (its storages keep scalars only)."""
    return distribution.type == "categorical" and not all(
        _is_scalar(choice) for choice in distribution.choices or []
    )


def suggest(trial: Any, path: str, distribution: Distribution) -> Any:
    """Ask an Optuna trial for the value of ``path``.

    Non-scalar choices (a list of layer widths) are offered to Optuna as their JSON
    text, since its storages keep scalars only, and decoded here.
    """
    if distribution.type == "float":
        return trial.suggest_float(
            path,
            float(distribution.low),
            float(distribution.high),
            log=distribution.log,
            step=distribution.step,
        )
    if distribution.type == "int":
        return trial.suggest_int(
            path,
            int(distribution.low),
            int(distribution.high),
            log=distribution.log,
            step=int(distribution.step or 1),
        )
    choices = list(distribution.choices or [])
    if not _as_json(distribution):
        return trial.suggest_categorical(path, choices)
    return json.loads(trial.suggest_categorical(path, [json.dumps(c) for c in choices]))


def decode(path: str, value: Any, config: StudyConfig) -> Any:
    """A trial's stored value of ``path`` as the parameter value (JSON choices decoded)."""
    distribution = config.search_space.get(path)
    if distribution is not None and _as_json(distribution) and isinstance(value, str):
        return json.loads(value)
    return value


def epoch_cap(config: StudyConfig, tree: Mapping[str, Any]) -> dict[str, Any]:
    """The override that caps training epochs at ``max_epochs`` (none without a cap)."""
    if config.max_epochs is None:
        return {}
    epochs = get_path(tree, config.epochs_parameter)
    if epochs is MISSING or not isinstance(epochs, int):
        epochs = config.max_epochs
    return {config.epochs_parameter: min(int(epochs), config.max_epochs)}


def default_values(
    config: StudyConfig, schema: type[BaseModel] | None, params: Mapping[str, Any]
) -> dict[str, Any]:
    """The experiment's own value of each searched path, as Optuna stores it (JSON
    text for a non-scalar choice), ready for ``Study.enqueue_trial``."""
    full = _with_defaults(schema, params)
    values = {}
    for path, distribution in config.search_space.items():
        value = get_path(full, path)
        values[path] = json.dumps(value) if _as_json(distribution) else value
    return values


def _outside(distribution: Distribution, value: Any) -> str | None:
    """Why ``value`` cannot be a trial of ``distribution`` (None when it can)."""
    if distribution.type == "categorical":
        if value not in (distribution.choices or []):
            return f"not one of the choices {distribution.choices}"
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"not a number inside [{distribution.low}, {distribution.high}]"
    if not float(distribution.low) <= value <= float(distribution.high):
        return f"outside the range [{distribution.low}, {distribution.high}]"
    return None


def validate_experiment(
    schema: type[BaseModel] | None, tree: Mapping[str, Any], name: str
) -> None:
    """``tree`` against the experiment's schema; every problem named at once."""
    if schema is None:
        return
    try:
        schema.model_validate(tree)
    except ValidationError as exc:
        problems = [
            f"{'.'.join([name, *(str(p) for p in error['loc'])])}: {error['msg']}"
            for error in exc.errors()
        ]
        raise ParameterValidationError(name, problems) from None


def check_search_space(
    config: StudyConfig,
    experiment: str,
    schema: type[BaseModel] | None,
    params: Mapping[str, Any],
) -> None:
    """Every searched path exists in the experiment's parameters, and every end of
    each range (every choice) is a valid value there. Raises
    ``ParameterValidationError`` naming ``<experiment>_tune.search_space.<path>``."""
    name = f"{experiment}_tune"
    full = _with_defaults(schema, params)
    problems: list[str] = []
    if not config.search_space:
        problems.append(f"{name}.search_space: empty; name at least one parameter")
    for path in (config.epochs_parameter, config.seed_parameter):
        if not has_path(full, path):
            problems.append(
                f"{name}: '{path}' is not a parameter of '{experiment}'; "
                f"expected one of {sorted(_leaves(full))}"
            )
    for path, distribution in config.search_space.items():
        field = f"{name}.search_space.{path}"
        if not has_path(full, path):
            problems.append(
                f"{field}: unknown parameter '{experiment}.{path}'; searchable "
                f"parameters: {sorted(_leaves(full))}"
            )
            continue
        own = get_path(full, path)
        reason = _outside(distribution, own) if config.enqueue_defaults else None
        if reason:
            problems.append(
                f"{field}: enqueue_defaults queues the experiment's own value "
                f"{own!r} as a trial, but it is {reason}; widen the search space "
                "or set enqueue_defaults: false"
            )
        for value in distribution.candidates():
            try:
                if schema is not None:
                    schema.model_validate(merged(params, {path: value}))
            except ValidationError as exc:
                message = "; ".join(error["msg"] for error in exc.errors())
                problems.append(
                    f"{field}: value {value!r} is not a valid '{experiment}.{path}': "
                    f"{message}"
                )
    if problems:
        raise ParameterValidationError(name, problems)


def experiment_kind(params: Any) -> tasks.TaskKind:
    """The task kind an experiment's parameters declare: the model's ``kind``
    (``target.task`` of a table, image classification for images), or, for a
    plain tree, ``target.task``."""
    kind = getattr(params, "kind", None)
    if isinstance(kind, tasks.TaskKind):
        return kind
    tree = as_tree(params)
    task = get_path(tree, "target.task")
    if task is not MISSING:
        return tasks.kind(task)
    if has_path(tree, "data.class_names"):
        return tasks.kind("image_classification")
    raise ValueError(
        "the experiment's parameters declare no task kind: expected target.task "
        f"(one of {tasks.names()}) or, for images, data.class_names"
    )


def check_objective(config: StudyConfig, experiment: str, params: Any) -> None:
    """The objective is a validation metric the experiment's task kind produces.
    Raises ``ParameterValidationError`` naming ``<experiment>_tune.objective.metric``
    and the metrics the kind's training history has."""
    kind = experiment_kind(params)
    metric = config.objective.metric
    produced = [name for name in kind.monitorable() if name.startswith("val_")]
    if metric not in produced:
        name = f"{experiment}_tune"
        raise ParameterValidationError(
            name,
            [
                f"{name}.objective.metric = {metric!r}: a {kind.name} experiment's "
                f"training history has the validation metrics {produced}; expected "
                "one of those"
            ],
        )


def _with_defaults(
    schema: type[BaseModel] | None, params: Mapping[str, Any]
) -> dict[str, Any]:
    """The parameters with the schema's defaults filled in (what a trial can set)."""
    if schema is None:
        return dict(params)
    try:
        return schema.model_validate(params).model_dump(mode="json", by_alias=True)
    except ValidationError:
        return dict(params)


def _leaves(tree: Mapping[str, Any], prefix: str = "") -> list[str]:
    names: list[str] = []
    for key, value in tree.items():
        if isinstance(value, Mapping) and value:
            names += _leaves(value, f"{prefix}{key}.")
        elif not f"{prefix}{key}".startswith("data.schema"):
            names.append(f"{prefix}{key}")
    return names
