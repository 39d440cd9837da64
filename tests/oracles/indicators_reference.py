"""Every indicator of :mod:`.indicator_spec` computed with the ``ta`` library: the reference of truth.

The fast path (:mod:`.indicators`) is proved equal to this module by the unit
tests; nothing in the deployed analysis calls it. ``ta`` runs with
``fillna=False``; pandas computes the few columns ``ta`` has no indicator for
(``volatility_*``, ``volume_ma_*``, ``fib_*``), as the spec defines them.

Two things are not ``ta``'s output as it comes:

- ``ta``'s ATR, ADX and +DI/-DI write ``0.0`` on the rows they never compute
  (before the first full window), even with ``fillna=False``. A zero there would
  read as "no volatility" or "no trend", so those rows are NaN here: rows before
  ``atr - 1`` for ATR, up to and including row ``adx`` for +DI/-DI (``ta``
  leaves that row unset although it could compute it), before ``2 * adx - 1``
  for ADX. Rows are masked by position, never by value.
- ``ta``'s ATR needs at least ``atr`` rows and its ADX at least ``2 * adx``
  (shorter frames raise inside ``ta``). For shorter frames the frame is padded
  with repeats of its last candle to that length and cut back afterwards; both
  indicators are causal in ``ta`` (row ``t`` reads rows up to ``t`` only), so
  the rows kept are ``ta``'s values for the real rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from ta.momentum import ROCIndicator, RSIIndicator
from ta.trend import MACD, ADXIndicator, EMAIndicator, SMAIndicator
from ta.volatility import AverageTrueRange, BollingerBands
from ta.volume import MFIIndicator, OnBalanceVolumeIndicator, VolumePriceTrendIndicator

from crypto_advisor.contracts.candle import COLUMNS
from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS, FIB_RATIOS, IndicatorParams


def compute_reference(df: pd.DataFrame, params: IndicatorParams = DEFAULT_PARAMS) -> pd.DataFrame:
    """The input columns followed by every indicator column of ``params``, computed with ``ta``."""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"frame lacks columns {missing}")
    frame = df.reset_index(drop=True)
    high, low, close, volume = (frame[c].astype("float64") for c in ("high", "low", "close", "volume"))
    p = params
    out: dict[str, pd.Series] = {}

    for period in p.ema_periods:
        out[p.ema_column(period)] = EMAIndicator(close, period, fillna=False).ema_indicator()
    for period in p.sma_periods:
        out[p.sma_column(period)] = SMAIndicator(close, period, fillna=False).sma_indicator()
    out[p.rsi_column] = RSIIndicator(close, p.rsi, fillna=False).rsi()
    out[p.mfi_column] = MFIIndicator(high, low, close, volume, p.mfi, fillna=False).money_flow_index()

    fast, slow, sign = p.macd
    macd = MACD(close, window_slow=slow, window_fast=fast, window_sign=sign, fillna=False)
    out["macd"] = macd.macd()
    out["macd_signal"] = macd.macd_signal()
    out["macd_hist"] = macd.macd_diff()

    window, devs = p.bb
    bands = BollingerBands(close, window=window, window_dev=devs, fillna=False)
    out["bb_upper"] = bands.bollinger_hband()
    out["bb_middle"] = bands.bollinger_mavg()
    out["bb_lower"] = bands.bollinger_lband()
    out["bb_pctb"] = bands.bollinger_pband()
    out["bb_width"] = bands.bollinger_wband()

    out.update(_adx(frame, p))
    out.update(_atr(frame, p))

    out["obv"] = OnBalanceVolumeIndicator(close, volume, fillna=False).on_balance_volume()
    out["vpt"] = VolumePriceTrendIndicator(close, volume, fillna=False).volume_price_trend()
    out[p.roc_column] = ROCIndicator(close, p.roc, fillna=False).roc()

    log_returns = np.log(close / close.shift(1))
    out[p.volatility_column] = log_returns.rolling(p.volatility_window, min_periods=p.volatility_window).std(ddof=1)
    out[p.volume_ma_column] = volume.rolling(p.volume_ma, min_periods=p.volume_ma).mean()

    swing_high = high.rolling(p.fib_lookback, min_periods=p.fib_lookback).max()
    swing_low = low.rolling(p.fib_lookback, min_periods=p.fib_lookback).min()
    out["fib_high"] = swing_high
    out["fib_low"] = swing_low
    for ratio in FIB_RATIOS:
        out[p.fib_column(ratio)] = swing_high - ratio * (swing_high - swing_low)

    indicators = pd.DataFrame({name: out[name].to_numpy(dtype="float64") for name in p.columns}, index=df.index)
    return pd.concat([df.drop(columns=[c for c in p.columns if c in df.columns]), indicators], axis=1)


def _adx(frame: pd.DataFrame, p: IndicatorParams) -> dict[str, pd.Series]:
    n = p.adx
    names = (p.adx_column, p.plus_di_column, p.minus_di_column)
    if frame.empty:
        return {name: pd.Series(np.nan, index=frame.index) for name in names}
    padded = _padded(frame, 2 * n)
    indicator = ADXIndicator(padded["high"], padded["low"], padded["close"], window=n, fillna=False)
    rows = len(frame)
    adx = indicator.adx().to_numpy(dtype="float64", copy=True)[:rows]
    plus = indicator.adx_pos().to_numpy(dtype="float64", copy=True)[:rows]
    minus = indicator.adx_neg().to_numpy(dtype="float64", copy=True)[:rows]
    adx[: 2 * n - 1] = np.nan
    plus[: n + 1] = np.nan
    minus[: n + 1] = np.nan
    return {names[0]: pd.Series(adx), names[1]: pd.Series(plus), names[2]: pd.Series(minus)}


def _atr(frame: pd.DataFrame, p: IndicatorParams) -> dict[str, pd.Series]:
    n = p.atr
    if frame.empty:
        return {p.atr_column: pd.Series(np.nan, index=frame.index)}
    padded = _padded(frame, n)
    atr = AverageTrueRange(padded["high"], padded["low"], padded["close"], window=n, fillna=False)
    values = atr.average_true_range().to_numpy(dtype="float64", copy=True)[: len(frame)]
    values[: n - 1] = np.nan
    return {p.atr_column: pd.Series(values)}


def _padded(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    """``frame`` followed by repeats of its last row up to ``rows`` rows (as is when already that long)."""
    if len(frame) >= rows:
        return frame
    tail = frame.iloc[[-1] * (rows - len(frame))]
    return pd.concat([frame, tail], ignore_index=True)
