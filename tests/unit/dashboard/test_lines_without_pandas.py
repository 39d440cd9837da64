"""The dashboard's figures without pandas are the pandas figures: the chart's indicator lines and the correlation.

DashboardFunction no longer ships pandas (issue 12's 100 MB): its lines and its correlation matrix are computed by
:mod:`crypto_advisor.market.windows`. Here they are compared, value for value and to the last bit, with what the
analysis' pandas code computes (``indicator_frame``, and the overview's former ``DataFrame.corr``) over the
demo's market: its seven symbols, with the demo's glitches (a candle without volume), and a series that starts
inside the window (fewer common returns than the rest).
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS
from crypto_advisor.dashboard.overview import CORRELATION_DAYS, MIN_COMMON_RETURNS, correlation
from crypto_advisor.dashboard.series_view import BAND_COLUMNS, EMA_COLUMNS, MACD_COLUMNS, chart_lines
from crypto_advisor.local.demo import START, demo_market
from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS
from crypto_advisor.market.indicators import indicator_frame

SYMBOLS = ("BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD", "HYPE-USD", "DOGE-USD", "ADA-USD")
NOW = int((START + timedelta(days=3, hours=13)).timestamp() * 1000)


def demo_candles(symbol: str, timeframe_ms: int = HOUR_MS) -> list[Candle]:
    """The last 1,000 closed candles (the forming one is never stored): more than the page's window and warm-up."""
    rows = demo_market().candles(symbol, timeframe_ms, NOW, from_ms=NOW - 1_001 * timeframe_ms)[:-1]
    return [Candle(int(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows]


COLUMNS = (*EMA_COLUMNS, *BAND_COLUMNS, *MACD_COLUMNS, DEFAULT_PARAMS.rsi_column, DEFAULT_PARAMS.volume_ma_column)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and all((x == y) or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("timeframe_ms", [HOUR_MS, 4 * HOUR_MS])
def test_the_chart_lines_are_the_analysis_frame_to_the_last_bit(symbol, timeframe_ms):
    # Given a series' stored candles of the demo's market
    candles = demo_candles(symbol, timeframe_ms)
    assert len(candles) > 60
    # When the dashboard computes its lines without pandas, and the analysis its frame with pandas
    lines = chart_lines(candles)
    frame = indicator_frame(candles).frame
    # Then every line the chart draws is the frame's column, bit for bit, NaN where the frame has NaN
    assert list(lines["ts"]) == list(frame["ts"])
    for column in COLUMNS:
        assert same_bits(lines[column], frame[column].to_numpy()), column


def test_a_short_window_and_an_empty_one_are_what_pandas_makes_of_them():
    candles = demo_candles("BTC-USD")[:12]  # fewer than every window but the shortest EMA
    lines, frame = chart_lines(candles), indicator_frame(candles).frame
    for column in COLUMNS:
        assert same_bits(lines[column], frame[column].to_numpy()), column
    assert all(len(v) == 0 for v in chart_lines([]).values())


def pandas_correlation(windows: dict[str, list[Candle]], until_ms: int) -> list[list[float | None]]:
    """The overview's correlation as pandas computed it before (kept here as the oracle)."""
    since = until_ms - CORRELATION_DAYS * DAY_MS
    returns = {}
    for key, candles in windows.items():
        closes = pd.Series({c.ts: c.close for c in candles if c.ts >= since}, dtype=float).sort_index()
        returns[key] = np.log(closes).diff().dropna()
    keys = list(windows)
    matrix = pd.DataFrame(returns, columns=keys).corr(min_periods=MIN_COMMON_RETURNS)
    return [[None if not math.isfinite(v := float(matrix.at[a, b])) else v for b in keys] for a in keys]


def test_the_correlation_matrix_is_pandas_to_the_last_bit():
    # Given the demo's series, one of them listed late (only its last 8 hours) and one on another timeframe
    windows = {f"kraken:{s}:1h": demo_candles(s) for s in SYMBOLS}
    windows["kraken:NEW-USD:1h"] = demo_candles("DOGE-USD")[-8:]
    windows["kraken:BTC-USD:4h"] = demo_candles("BTC-USD", 4 * HOUR_MS)
    # When the overview correlates them without pandas
    ours = correlation(windows, NOW)
    # Then the matrix is pandas' own: the same numbers, and null where pandas has too few common returns
    assert ours.keys == list(windows)
    assert ours.matrix == pandas_correlation(windows, NOW)
    assert ours.matrix[0][1] is not None and ours.matrix[0][-2] is None
    assert correlation({}, NOW).matrix == []
