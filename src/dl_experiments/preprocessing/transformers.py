"""scikit-learn transformers the project adds to the fitted preprocessing."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin


class QuantileClipper(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Clip each column to the ``low`` / ``high`` quantiles of the rows it was fitted on."""

    def __init__(self, low: float = 0.001, high: float = 0.999) -> None:
        self.low = low
        self.high = high

    def fit(self, x: np.ndarray, y: object = None) -> QuantileClipper:
        """Learn the per-column clipping bounds."""
        values = np.asarray(x, dtype=np.float64)
        self.n_features_in_ = values.shape[1]
        self.lower_, self.upper_ = np.nanquantile(values, [self.low, self.high], axis=0)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Values outside the fitted bounds are set to the nearest bound."""
        return np.clip(np.asarray(x, dtype=np.float64), self.lower_, self.upper_)
