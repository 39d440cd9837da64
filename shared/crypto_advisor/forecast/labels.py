"""Targets at candle ``t``, read from candles ``t+1 .. t+H`` only.

The label at ``t`` is what the model is asked to foresee from the features at
``t``; it must use no candle at or before ``t`` other than ``close[t]`` itself
(the reference the move is measured from), and the last ``H`` rows, whose
future is not yet known, have none (NaN), never a guess.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def breakout_labels(close: np.ndarray, *, horizon: int, threshold_pct: float) -> np.ndarray:
    """1.0 where ``max(close[t+1 .. t+H]) >= close[t] * (1 + X/100)``, else 0.0; NaN for the last ``H`` rows."""
    close = np.asarray(close, dtype=np.float64)
    out = np.full(len(close), np.nan)
    if len(close) > horizon:
        ahead = sliding_window_view(close[1:], horizon).max(axis=1)[: len(close) - horizon]
        out[: len(close) - horizon] = (ahead >= close[: len(close) - horizon] * (1 + threshold_pct / 100)).astype(
            np.float64
        )
    return out


def path_labels(close: np.ndarray, *, horizon: int) -> np.ndarray:
    """Row ``t``: the log returns ``ln(close[t+h] / close[t+h-1])``, ``h = 1 .. H``; NaN for the last ``H`` rows."""
    close = np.asarray(close, dtype=np.float64)
    out = np.full((len(close), horizon), np.nan)
    if len(close) > horizon:
        steps = np.diff(np.log(close))
        out[: len(close) - horizon] = sliding_window_view(steps, horizon)[: len(close) - horizon]
    return out
