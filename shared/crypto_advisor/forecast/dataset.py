"""A series turned into aligned arrays: features, targets, returns, and the rows every model may use.

Every model of a fold sees the same rows, so their out-of-sample figures are
comparable: a row is usable when the LSTM's whole window of features is
defined (which implies the other models' single row is) and its targets exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.features import build_features, feature_names
from crypto_advisor.forecast.labels import breakout_labels, path_labels
from crypto_advisor.market.frame import to_frame


@dataclass(frozen=True, slots=True)
class Dataset:
    """Arrays indexed by candle position, oldest first."""

    ts: np.ndarray
    close: np.ndarray
    #: (n, F) features; NaN before they are defined.
    features: np.ndarray
    feature_names: tuple[str, ...]
    #: ln(close[t] / close[t-1]); NaN at row 0.
    log_returns: np.ndarray
    #: 1.0 / 0.0, NaN for the last H rows.
    breakout: np.ndarray
    #: (n, H) log returns of the next H candles, NaN for the last H rows.
    path: np.ndarray
    #: Rows with a full window of features and defined targets.
    rows: np.ndarray


def frame_of(candles: Sequence[Candle] | pd.DataFrame) -> pd.DataFrame:
    """The OHLCV frame of ``candles`` (a frame is passed through)."""
    return candles if isinstance(candles, pd.DataFrame) else to_frame(candles)


def window_ready_mask(features: np.ndarray, window: int) -> np.ndarray:
    """True at row ``t`` when feature rows ``t - window + 1 .. t`` are all finite."""
    finite = np.isfinite(features).all(axis=1)
    if len(finite) < window:
        return np.zeros(len(finite), dtype=bool)
    run = np.convolve(finite.astype(np.int64), np.ones(window, dtype=np.int64), mode="full")[: len(finite)]
    return run == window


def build_dataset(candles: Sequence[Candle] | pd.DataFrame, config: ForecastConfig) -> Dataset:
    """Features, targets and usable rows of a candle history."""
    frame = frame_of(candles)
    close = frame["close"].to_numpy(dtype=np.float64)
    features = build_features(frame, lags=config.lags).to_numpy(dtype=np.float64)
    log_returns = np.full(len(close), np.nan)
    log_returns[1:] = np.diff(np.log(close))
    breakout = breakout_labels(close, horizon=config.horizon, threshold_pct=config.threshold_pct)
    path = path_labels(close, horizon=config.horizon)
    ready = window_ready_mask(features, config.lstm_window)
    rows = np.flatnonzero(ready & np.isfinite(breakout))
    return Dataset(
        ts=frame["ts"].to_numpy(dtype=np.int64),
        close=close,
        features=features,
        feature_names=feature_names(config.lags),
        log_returns=log_returns,
        breakout=breakout,
        path=path,
        rows=rows,
    )
