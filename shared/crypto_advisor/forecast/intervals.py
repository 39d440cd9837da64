"""How wide an interval is, given a volatility forecast: the multiplier is learnt from the training rows.

``center +- k * sigma`` with the normal ``k`` (1.28 for 80%) assumes that
``H``-candle returns are normal with variance equal to the sum of the
one-candle variances. Real returns have fat tails, and any persistence in the
drift (trends, mean reversion) breaks the sum. So ``k`` is the ``level``
quantile of ``|actual - center| / sigma`` over the last training rows, with
the centre forecast by a path model fitted on the earlier ones
(:func:`held_out_split`; split conformal calibration): the interval holds
``level`` of those held-out outcomes by construction, and the out-of-sample
coverage in the card shows whether that carried over. Every volatility forecast (GARCH, historical, EWMA) gets its own
``k`` the same way, so the card compares how well each tracks the dispersion,
not who guessed the tails better.
"""

from __future__ import annotations

import numpy as np


def calibrated_multiplier(actual: np.ndarray, center: np.ndarray, sigma: np.ndarray, level: float) -> float:
    """The ``level`` quantile of ``|actual - center| / sigma`` (training rows only)."""
    ratio = np.abs(np.asarray(actual, dtype=np.float64) - center) / np.asarray(sigma, dtype=np.float64)
    ratio = ratio[np.isfinite(ratio)]
    if not len(ratio):
        raise ValueError("no training rows to calibrate the interval on")
    return float(np.quantile(ratio, level))


def held_out_split(rows: np.ndarray, horizon: int, share: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Training rows split in time: the earlier ones to fit a centre on, the last ``share`` to calibrate on.

    The ``H`` rows before the calibration part are dropped, as between
    walk-forward folds, so the calibration residuals are out of sample: an
    in-sample centre fits its own rows too well (their ``H``-candle targets
    overlap) and would make every interval too narrow.
    """
    rows = np.asarray(rows, dtype=np.int64)
    held = rows[int(len(rows) * (1 - share)) :]
    if not len(held):
        raise ValueError("no training rows to calibrate the interval on")
    return rows[rows + horizon < held[0]], held


def bounds(center: np.ndarray, sigma: np.ndarray, multiplier: float) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)`` of the log return: ``center -+ multiplier * sigma``."""
    return center - multiplier * sigma, center + multiplier * sigma
