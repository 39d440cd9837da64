"""The naive forecasts every model is judged against, fitted on the same training rows as the model.

A forecast is only worth showing if it beats these: no change (persistence)
and the training period's average drift for the price path, the training base
rate for breakouts, and the training period's (historical) or an exponentially
weighted (EWMA) volatility for the interval.
"""

from __future__ import annotations

import numpy as np


def persistence_path(count: int, horizon: int) -> np.ndarray:
    """No change: every one of the ``H`` future log returns is 0, so the price forecast is today's close."""
    return np.zeros((count, horizon))


def mean_return(train_returns: np.ndarray) -> float:
    """Mean log return per candle over the training candles: the drift."""
    return float(np.nanmean(np.asarray(train_returns, dtype=np.float64)))


def drift_path(mu: float, count: int, horizon: int) -> np.ndarray:
    """Each future log return is the training period's mean log return ``mu``."""
    return np.full((count, horizon), mu)


def base_rate(train_labels: np.ndarray) -> float:
    """Share of training rows that broke out: the probability to beat."""
    labels = np.asarray(train_labels, dtype=np.float64)
    return float(labels.mean())


def historical_sigma(train_returns: np.ndarray, horizon: int) -> float:
    """Standard deviation of the ``H``-candle log return, from the training candles' returns (square-root-of-time)."""
    returns = np.asarray(train_returns, dtype=np.float64)
    return float(np.nanstd(returns, ddof=1) * np.sqrt(horizon))


def ewma_next_variance(log_returns: np.ndarray, *, decay: float, seed_variance: float) -> np.ndarray:
    """RiskMetrics variance of the next candle's return, forecast at each row from returns up to that row.

    ``v[t] = decay * v[t-1] + (1 - decay) * r[t]^2``, started from
    ``seed_variance`` (the training variance); NaN returns (row 0) leave the
    variance unchanged.
    """
    returns = np.asarray(log_returns, dtype=np.float64)
    out = np.empty(len(returns))
    v = seed_variance
    for t, r in enumerate(returns):
        if np.isfinite(r):
            v = decay * v + (1 - decay) * r * r
        out[t] = v
    return out
