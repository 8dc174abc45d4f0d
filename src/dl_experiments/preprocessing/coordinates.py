"""Derived position features: coordinates along rotated map axes.

Used when a model is trained and again when new rows are scored, so both see the
same features.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import Field

from dl_experiments.validation import parse_params
from dl_experiments.validation.params import Strict


class CoordinatesConfig(Strict):
    """Each row's coordinate along axes rotated by ``rotations`` degrees
    (counter-clockwise from ``x``), named ``coord_rot_<angle>``.

    An MLP on raw longitude / latitude sees only two axis-aligned directions; the
    rotated ones let it cut the map along diagonals (a coast, a valley).
    """

    x: str = "Longitude"
    y: str = "Latitude"
    rotations: list[Annotated[int, Field(gt=0, lt=180)]] = []

    @property
    def columns(self) -> list[str]:
        """Names of the derived columns."""
        return [f"coord_rot_{angle}" for angle in self.rotations]


def add_rotated_coordinates(
    table: pd.DataFrame,
    coordinates: dict | CoordinatesConfig,
    name: str = "coordinates",
) -> pd.DataFrame:
    """Append each row's position along the rotated axes.

    ``coord_rot_<a>`` = x cos(a) + y sin(a) for every angle ``a`` (degrees): the
    projection of (x, y) onto a direction ``a`` degrees from the x axis.
    """
    config = parse_params(CoordinatesConfig, coordinates, name)
    if not config.rotations:
        return table
    angles = np.deg2rad(np.asarray(config.rotations, dtype=np.float64))
    x = table[config.x].to_numpy(np.float64)[:, None]
    y = table[config.y].to_numpy(np.float64)[:, None]
    rotated = x * np.cos(angles) + y * np.sin(angles)
    derived = pd.DataFrame(rotated, columns=config.columns, index=table.index)
    return pd.concat([table, derived], axis=1)
