"""The base of every parameter model, shared field types, and one error format.

Kedro validates a node's ``params:`` input against the pydantic model its argument
is annotated with (``kedro.validation``); these models are the one place where the
defaults and rules of a parameter live. ``parse_params`` turns pydantic's errors
into lines that name the dotted parameter, the value found and what was expected.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, TypeVar

from kedro.validation.exceptions import (
    ParameterValidationError as KedroParameterValidationError,
)
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from dl_experiments import tasks

Fraction = Annotated[float, Field(gt=0, lt=1)]
DropoutRate = Annotated[float, Field(ge=0, lt=1)]
PositiveInt = Annotated[int, Field(gt=0)]
Seed = Annotated[int, Field(ge=0)]


def _registered_kind(name: str) -> str:
    tasks.kind(name)  # a ValueError naming the registered kinds
    return name


# A registered task kind's name (``tasks.REGISTERED``).
Task = Annotated[str, AfterValidator(_registered_kind)]


class Strict(BaseModel):
    """Base for all parameter models: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ParameterValidationError(KedroParameterValidationError, ValueError):
    """Parameters broke their declared model; each problem names field, value, rule."""

    def __init__(self, name: str, problems: list[str]) -> None:
        self.name = name
        self.problems = list(problems)
        super().__init__(name, self.problems)

    def __str__(self) -> str:
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        return f"Invalid parameters '{self.name}':\n{lines}"


ModelT = TypeVar("ModelT", bound=BaseModel)


def problems_of(error: ValidationError, name: str) -> list[str]:
    """One line per pydantic error: ``name.field = value: what was expected``."""
    problems = []
    for item in error.errors():
        field = ".".join([name, *(str(part) for part in item["loc"])])
        if item["type"] == "missing":
            problems.append(f"{field}: missing, a value is required")
        elif item["type"] == "extra_forbidden":
            problems.append(f"{field}: unknown parameter (check its spelling)")
        elif not item["loc"]:  # a rule across fields: the value is the whole tree
            problems.append(f"{field}: {item['msg']}")
        else:
            problems.append(f"{field} = {item.get('input')!r}: {item['msg']}".rstrip())
    return problems


def parse_params(model: type[ModelT], params: Any, name: str) -> ModelT:
    """Validate ``params`` against ``model``; errors name each field, value and rule.

    Args:
        model: The pydantic model declaring the parameters.
        params: The raw parameters (a dict from Kedro's config, or a model already).
        name: Dotted name of the parameters for messages, e.g. ``wildfire.training``.
    """
    if isinstance(params, model):
        return params
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        raise ParameterValidationError(name, problems_of(exc, name)) from None


def as_plain(value: Any) -> Any:
    """Parameters as plain data (dicts, lists, numbers) for logs, reports and YAML:
    models are dumped with their YAML names (``schema``, not ``table_schema``)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, dict):
        return {key: as_plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_plain(item) for item in value]
    return value


def parameters_hash(params: Any) -> str:
    """SHA-256 of the parameters as sorted JSON (models as their YAML): the same
    parameters give the same hash whatever their key order."""
    text = json.dumps(as_plain(params), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
