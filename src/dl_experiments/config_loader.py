"""The project's configuration loader: Kedro's, with whole-subtree replacement.

Parameters of an environment (``conf/local``, ``conf/test``, any ``conf/<env>``)
are soft-merged over ``conf/base``: single nested keys override the shipped
values, the rest is kept. To describe *other data* that is not enough, as the
shipped schema, target and features would blend into the new ones. A mapping in
an environment's parameters may therefore list, under ``_replace``, which of its
keys replace conf/base's value whole instead of merging into it::

    # conf/local/parameters_wildfire.yml
    wildfire:
      _replace: [data, target, features]   # not merged with conf/base's
      data: {schema: {...}}
      target: {...}
      features: {...}

``_replace`` may stand in any mapping (``evaluation: {_replace: [map], ...}``),
and is removed before the parameters reach the pipelines.
"""

from __future__ import annotations

from typing import Any

from dl_experiments.kedro_internals import MergeStepConfigLoader

REPLACE = "_replace"


class ParameterReplaceError(ValueError):
    """A ``_replace`` list that cannot be applied, naming the file's environment."""


def apply_replacements(
    base: dict[str, Any], env: dict[str, Any], env_path: str, where: str = ""
) -> None:
    """Drop from ``base`` every key that ``env`` lists under ``_replace`` (in place),
    and remove the lists from ``env``, at every depth."""
    keys = env.pop(REPLACE, None)
    if keys is not None:
        if isinstance(keys, str):
            keys = [keys]
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise ParameterReplaceError(
                f"{where or 'parameters'}.{REPLACE} in {env_path}: expected a list of "
                f"key names, got {keys!r}"
            )
        missing = [key for key in keys if key not in env]
        if missing:
            raise ParameterReplaceError(
                f"{where or 'parameters'}.{REPLACE} in {env_path} lists {missing}, "
                f"which {env_path} does not give; write the replacing value next to "
                f"{REPLACE} (keys given there: {sorted(env)})"
            )
        for key in keys:
            base.pop(key, None)
    for key, value in env.items():
        if isinstance(value, dict):
            inner = base.get(key)
            apply_replacements(
                inner if isinstance(inner, dict) else {},
                value,
                env_path,
                f"{where}.{key}" if where else key,
            )


def strip_replacements(config: Any) -> Any:
    """``config`` without ``_replace`` keys (in conf/base they replace nothing)."""
    if isinstance(config, dict):
        return {k: strip_replacements(v) for k, v in config.items() if k != REPLACE}
    return config


class ProjectConfigLoader(MergeStepConfigLoader):
    """``OmegaConfigLoader`` whose parameters honour ``_replace`` (module docstring).

    The replacement runs where Kedro merges an environment over ``conf/base``
    (``kedro_internals.MergeStepConfigLoader``).
    """

    def before_merge(
        self,
        config: dict[str, Any],
        env_config: dict[str, Any],
        key: str,
        env_path: str,
    ) -> None:
        """Apply the environment's ``_replace`` lists to its parameters."""
        if key == "parameters":
            apply_replacements(config, env_config, env_path)

    def __getitem__(self, key: str) -> dict[str, Any]:
        config = super().__getitem__(key)
        return strip_replacements(config) if key == "parameters" else config
