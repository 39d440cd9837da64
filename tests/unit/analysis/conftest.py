"""Indicator frames for the rule tests, computed with the ``ta`` library itself (OBV with TA-Lib).

The rules read the analysis frame contract (``ts open high low close volume``
plus the indicator columns); building it here from ``ta`` keeps the rule tests
independent of the project's own indicator module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pytest
import ta
import talib

HOUR = 3_600_000
T0 = 1_740_787_200_000  # 2025-03-01T00:00Z

FIB_RATIOS = {"fib_236": 0.236, "fib_382": 0.382, "fib_500": 0.5, "fib_618": 0.618, "fib_786": 0.786}


def build_frame(
    closes: Sequence[float],
    volumes: Sequence[float] | None = None,
    *,
    wick: float = 0.002,
    timeframe_ms: int = HOUR,
    fib_lookback: int = 100,
) -> pd.DataFrame:
    """At least 30 candles opening at the previous close, with wicks of ``wick`` either side, and every indicator."""
    close = pd.Series(np.asarray(closes, dtype=float))
    n = len(close)
    assert n >= 30, "ta's ADX and ATR need some history"
    open_ = close.shift(1).fillna(close.iloc[0])
    high = np.maximum(open_, close) * (1 + wick)
    low = np.minimum(open_, close) * (1 - wick)
    volume = pd.Series(np.full(n, 100.0) if volumes is None else np.asarray(volumes, dtype=float))
    f = pd.DataFrame({"ts": T0 + np.arange(n) * timeframe_ms, "open": open_, "high": high, "low": low})
    f["close"], f["volume"] = close, volume

    for w in (9, 21, 50, 200):
        f[f"ema_{w}"] = ta.trend.EMAIndicator(close, w).ema_indicator()
    for w in (5, 10, 20, 50, 200):
        f[f"sma_{w}"] = ta.trend.SMAIndicator(close, w).sma_indicator()
    f["rsi_14"] = ta.momentum.RSIIndicator(close, 14).rsi()
    f["mfi_14"] = ta.volume.MFIIndicator(high, low, close, volume, 14).money_flow_index()
    macd = ta.trend.MACD(close)
    f["macd"], f["macd_signal"], f["macd_hist"] = macd.macd(), macd.macd_signal(), macd.macd_diff()
    bb = ta.volatility.BollingerBands(close, 20, 2)
    f["bb_upper"], f["bb_middle"], f["bb_lower"] = bb.bollinger_hband(), bb.bollinger_mavg(), bb.bollinger_lband()
    f["bb_pctb"], f["bb_width"] = bb.bollinger_pband(), bb.bollinger_wband()
    # ta reports its warm-up as zeros where the contract says NaN.
    with np.errstate(divide="ignore", invalid="ignore"):
        adx = ta.trend.ADXIndicator(high, low, close, 14)
        f["adx_14"], f["plus_di_14"], f["minus_di_14"] = adx.adx(), adx.adx_pos(), adx.adx_neg()
    f.loc[: 2 * 14 - 1, ["adx_14", "plus_di_14", "minus_di_14"]] = np.nan
    f["atr_14"] = ta.volatility.AverageTrueRange(high, low, close, 14).average_true_range().where(f.index >= 13)
    # OBV as Granville and TA-Lib define it (an unchanged close adds nothing), which the project follows and ta does not
    f["obv"] = talib.OBV(close.to_numpy(), volume.to_numpy())
    f["vpt"] = ta.volume.VolumePriceTrendIndicator(close, volume).volume_price_trend()
    f["roc_12"] = ta.momentum.ROCIndicator(close, 12).roc()
    f["volatility_24"] = close.pct_change().rolling(24).std() * 100
    f["volume_ma_20"] = volume.rolling(20).mean()
    f["fib_high"] = high.rolling(fib_lookback).max()
    f["fib_low"] = low.rolling(fib_lookback).min()
    for column, ratio in FIB_RATIOS.items():
        f[column] = f["fib_high"] - ratio * (f["fib_high"] - f["fib_low"])
    return f


@pytest.fixture
def frame_of() -> Callable[..., pd.DataFrame]:
    """``frame_of(closes, volumes=None, **options)``: see :func:`build_frame`."""
    return build_frame
