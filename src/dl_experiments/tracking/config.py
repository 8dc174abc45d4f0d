"""The tracking configuration: ``conf/<env>/wandb.yml`` with W&B's variables on top."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from dl_experiments.config import Strict, parse_params

Mode = Literal["offline", "online", "disabled"]

# W&B's own environment variables and the field of wandb.yml each one overrides.
ENVIRONMENT_OVERRIDES = {
    "WANDB_MODE": "mode",
    "WANDB_PROJECT": "project",
    "WANDB_ENTITY": "entity",
    "WANDB_DIR": "dir",
    "WANDB_TAGS": "tags",
    "WANDB_INIT_TIMEOUT": "init_timeout",
    "WANDB_BASE_URL": "base_url",
}
TRUE = {"1", "true", "yes", "on"}


class TrackingConfig(Strict):
    """Where and what the W&B hook tracks (the fields of ``wandb.yml``)."""

    mode: Mode = "offline"
    project: str = "dl_experiments"
    entity: str | None = None
    base_url: str | None = None
    dir: str = "."
    tags: list[str] = Field(default_factory=list)
    pipelines: Literal["all"] | list[str] = "all"
    log_model: bool = False
    init_timeout: Annotated[float, Field(gt=0)] = 90.0

    @field_validator("tags", mode="before")
    @classmethod
    def _split_tags(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [tag.strip() for tag in value.split(",") if tag.strip()]
        return value

    @property
    def enabled(self) -> bool:
        """Whether anything is tracked at all."""
        return self.mode != "disabled"

    def tracks(self, experiment: str) -> bool:
        """Whether runs of ``experiment`` (a pipeline namespace) are tracked."""
        return self.enabled and (self.pipelines == "all" or experiment in self.pipelines)

    def run_dir(self, project_path: Path) -> Path:
        """The folder W&B writes into (a relative ``dir`` is under the project)."""
        path = Path(self.dir).expanduser()
        return path if path.is_absolute() else project_path / path


def load_tracking_config(
    conf: Mapping[str, Any] | None, environ: Mapping[str, str]
) -> TrackingConfig:
    """Parse ``wandb.yml`` and apply W&B's environment variables over it.

    ``WANDB_MODE`` (and ``WANDB_PROJECT``, ``WANDB_ENTITY``, ``WANDB_BASE_URL``,
    ``WANDB_DIR``, ``WANDB_TAGS``, ``WANDB_INIT_TIMEOUT``) win over the file, as
    they do for W&B itself;
    ``WANDB_DISABLED=true`` (or ``WANDB_MODE=disabled``) turns tracking off.

    Raises:
        ParameterValidationError: naming each bad field of ``wandb.yml``.
    """
    values = dict(conf or {})
    for variable, field in ENVIRONMENT_OVERRIDES.items():
        if environ.get(variable):
            values[field] = environ[variable]
    if environ.get("WANDB_DISABLED", "").strip().lower() in TRUE:
        values["mode"] = "disabled"
    if isinstance(values.get("mode"), str):
        values["mode"] = values["mode"].strip().lower()
    return parse_params(TrackingConfig, values, "wandb.yml")


def api_key(credentials: Mapping[str, Any] | None, environ: Mapping[str, str]) -> str | None:
    """The W&B API key: ``WANDB_API_KEY``, else ``wandb.api_key`` in the credentials."""
    if environ.get("WANDB_API_KEY"):
        return environ["WANDB_API_KEY"]
    section = (credentials or {}).get("wandb") or {}
    key = section.get("api_key") if isinstance(section, Mapping) else None
    return str(key) if key else None
