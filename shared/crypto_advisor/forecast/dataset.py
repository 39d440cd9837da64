"""A series turned into aligned arrays: features, targets, returns, and the rows every model may use.

Every model of a fold sees the same rows, so their out-of-sample figures are
comparable: a row is usable when the LSTM's whole window of features is
defined (which implies the other models' single row is) and its targets exist.

A history with holes (exchange downtime, a rejected candle) is used whole. The
features assume consecutive candles (a lag across a hole would join two
distant prices into one "return"), so features and targets are computed on
each gap-free run of candles on its own and the runs are joined, oldest first:
each run warms its indicators up again and its last ``H`` rows have no target,
so no usable row's feature window or label spans a hole. Positions count
candles, not time (position ``t + 1`` may lie across a hole), and a label stays
inside its run, so the walk-forward purge (``t + H <`` the first test row)
still keeps every training label off the test candles.
"""

from __future__ import annotations

import itertools
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
    """Arrays indexed by candle position in the joined runs, oldest first."""

    ts: np.ndarray
    close: np.ndarray
    #: (n, F) features; NaN before they are defined.
    features: np.ndarray
    feature_names: tuple[str, ...]
    #: ln(close[t] / close[t-1]); NaN at row 0. Across a hole, divided by the square root of the candles it spans
    #: (see :func:`log_returns_of`).
    log_returns: np.ndarray
    #: 1.0 / 0.0, NaN for the last H rows of each run.
    breakout: np.ndarray
    #: (n, H) log returns of the next H candles, NaN for the last H rows of each run.
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


#: Rows before the first one whose features are all defined (lags aside): EMA(50), the slowest feature, has its
#: first value at row 49. A test pins it to :func:`~crypto_advisor.forecast.features.build_features`.
FEATURE_WARMUP = 49


def min_run_candles(config: ForecastConfig) -> int:
    """The fewest consecutive candles that hold a usable row: the features' warm-up, the LSTM's window, ``H`` ahead.

    A shorter gap-free run can never give the models a row, whatever its prices.
    """
    return max(FEATURE_WARMUP, config.lags) + config.lstm_window + config.horizon


def gap_free_runs(ts: Sequence[int] | np.ndarray, step_ms: int) -> list[tuple[int, int]]:
    """``(start, end)`` positions (end excluded) of the runs of candles ``step_ms`` apart, oldest first.

    Any other step (a hole, a repeated or out-of-order time) starts a new run; no candles make one empty run.
    """
    ts = np.asarray(ts, dtype=np.int64)
    edges = np.r_[0, np.flatnonzero(np.diff(ts) != step_ms) + 1, len(ts)]
    return [(int(start), int(end)) for start, end in itertools.pairwise(edges)]


def log_returns_of(close: np.ndarray, ts: np.ndarray, step_ms: int) -> np.ndarray:
    """``ln(close[t] / close[t-1])``, NaN at row 0; a return across a hole is divided by ``sqrt(k)``, ``k`` the
    candles it spans.

    GARCH and the EWMA baseline filter every return as one candle's and need a
    number at each (arch takes no NaN): a ``k``-candle return has about ``k``
    times one candle's variance, so the scaled one is an ordinary candle to
    them, neither a shock nor a calm one. No feature or label reads it.
    """
    out = np.full(len(close), np.nan)
    if len(close) > 1:
        spans = np.maximum(np.diff(ts) / step_ms, 1.0)
        out[1:] = np.diff(np.log(close)) / np.sqrt(spans)
    return out


def build_dataset(candles: Sequence[Candle] | pd.DataFrame, config: ForecastConfig) -> Dataset:
    """Features, targets and usable rows of a candle history, per gap-free run and joined (see the module docstring).

    The step between consecutive candles is the most common one in the history
    (the series' timeframe, as the CSV reader infers it); any other starts a
    new run. A gap-free history is one run: the arrays are what they were
    before holes were handled.
    """
    frame = frame_of(candles)
    ts = frame["ts"].to_numpy(dtype=np.int64)
    close = frame["close"].to_numpy(dtype=np.float64)
    step = _usual_step(ts)
    runs = gap_free_runs(ts, step)
    parts = [_run_arrays(frame.iloc[start:end], config) for start, end in runs]
    return Dataset(
        ts=ts,
        close=close,
        features=np.concatenate([p.features for p in parts]),
        feature_names=feature_names(config.lags),
        log_returns=log_returns_of(close, ts, step),
        breakout=np.concatenate([p.breakout for p in parts]),
        path=np.concatenate([p.path for p in parts]),
        rows=np.concatenate([p.rows + start for p, (start, _) in zip(parts, runs, strict=True)]),
    )


@dataclass(frozen=True, slots=True)
class _RunArrays:
    features: np.ndarray
    breakout: np.ndarray
    path: np.ndarray
    #: Usable rows, positions within the run.
    rows: np.ndarray


def _run_arrays(frame: pd.DataFrame, config: ForecastConfig) -> _RunArrays:
    """Features, targets and usable rows of one gap-free run, as if it were the whole history."""
    close = frame["close"].to_numpy(dtype=np.float64)
    features = build_features(frame, lags=config.lags).to_numpy(dtype=np.float64)
    breakout = breakout_labels(close, horizon=config.horizon, threshold_pct=config.threshold_pct)
    ready = window_ready_mask(features, config.lstm_window)
    return _RunArrays(
        features=features,
        breakout=breakout,
        path=path_labels(close, horizon=config.horizon),
        rows=np.flatnonzero(ready & np.isfinite(breakout)),
    )


def _usual_step(ts: np.ndarray) -> int:
    """The most common positive step between consecutive candles (any value when there is none: a single run)."""
    steps, counts = np.unique(np.diff(ts), return_counts=True)
    counts = counts[steps > 0]
    return int(steps[steps > 0][np.argmax(counts)]) if len(counts) else 1
