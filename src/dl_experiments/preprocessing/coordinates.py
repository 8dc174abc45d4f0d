"""Derived position features: coordinates along rotated map axes.

Used when a model is trained and again when new rows are scored, so both see the
same features.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dl_experiments.config import CoordinatesConfig


def add_rotated_coordinates(
    table: pd.DataFrame, coordinates: CoordinatesConfig
) -> pd.DataFrame:
    """Append each row's position along the rotated axes.

    ``coord_rot_<a>`` = x cos(a) + y sin(a) for every angle ``a`` (degrees): the
    projection of (x, y) onto a direction ``a`` degrees from the x axis.
    """
    config = coordinates
    if not config.rotations:
        return table
    angles = np.deg2rad(np.asarray(config.rotations, dtype=np.float64))
    x = table[config.x].to_numpy(np.float64)[:, None]
    y = table[config.y].to_numpy(np.float64)[:, None]
    rotated = x * np.cos(angles) + y * np.sin(angles)
    derived = pd.DataFrame(rotated, columns=config.columns, index=table.index)
    return pd.concat([table, derived], axis=1)
