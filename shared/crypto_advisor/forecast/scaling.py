"""The one standardizer every model uses, so "fit on the training fold only" has one place to hold.

numpy only: its two arrays travel in the artifacts and the light inference
applies them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Standardizer:
    """``(x - mean) / scale`` per column; a constant column gets scale 1 rather than a division by zero."""

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> Standardizer:
        """Learn mean and scale from ``x`` (rows are samples): give it training rows only."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or not len(x):
            raise ValueError(f"need a non-empty 2-D array of samples, got shape {x.shape}")
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        return cls(mean=mean, scale=np.where(scale > 0, scale, 1.0))

    def transform(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=np.float64) - self.mean) / self.scale

    def inverse(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z, dtype=np.float64) * self.scale + self.mean
