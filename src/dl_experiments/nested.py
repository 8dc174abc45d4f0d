"""Nested dicts (parameters, metrics) as one level of dotted keys.

Written once for the report page, the W&B config and summary, and the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def flatten(tree: Mapping[str, Any], sep: str = ".", prefix: str = "") -> dict[str, Any]:
    """Nested dicts as one level: ``{"a": {"b": 1}}`` -> ``{"a.b": 1}``.

    Lists and empty dicts are leaves; keys are joined with ``sep``.
    """
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{sep}{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat |= flatten(value, sep, name)
        else:
            flat[name] = value
    return flat
