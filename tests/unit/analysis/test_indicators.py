"""Indicators: the fast path equals ``ta``, sees no future candle, and gives the spec's columns.

``ta`` is the first reference (from each column's first row); TA-Lib the second, after warm-up and where
``ta`` departs from the standard (``test_indicators_talib.py``).

The market is the seeded simulated one (regimes: calm, trends, volatility
bursts, volume spikes), 720 closed hourly candles as Kraken would return them.

Warm-up. Agreement with ``ta`` is asserted from each column's first defined row,
with no extra warm-up rows, and the first defined row of every column is pinned
in :data:`FIRST_VALID`. No warm-up is needed because the fast path starts every
recurrence from ``ta``'s own seed (EMA, MACD and RSI from the first row, as
pandas' ewm does in ``ta``; ATR, +DI/-DI and ADX from the mean of their first
``n`` inputs). A differently seeded Wilder average would differ by
``(1 - 1/14)^k`` after ``k`` rows and need about 280 rows to fall under 1e-9
(EMA(200): several thousand), so no tolerance-after-warm-up could hide a seeding
error on 720 rows; the same goes for ADX, whose second smoothing only doubles
the seed offset (row 27 instead of 13).
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest
import talib

from crypto_advisor.contracts.candle import COLUMNS, Candle
from crypto_advisor.local.market import SimulatedMarket
from crypto_advisor.market.frame import from_rows, to_frame
from crypto_advisor.market.indicator_spec import (
    DIFFERS_FROM_TA,
    FIB_RATIOS,
    INDICATOR_COLUMNS,
    IndicatorParams,
    column_family,
)
from crypto_advisor.market.indicators import compute
from tests.oracles.indicators_reference import compute_reference

H = 3_600_000
NOW = SimulatedMarket().epoch_ms + 1_000 * H + 20 * 60_000  # the candle opened 20 minutes ago is still forming
MARKETS = [("BTC-USD", 7), ("DOGE-USD", 21)]

#: The names trigger rules are written against: the spec must give exactly these for the default parameters.
# fmt: off
AGREED_NAMES = [
    "ema_9", "ema_21", "ema_50", "ema_200",
    "sma_5", "sma_10", "sma_20", "sma_50", "sma_200",
    "rsi_14", "mfi_14",
    "macd", "macd_signal", "macd_hist",
    "bb_upper", "bb_middle", "bb_lower", "bb_pctb", "bb_width",
    "adx_14", "plus_di_14", "minus_di_14", "atr_14",
    "obv", "vpt",
    "roc_12", "volatility_24", "volume_ma_20",
    "fib_high", "fib_low", "fib_236", "fib_382", "fib_500", "fib_618", "fib_786",
]
# fmt: on

#: First row with a value, per column, for the default parameters (0-based; rows before it are NaN).
FIRST_VALID = {
    **{f"ema_{p}": p - 1 for p in (9, 21, 50, 200)},
    **{f"sma_{p}": p - 1 for p in (5, 10, 20, 50, 200)},
    "rsi_14": 13,  # ta: ewm(min_periods=14) over gains/losses, row 0 counting as a 0.0 change
    "mfi_14": 13,  # row 0 counts as a flat candle in ta
    "macd": 25,
    "macd_signal": 33,  # EMA(9) of macd, counted from macd's first value
    "macd_hist": 33,
    **dict.fromkeys(("bb_upper", "bb_middle", "bb_lower", "bb_pctb", "bb_width"), 19),
    "adx_14": 27,  # mean of DX over rows 14..27 (2n - 1)
    "plus_di_14": 15,  # ta leaves row n unset
    "minus_di_14": 15,
    "atr_14": 13,
    "obv": 0,
    "vpt": 1,
    "roc_12": 12,
    "volatility_24": 24,  # 24 log returns, the first one at row 1
    "volume_ma_20": 19,
    **dict.fromkeys(("fib_high", "fib_low", "fib_236", "fib_382", "fib_500", "fib_618", "fib_786"), 99),
}


def closed_rows(symbol: str, seed: int, count: int = 720) -> list[list[float]]:
    rows = SimulatedMarket(seed=seed).candles(symbol, H, NOW)
    return [r for r in rows if r[0] + H <= NOW][-count:]


@pytest.fixture(scope="module", params=MARKETS, ids=[s for s, _ in MARKETS])
def market(request: pytest.FixtureRequest) -> pd.DataFrame:
    return from_rows(closed_rows(*request.param))


@pytest.fixture(scope="module")
def btc() -> pd.DataFrame:
    return from_rows(closed_rows(*MARKETS[0]))


@pytest.fixture(scope="module")
def fast(market: pd.DataFrame) -> pd.DataFrame:
    return compute(market)


@pytest.fixture(scope="module")
def reference(market: pd.DataFrame) -> pd.DataFrame:
    return compute_reference(market)


def assert_same_as_ta(fast: pd.DataFrame, reference: pd.DataFrame, column: str) -> None:
    """Equal to 1e-9 relative, NaN exactly where ta has NaN.

    ``atol`` is 1e-12 of the column's largest magnitude, so that values crossing
    zero (macd_hist, roc, vpt) are judged on the column's scale.
    """
    got, want = fast[column].to_numpy(), reference[column].to_numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"{column}: NaN rows differ from ta")
    scale = np.nanmax(np.abs(want)) if (~np.isnan(want)).any() else 0.0
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12 * scale, equal_nan=True, err_msg=column)


# --- the fast path equals ta ---


@pytest.mark.parametrize("column", INDICATOR_COLUMNS)
def test_every_column_equals_ta_from_its_first_row(fast: pd.DataFrame, reference: pd.DataFrame, column: str) -> None:
    # Given 720 closed candles (fixtures), When both paths compute them
    # Then the column agrees with ta on every row, NaN rows included
    assert_same_as_ta(fast, reference, column)


def test_each_column_starts_on_its_documented_row(fast: pd.DataFrame) -> None:
    # Given the default parameters, When the fast path computes 720 candles
    first_valid = {c: int(np.argmax(fast[c].notna().to_numpy())) for c in INDICATOR_COLUMNS}
    # Then every column is NaN exactly up to its warm-up and defined from then on
    assert first_valid == FIRST_VALID
    assert all(fast[c].iloc[FIRST_VALID[c] :].notna().all() for c in INDICATOR_COLUMNS)


def test_other_parameters_rename_the_columns_and_still_equal_ta(btc: pd.DataFrame) -> None:
    # Given parameters unlike the defaults, with different periods for RSI, ATR and ADX
    params = IndicatorParams(
        ema_periods=(7, 30),
        sma_periods=(3,),
        rsi=9,
        mfi=10,
        macd=(5, 35, 5),
        bb=(10, 2.5),
        adx=10,
        atr=20,
        roc=3,
        volatility_window=12,
        volume_ma=7,
        fib_lookback=50,
    )
    # When both paths compute with them
    fast, reference = compute(btc, params), compute_reference(btc, params)
    # Then the names follow the parameters, and every column still equals ta
    assert {"ema_7", "ema_30", "sma_3", "rsi_9", "mfi_10", "adx_10", "plus_di_10", "minus_di_10"} <= set(fast.columns)
    assert {"atr_20", "roc_3", "volatility_12", "volume_ma_7"} <= set(fast.columns)
    assert list(fast.columns) == list(reference.columns) == [*COLUMNS, *params.columns]
    for column in params.columns:
        assert_same_as_ta(fast, reference, column)


@pytest.mark.parametrize("rows", [0, 1, 2, 14, 15, 27, 28, 99, 100])
def test_short_frames_equal_ta_and_are_nan_where_history_is_missing(btc: pd.DataFrame, rows: int) -> None:
    # Given fewer candles than some indicators need (ta's own ATR and ADX raise below 14 and 28 rows)
    frame = btc.iloc[:rows]
    # When both paths compute them
    fast, reference = compute(frame), compute_reference(frame)
    # Then each column equals ta, NaN where its window is not yet full
    assert len(fast) == rows
    for column in INDICATOR_COLUMNS:
        assert_same_as_ta(fast, reference, column)


def test_flat_prices_and_zero_volume_follow_ta_conventions(btc: pd.DataFrame) -> None:
    # Given 60 candles with one price and (for 30 of them) no volume, then 60 candles that only rise
    frame = btc.iloc[:300].copy()
    for column in ("open", "high", "low", "close"):
        frame.loc[:59, column] = 100.0
    frame.loc[:29, "volume"] = 0.0
    rise = 100.0 + np.arange(60)
    frame.loc[60:119, "close"] = frame.loc[60:119, "high"] = rise
    frame.loc[60:119, "open"] = frame.loc[60:119, "low"] = rise - 0.5
    # When both paths compute them
    fast, reference = compute(frame), compute_reference(frame)
    # Then the divisions by zero come out as ta has them (%b undefined on a flat band, RSI 100 with no
    # losses, DI and DX 0 with no range), and every column equals ta but those the spec says differ from it
    assert fast.loc[19:59, "bb_pctb"].isna().all()
    assert (fast.loc[13:119, "rsi_14"] == 100.0).all()
    assert (fast.loc[27:59, ["plus_di_14", "minus_di_14", "adx_14"]].dropna() == 0.0).all().all()
    for column in INDICATOR_COLUMNS:
        if column_family(column) not in DIFFERS_FROM_TA:
            assert_same_as_ta(fast, reference, column)
    # and OBV, which ta moves on every unchanged close, stays flat over them, as TA-Lib's does
    assert (fast.loc[:59, "obv"] == fast.loc[0, "obv"]).all()
    talib_obv = talib.OBV(frame["close"].to_numpy(), frame["volume"].to_numpy())
    np.testing.assert_array_equal(fast["obv"].to_numpy(), talib_obv)


def test_columns_ta_lacks_follow_their_documented_definition(btc: pd.DataFrame) -> None:
    # Given 720 candles, When the fast path computes them
    out = compute(btc)
    t = 500
    highs, lows = btc["high"].tolist(), btc["low"].tolist()
    closes, volumes = btc["close"].tolist(), btc["volume"].tolist()
    # Then fib levels retrace the high-low range of the last 100 candles, candle t included
    top, bottom = max(highs[t - 99 : t + 1]), min(lows[t - 99 : t + 1])
    expected = {"fib_high": top, "fib_low": bottom}
    expected |= {f"fib_{round(r * 1000):03d}": top - r * (top - bottom) for r in FIB_RATIOS}
    # and volatility is the sample std of the last 24 log returns, volume_ma the mean of the last 20 volumes
    returns = [math.log(closes[i] / closes[i - 1]) for i in range(t - 23, t + 1)]
    expected["volatility_24"] = statistics.stdev(returns)
    expected["volume_ma_20"] = statistics.fmean(volumes[t - 19 : t + 1])
    assert out.loc[t, list(expected)].to_dict() == pytest.approx(expected, rel=1e-12)


# --- no lookahead ---


@pytest.mark.parametrize("t", [0, 1, 13, 14, 15, 27, 33, 99, 199, 360, 718])
def test_no_row_depends_on_a_later_row(btc: pd.DataFrame, t: int) -> None:
    # Given the indicators of all 720 candles
    full = compute(btc)
    # When only the candles up to t are known
    known = compute(btc.iloc[: t + 1])
    # Then rows 0..t are what they are with the whole history (the last of them included)
    np.testing.assert_allclose(
        known.to_numpy(dtype=np.float64),
        full.iloc[: t + 1].to_numpy(dtype=np.float64),
        rtol=1e-12,
        atol=0,
        equal_nan=True,
    )


# --- shape of the output ---


def test_default_columns_are_the_agreed_names() -> None:
    # Given the default parameters, Then the spec names exactly the columns the trigger rules use
    assert list(INDICATOR_COLUMNS) == AGREED_NAMES


def test_output_is_the_input_columns_then_the_spec_columns(fast: pd.DataFrame) -> None:
    # Given 720 candles computed by the fast path (fixture), Then the columns are the candle's and the spec's
    assert list(fast.columns) == [*COLUMNS, *INDICATOR_COLUMNS]
    assert fast["ts"].dtype == np.int64
    assert all(fast[c].dtype == np.float64 for c in fast.columns[1:])


def test_output_has_one_row_per_input_row_on_the_same_index(btc: pd.DataFrame) -> None:
    # Given a frame that does not start at index 0
    frame = btc.iloc[100:]
    # When the fast path computes it
    out = compute(frame)
    # Then it has one row per candle, on the input's index, with the input's values
    assert len(out) == len(frame)
    assert out.index.equals(frame.index)
    pd.testing.assert_frame_equal(out[list(COLUMNS)], frame)


def test_input_frame_is_not_mutated(btc: pd.DataFrame) -> None:
    # Given a frame and a copy of it
    frame = btc.copy()
    before = frame.copy(deep=True)
    # When the fast path computes it and the caller then writes into the result
    out = compute(frame)
    out.loc[out.index[0], "close"] = -1.0
    # Then the input is as it was
    pd.testing.assert_frame_equal(frame, before)


def test_computing_twice_replaces_the_indicator_columns(btc: pd.DataFrame) -> None:
    # Given a frame that already carries indicator columns
    once = compute(btc)
    # When it is computed again, Then the result is the same frame, not a frame with duplicated columns
    pd.testing.assert_frame_equal(compute(once), once)


# --- frames and parameters ---


def test_to_frame_and_from_rows_build_the_same_typed_frame() -> None:
    # Given the same candles as Candle objects and as raw rows
    rows = closed_rows("ETH-USD", 3, count=5)
    candles = [Candle(int(r[0]), *map(float, r[1:6])) for r in rows]
    # When each is turned into a frame
    from_candles, from_raw = to_frame(candles), from_rows(rows)
    # Then both are the OHLCV frame: the contract's columns, ts int64, prices float64, a RangeIndex
    pd.testing.assert_frame_equal(from_candles, from_raw)
    assert list(from_candles.columns) == list(COLUMNS)
    assert from_candles["ts"].dtype == np.int64
    assert (from_candles.dtypes.iloc[1:] == np.float64).all()
    assert isinstance(from_candles.index, pd.RangeIndex)
    assert from_candles["ts"].tolist() == [r[0] for r in rows]


def test_no_candles_make_an_empty_typed_frame() -> None:
    # Given no candles, When they are turned into a frame
    frame = to_frame([])
    # Then it has the columns and dtypes of any other frame, and no rows
    assert list(frame.columns) == list(COLUMNS)
    assert frame["ts"].dtype == np.int64
    assert len(frame) == 0
    pd.testing.assert_frame_equal(frame, from_rows([]))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ema_periods": (9, 9)},  # two columns named ema_9
        {"rsi": 0},
        {"atr": 14.0},
        {"macd": (26, 12, 9)},  # fast slower than slow
        {"bb": (20, 0.0)},
        {"volatility_window": 1},  # a sample std needs two returns
    ],
)
def test_parameters_that_make_no_sense_are_refused(kwargs: dict[str, object]) -> None:
    # Given parameters that would collide or could not be computed, When they are built, Then they are refused
    with pytest.raises(ValueError):
        IndicatorParams(**kwargs)  # type: ignore[arg-type]
