"""What a forecast is about (horizon, threshold) and how its models are fitted and judged.

One frozen value shared by evaluation, final fitting and the artifacts, so the
model that is deployed is the model that was scored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ForecastConfig:
    """Targets, walk-forward design, verdict rule and model sizes.

    The defaults suit hourly candles: 24 candles ahead, a +3% breakout (about
    one day in five for BTC at its usual volatility, so both classes are seen).
    """

    #: Candles ahead every target looks (H).
    horizon: int = 24
    #: A breakout is a close at least this many percent above today's within the horizon (X).
    threshold_pct: float = 3.0
    #: Expanding-window test folds, after the first ``min_train_fraction`` of the rows.
    folds: int = 4
    min_train_fraction: float = 0.4
    seed: int = 0
    #: A breakout probability at or above this would alert: precision and recall are measured there.
    alert_probability: float = 0.5
    #: Coverage the interval aims at.
    interval: float = 0.8
    #: A model beats its baseline only if its loss advantage is this many standard errors above zero,
    #: measured over non-overlapping blocks of ``horizon`` candles (overlapping targets are not independent).
    significance_t: float = 2.0
    #: Log-return lags among the features.
    lags: int = 6
    #: RiskMetrics' decay for the EWMA volatility baseline.
    ewma_lambda: float = 0.94
    rf_trees: int = 100
    rf_max_depth: int = 6
    rf_min_leaf: int = 20
    ridge_alpha: float = 300.0
    lstm_window: int = 24
    lstm_hidden: int = 16
    lstm_epochs: int = 15
    lstm_batch: int = 64
    lstm_lr: float = 2e-3

    def __post_init__(self) -> None:
        whole = {
            "horizon": self.horizon,
            "folds": self.folds,
            "lags": self.lags,
            "rf_trees": self.rf_trees,
            "rf_max_depth": self.rf_max_depth,
            "rf_min_leaf": self.rf_min_leaf,
            "lstm_window": self.lstm_window,
            "lstm_hidden": self.lstm_hidden,
            "lstm_epochs": self.lstm_epochs,
            "lstm_batch": self.lstm_batch,
        }
        for name, value in whole.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
        if not self.threshold_pct > 0:
            raise ValueError(f"threshold_pct must be > 0, got {self.threshold_pct}")
        for name, fraction in {
            "min_train_fraction": self.min_train_fraction,
            "alert_probability": self.alert_probability,
            "interval": self.interval,
            "ewma_lambda": self.ewma_lambda,
        }.items():
            if not 0 < fraction < 1:
                raise ValueError(f"{name} must be strictly between 0 and 1, got {fraction}")
        if not self.significance_t >= 0:
            raise ValueError(f"significance_t must be >= 0, got {self.significance_t}")
        if not (self.ridge_alpha >= 0 and self.lstm_lr > 0):
            raise ValueError("ridge_alpha must be >= 0 and lstm_lr > 0")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ForecastConfig:
        return cls(**data)
