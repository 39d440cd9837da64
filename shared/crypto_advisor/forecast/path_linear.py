"""Price path: one ridge regression per future step, fitted at once (training side, scikit-learn).

The features are standardized on the training rows, so the ridge penalty
treats every feature alike; the penalty keeps the many correlated indicators
from trading huge opposite coefficients on noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import Ridge

from crypto_advisor.forecast.artifacts import LinearArtifact
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.scaling import Standardizer


@dataclass(frozen=True, slots=True)
class LinearPath:
    scaler: Standardizer
    model: Ridge

    def predict(self, x: np.ndarray) -> np.ndarray:
        """``(rows, H)`` log returns, scikit-learn's own ``predict``."""
        return np.asarray(self.model.predict(self.scaler.transform(x)), dtype=np.float64).reshape(len(x), -1)

    def to_artifact(self) -> LinearArtifact:
        coef = np.atleast_2d(np.asarray(self.model.coef_, dtype=np.float64))
        return LinearArtifact(
            mean=self.scaler.mean,
            scale=self.scaler.scale,
            coef=coef,
            intercept=np.atleast_1d(np.asarray(self.model.intercept_, dtype=np.float64)),
        )


def fit_linear(x: np.ndarray, y: np.ndarray, config: ForecastConfig) -> LinearPath:
    """Fit on training features ``x`` and their ``(rows, H)`` future log returns ``y``."""
    scaler = Standardizer.fit(x)
    model = Ridge(alpha=config.ridge_alpha)
    model.fit(scaler.transform(x), y)
    return LinearPath(scaler=scaler, model=model)
