"""The indicator columns TA-Lib has, computed with TA-Lib: the second reference, after ``ta``.

TA-Lib (the C library, through its ``ta-lib`` Python wheel) is what traders'
platforms and most other libraries are checked against. Every column whose
:class:`~crypto_advisor.market.indicator_spec.Definition` names a TA-Lib
function is computed here from TA-Lib alone (Bollinger %b and width, the
Fibonacci levels and the volatility from TA-Lib's bands, MAX/MIN and STDDEV);
``vpt`` has no TA-Lib equivalent and stays with ``ta`` (:mod:`.indicators_reference`).

TA-Lib and ``ta`` seed their recurrences differently (TA-Lib from the plain
mean of the first ``n`` values, ``ta`` from the first value, or for ATR from
a mean that includes the first candle's range), and TA-Lib leaves a longer
lookback NaN (RSI from row 14, not 13). The seed's weight decays by ``1 - alpha``
a candle, so equality holds once it is negligible: :func:`warmup` gives the
row from which each column must equal TA-Lib, from the smoothing factors of
the recurrences behind it.

One TA-Lib output is masked, by its meaning, never by its value: MFI over a
window with no money flow at all (flat prices, or no volume) is 0 in TA-Lib and
undefined (NaN) in the project, as in ``ta``; those rows are NaN here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import talib

from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS, FIB_RATIOS, IndicatorParams, definitions

#: The seed's weight below which a recurrence counts as warmed up: far under the tests' 1e-9 relative tolerance.
SEED_WEIGHT = 1e-10


def compute_talib(df: pd.DataFrame, params: IndicatorParams = DEFAULT_PARAMS) -> pd.DataFrame:
    """Every column of ``params`` that TA-Lib has, on ``df``'s index (NaN where TA-Lib has no value yet)."""
    p = params
    high, low, close, volume = (df[c].to_numpy(dtype=np.float64) for c in ("high", "low", "close", "volume"))
    out: dict[str, np.ndarray] = {}
    for period in p.ema_periods:
        out[p.ema_column(period)] = talib.EMA(close, period)
    for period in p.sma_periods:
        out[p.sma_column(period)] = talib.SMA(close, period)
    out[p.rsi_column] = talib.RSI(close, p.rsi)
    out[p.mfi_column] = _mfi(high, low, close, volume, p.mfi)
    fast, slow, sign = p.macd
    out["macd"], out["macd_signal"], out["macd_hist"] = talib.MACD(close, fast, slow, sign)
    window, devs = p.bb
    upper, middle, lower = talib.BBANDS(close, window, devs, devs, matype=talib.MA_Type.SMA)
    out["bb_upper"], out["bb_middle"], out["bb_lower"] = upper, middle, lower
    with np.errstate(divide="ignore", invalid="ignore"):
        out["bb_pctb"] = (close - lower) / np.where(upper != lower, upper - lower, np.nan)
        out["bb_width"] = (upper - lower) / middle * 100
    out[p.adx_column] = talib.ADX(high, low, close, p.adx)
    out[p.plus_di_column] = talib.PLUS_DI(high, low, close, p.adx)
    out[p.minus_di_column] = talib.MINUS_DI(high, low, close, p.adx)
    out[p.atr_column] = talib.ATR(high, low, close, p.atr)
    out["obv"] = talib.OBV(close, volume)
    out[p.roc_column] = talib.ROC(close, p.roc)
    n = p.volatility_window
    out[p.volatility_column] = talib.STDDEV(talib.LN(talib.ROCR(close, 1)), n, 1.0) * math.sqrt(n / (n - 1))
    out[p.volume_ma_column] = talib.SMA(volume, p.volume_ma)
    swing_high, swing_low = talib.MAX(high, p.fib_lookback), talib.MIN(low, p.fib_lookback)
    out["fib_high"], out["fib_low"] = swing_high, swing_low
    for ratio in FIB_RATIOS:
        out[p.fib_column(ratio)] = swing_high - ratio * (swing_high - swing_low)
    return pd.DataFrame(out, index=df.index)[[c for c in p.columns if c in out]]


def talib_columns(params: IndicatorParams = DEFAULT_PARAMS) -> list[str]:
    """The columns whose definition names a TA-Lib function (what :func:`compute_talib` must give)."""
    return [column for column, d in definitions(params).items() if d.talib is not None]


def _mfi(high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray, n: int) -> np.ndarray:
    """TA-Lib's MFI, NaN where its window has no money flow (TA-Lib writes 0 there).

    No money flow: the window's ``n`` candles traded nothing, or the typical
    price did not move over them and the candle before (TA-Lib's window).
    """
    mfi = talib.MFI(high, low, close, volume, n)
    typical = talib.TYPPRICE(high, low, close)
    flat = talib.MAX(typical, n + 1) == talib.MIN(typical, n + 1)
    silent = talib.SUM(volume, n) == 0.0
    return np.where(flat | silent, np.nan, mfi)


def _rows_to_settle(alpha: float) -> int:
    """Candles until a recurrence smoothing by ``alpha`` keeps less than :data:`SEED_WEIGHT` of its seed."""
    return math.ceil(math.log(SEED_WEIGHT) / math.log(1 - alpha))


def warmup(params: IndicatorParams = DEFAULT_PARAMS) -> dict[str, int]:
    """The first row from which each TA-Lib column must equal the project's.

    A window (SMA, Bollinger, MFI, ROC, MAX/MIN, OBV) has no seed: from its
    first full window (MFI's in TA-Lib starts a row later, with the candle
    before its first: row ``n``, where ``ta`` counts row 0 as flat). A
    recurrence seeded differently: the later of the two first rows plus
    :func:`_rows_to_settle` for each smoothing stage behind it
    (an EMA: ``2 / (n + 1)``; Wilder's: ``1 / n``; MACD's signal is an EMA of
    two EMAs; ADX smooths the Wilder-smoothed DI again).
    """
    p = params
    ema = {period: _rows_to_settle(2 / (period + 1)) for period in {*p.ema_periods, *p.macd}}
    _, slow, sign = p.macd
    rows = dict.fromkeys(talib_columns(p), 0)
    for period in p.ema_periods:
        rows[p.ema_column(period)] = period + ema[period]
    rows[p.mfi_column] = p.mfi
    rows[p.rsi_column] = p.rsi + _rows_to_settle(1 / p.rsi)
    rows["macd"] = slow + ema[slow]
    rows["macd_signal"] = rows["macd_hist"] = slow + sign + ema[slow] + ema[sign]
    rows[p.atr_column] = p.atr + _rows_to_settle(1 / p.atr)
    di = p.adx + 1 + _rows_to_settle(1 / p.adx)
    rows[p.plus_di_column] = rows[p.minus_di_column] = di
    rows[p.adx_column] = di + p.adx + _rows_to_settle(1 / p.adx)
    return rows
