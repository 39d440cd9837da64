"""pandas' exponentially weighted mean, rolling standard deviation and pairwise correlation, without pandas.

The dashboard draws the analysis' indicator lines and a correlation matrix, and pandas (with numpy, 89 MB of
AnalyzeDepsLayer) was all DashboardFunction needed it for: issue 12 wants the function and its layers under
100 MB. These are pandas 3.1's own algorithms step for step (``pandas/_libs/window/aggregations.pyx``: ``ewm``,
``roll_var`` with its Kahan-compensated Welford updates; ``pandas/_libs/algos.pyx``: ``nancorr``), in Python
floats, which are the same IEEE doubles, so the values are pandas' to the last bit:
``tests/unit/dashboard/test_lines_without_pandas.py`` compares them with pandas over the demo's market. Plain
loops: the dashboard's windows are hundreds of candles, not the analysis' hot path (:mod:`.indicators` keeps
pandas' compiled windows).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

NAN = math.nan


def rolling(x: np.ndarray, window: int, reduce: Callable[..., np.ndarray]) -> np.ndarray:
    """``reduce`` over each trailing window of ``window`` rows, NaN until the first full window."""
    out = np.full(len(x), np.nan)
    if len(x) >= window:
        out[window - 1 :] = reduce(sliding_window_view(x, window), axis=1)
    return out


def shift(x: np.ndarray, periods: int) -> np.ndarray:
    """``x`` moved ``periods`` rows later, NaN in front (pandas' ``shift``)."""
    out = np.full(len(x), np.nan)
    if periods < len(x):
        out[periods:] = x[: len(x) - periods]
    return out


def ewm_mean(
    x: np.ndarray, *, span: float | None = None, alpha: float | None = None, min_periods: int = 0
) -> np.ndarray:
    """``pd.Series(x).ewm(span=... or alpha=..., adjust=False, min_periods=...).mean()``."""
    com = (span - 1) / 2 if span is not None else 1.0 / float(alpha or 0.0) - 1.0  # pandas' get_center_of_mass
    a = 1.0 / (1.0 + com)
    old_wt_factor = 1.0 - a
    minp = max(int(min_periods), 1)
    values = [float(v) for v in x]
    out = np.empty(len(values))
    if not values:
        return out
    weighted = values[0]
    nobs = int(weighted == weighted)
    out[0] = weighted if nobs >= minp else NAN
    old_wt = 1.0
    for i in range(1, len(values)):
        cur = values[i]
        observed = cur == cur
        nobs += observed
        if weighted == weighted:
            old_wt *= old_wt_factor
            if observed:
                if weighted != cur:
                    weighted = old_wt * weighted + a * cur
                    weighted /= old_wt + a
                old_wt = 1.0
        elif observed:
            weighted = cur
        out[i] = weighted if nobs >= minp else NAN
    return out


def rolling_std(x: np.ndarray, window: int, *, ddof: int) -> np.ndarray:
    """``pd.Series(x).rolling(window, min_periods=window).std(ddof=ddof)``."""
    values = [float(v) for v in x]
    out = np.empty(len(values))
    state = _Variance()
    for i, val in enumerate(values):
        if i >= window:
            state.remove(values[i - window])
        state.add(val)
        var = state.variance(window, ddof)
        out[i] = math.sqrt(var) if var == var and var >= 0 else (0.0 if var == var else NAN)
    return out


class _Variance:
    """``roll_var``'s running state: the added and the removed values each carry their own compensation."""

    def __init__(self) -> None:
        self.nobs = 0
        self.mean = 0.0
        self.ssqdm = 0.0
        self.comp_add = 0.0
        self.comp_remove = 0.0
        self.same = 0
        self.prev = NAN

    def add(self, val: float) -> None:
        if val != val:
            return
        self.nobs += 1
        self.same = self.same + 1 if val == self.prev else 1
        self.prev = val
        prev_mean = self.mean - self.comp_add
        y = val - self.comp_add
        t = y - self.mean
        self.comp_add = t + self.mean - y
        self.mean = self.mean + t / self.nobs if self.nobs else 0.0
        self.ssqdm = self.ssqdm + (val - prev_mean) * (val - self.mean)

    def remove(self, val: float) -> None:
        if val != val:
            return
        self.nobs -= 1
        if not self.nobs:
            self.mean = self.ssqdm = 0.0
            return
        prev_mean = self.mean - self.comp_remove
        y = val - self.comp_remove
        t = y - self.mean
        self.comp_remove = t + self.mean - y
        self.mean = self.mean - t / self.nobs
        self.ssqdm = self.ssqdm - (val - prev_mean) * (val - self.mean)

    def variance(self, minp: int, ddof: int) -> float:
        if self.nobs >= minp and self.nobs > ddof:
            return 0.0 if self.nobs == 1 or self.same >= self.nobs else self.ssqdm / (self.nobs - ddof)
        return NAN


def pearson(columns: Sequence[Sequence[float]], *, min_periods: int) -> list[list[float]]:
    """``pd.DataFrame(columns).corr(min_periods=...)`` of equal-length columns (NaN where a value is missing)."""
    k = len(columns)
    out = [[NAN] * k for _ in range(k)]
    for xi in range(k):
        for yi in range(xi + 1):
            nobs = 0
            mean_x = mean_y = ssq_x = ssq_y = cov = 0.0
            for vx, vy in zip(columns[xi], columns[yi], strict=True):
                if not (math.isfinite(vx) and math.isfinite(vy)):  # nancorr's mask is np.isfinite
                    continue
                nobs += 1
                dx = vx - mean_x
                dy = vy - mean_y
                mean_x += 1.0 / nobs * dx
                mean_y += 1.0 / nobs * dy
                ssq_x += (vx - mean_x) * dx
                ssq_y += (vy - mean_y) * dy
                cov += (vx - mean_x) * dy
            if nobs >= min_periods:
                divisor = math.sqrt(ssq_x * ssq_y)
                if divisor != 0:
                    out[xi][yi] = out[yi][xi] = cov / divisor
    return out
