"""Indicators against TA-Lib, the second reference: every column TA-Lib has, equal after warm-up.

Two kinds of market. The seeded simulated one (3,000 hourly candles, long
enough for EMA(200)'s seed to fade: see :func:`tests.oracles.talib_reference.warmup`),
whose float prices never tie; and a real-shaped one: the same market quoted as
Kraken quotes BTC/USD (prices in 0.1-dollar ticks, volumes in 1e-8), with runs
of unchanged closes and candles whose typical price equals the one before in
decimal but not in floats, the two cases where ``ta`` departs from the standard
(``indicator_spec.DIFFERS_FROM_TA``).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import talib

from crypto_advisor.local.market import SimulatedMarket
from crypto_advisor.market.frame import from_rows
from crypto_advisor.market.indicator_spec import (
    DIFFERS_FROM_TA,
    INDICATOR_COLUMNS,
    column_family,
    definitions,
)
from crypto_advisor.market.indicators import compute
from tests.oracles.indicators_reference import compute_reference
from tests.oracles.talib_reference import compute_talib, talib_columns, warmup

H = 3_600_000
CANDLES = 3_000
TICK = 0.1


def seeded(symbol: str, seed: int, count: int = CANDLES) -> pd.DataFrame:
    market = SimulatedMarket(seed=seed)
    now = market.epoch_ms + (count + 1) * H + 20 * 60_000
    return from_rows([r for r in market.candles(symbol, H, now) if r[0] + H <= now][-count:])


def _ticks(x: float) -> float:
    return round(round(x / TICK) * TICK, 1)


def real_shaped(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` quoted in ticks, every 7th candle closing where the one before did, every 11th tying its typical price.

    A tie: the candle opens at the previous close and takes the previous
    candle's high, low and close shifted so that their sum, in decimal, is the
    same (``high + a``, ``low``, ``close - a`` or ``high + a``, ``low - a``,
    ``close``): equal typical prices that differ in the last bits as floats.
    """
    rows = frame[["ts", "open", "high", "low", "close", "volume"]].to_numpy(dtype=object).tolist()
    out: list[list[float]] = []
    for i, (ts, o, h, lo, c, v) in enumerate(rows):
        o, h, lo, c = (_ticks(float(x)) for x in (o, h, lo, c))
        if out:
            o = out[-1][4]  # opens at the previous close, as a continuous market does
        if out and i % 7 == 0:
            c = out[-1][4]
        if out and i % 11 == 0:
            tie = _tie(out[-1])
            if tie is not None:
                h, lo, c = tie
        h, lo = max(h, o, c), min(lo, o, c)
        out.append([int(ts), o, h, lo, c, round(float(v), 8)])
    return from_rows(out)


def _tie(previous: list[float]) -> tuple[float, float, float] | None:
    """High, low and close with the previous candle's typical price in decimal, and not in floats."""
    _, _, h, lo, c, _ = previous
    typical = (h + lo + c) / 3
    for a in (round(k * TICK, 1) for k in range(1, 60)):
        for candidate in ((_ticks(h + a), lo, _ticks(c - a)), (_ticks(h + a), _ticks(lo - a), c)):
            ch, cl, cc = candidate
            if cl <= min(c, cc) and max(c, cc) <= ch and (ch + cl + cc) / 3 != typical:
                return candidate
    return None


def decimal_ties(frame: pd.DataFrame) -> int:
    """Candles whose typical price equals the previous one in decimal while their float typical prices differ."""
    h, lo, c = (frame[k].tolist() for k in ("high", "low", "close"))
    decimal = [Decimal(repr(a)) + Decimal(repr(b)) + Decimal(repr(x)) for a, b, x in zip(h, lo, c, strict=True)]
    floats = [(a + b + x) / 3 for a, b, x in zip(h, lo, c, strict=True)]
    return sum(1 for t in range(1, len(h)) if decimal[t] == decimal[t - 1] and floats[t] != floats[t - 1])


MARKETS = {
    "seeded BTC": lambda: seeded("BTC-USD", 7),
    "seeded DOGE": lambda: seeded("DOGE-USD", 21),
    "real-shaped BTC": lambda: real_shaped(seeded("BTC-USD", 7)),
}


@pytest.fixture(scope="module", params=list(MARKETS))
def market(request: pytest.FixtureRequest) -> pd.DataFrame:
    return MARKETS[request.param]()


@pytest.fixture(scope="module")
def shaped() -> pd.DataFrame:
    return MARKETS["real-shaped BTC"]()


def assert_same_as_talib(got: pd.DataFrame, want: pd.DataFrame, column: str, start: int) -> None:
    """From ``start`` on: NaN on the same rows, and equal to 1e-9 relative (atol 1e-12 of the column's scale).

    %b is the one column computed as a small difference of large ones, ``close - lower``: the bands agree to
    5e-12 of the price (TA-Lib's variance is the mean of squares less the squared mean, pandas' a running sum
    of deviations), which %b scales by ``close / (upper - lower)``, so its absolute tolerance is 1e-10 of that
    per row.
    """
    g, w = got[column].to_numpy()[start:], want[column].to_numpy()[start:]
    assert len(g) >= 400, f"{column}: only {len(g)} rows after warm-up, too few to prove anything"
    np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=f"{column}: NaN rows differ from TA-Lib")
    atol = 1e-12 * np.nanmax(np.abs(w))
    if column_family(column) == "bb_pctb":
        band = (want["bb_upper"] - want["bb_lower"]).to_numpy()[start:]
        atol = 1e-10 * got["close"].to_numpy()[start:] / band
    close_enough = np.isnan(w) | (np.abs(g - w) <= atol + 1e-9 * np.abs(w))
    assert close_enough.all(), (
        f"{column}: {int((~close_enough).sum())} rows differ from TA-Lib, the first at row "
        f"{start + int(np.argmin(close_enough))}: {g[~close_enough][:3]} against {w[~close_enough][:3]}"
    )


# --- every column TA-Lib has equals TA-Lib after warm-up ---


@pytest.mark.parametrize("column", talib_columns())
def test_every_column_equals_talib_after_warmup(market: pd.DataFrame, column: str) -> None:
    # Given 3,000 closed hourly candles (seeded, or quoted in ticks with unchanged closes and tied typical prices)
    # When the project and TA-Lib compute them
    got, want = compute(market), compute_talib(market)
    # Then the column equals TA-Lib's from the row where the two seeds no longer matter
    assert_same_as_talib(got, want, column, warmup()[column])


def test_the_real_shaped_market_has_the_cases_ta_gets_wrong(shaped: pd.DataFrame) -> None:
    # Given the real-shaped market, Then it holds what the TA-Lib comparison is about: hundreds of unchanged closes,
    # and dozens of typical prices equal to the one before in decimal but not as floats
    closes = shaped["close"].to_numpy()
    assert (closes[1:] == closes[:-1]).sum() >= 400
    assert decimal_ties(shaped) >= 100


def test_warmup_is_where_the_seeds_stop_mattering() -> None:
    # Given the warm-up rows, Then windows need none, and the slow recurrences need the most (EMA 200: 2,500 rows)
    rows = warmup()
    assert rows["sma_200"] == rows["obv"] == rows["bb_upper"] == 0
    assert rows["mfi_14"] == 14  # TA-Lib's window starts with the candle before it
    assert rows["ema_200"] == max(rows.values()) < CANDLES - 400
    assert rows["adx_14"] > rows["plus_di_14"] > rows["atr_14"] > 0


# --- the definitions the spec states ---


def test_every_column_names_its_definition_and_talib_covers_those_it_names() -> None:
    # Given the spec's definitions, Then every column has one, and the TA-Lib oracle computes exactly the columns
    # whose definition names a TA-Lib function (vpt alone stays with ta)
    assert list(definitions()) == list(INDICATOR_COLUMNS)
    assert list(compute_talib(seeded("BTC-USD", 7, count=50)).columns) == talib_columns()
    assert [c for c in INDICATOR_COLUMNS if c not in talib_columns()] == ["vpt"]


def test_the_columns_that_differ_from_ta_are_exactly_the_stated_ones(shaped: pd.DataFrame) -> None:
    # Given the real-shaped market, When the project and ta compute it
    got, ta = compute(shaped), compute_reference(shaped)
    # Then the columns the spec says differ from ta do, and every other column equals ta from its first row
    differing = set()
    for column in INDICATOR_COLUMNS:
        g, w = got[column].to_numpy(), ta[column].to_numpy()
        scale = np.nanmax(np.abs(w))
        if not np.allclose(g, w, rtol=1e-9, atol=1e-12 * scale, equal_nan=True):
            differing.add(column_family(column))
    assert differing == set(DIFFERS_FROM_TA)
    assert all(definitions()[c].differs for c in INDICATOR_COLUMNS if column_family(c) in differing)


# --- the two definitions, on the candles that tell them apart ---


def test_obv_is_unchanged_on_an_unchanged_close() -> None:
    # Given closes that rise, hold, fall and hold, with doubling volumes
    close = np.array([10.0, 11.0, 11.0, 10.0, 10.0, 10.5])
    volume = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
    frame = from_rows([[i * H, c, c, c, c, v] for i, (c, v) in enumerate(zip(close, volume, strict=True))])
    # When OBV is computed
    obv = compute(frame)["obv"].to_numpy()
    # Then an unchanged close adds nothing (Granville; TA-Lib), where ta would add its volume
    np.testing.assert_array_equal(obv, [1.0, 3.0, 3.0, -5.0, -5.0, 27.0])
    np.testing.assert_array_equal(obv, talib.OBV(close, volume))


def test_mfi_counts_typical_prices_equal_in_decimal_as_unchanged() -> None:
    # Given 15 rising hourly candles at BTC's prices, then one whose typical price equals the one before in decimal
    # ((17825.4 + 17790.1 + 17802.7) / 3 against (17825.7 + 17790.1 + 17802.4) / 3) but is 3.6e-12 lower in floats
    rows = [[i * H, 17000.0 + 50 * i, 17030.0 + 50 * i, 16990.0 + 50 * i, 17020.0 + 50 * i, 2.0] for i in range(14)]
    rows.append([14 * H, 17800.0, 17825.7, 17790.1, 17802.4, 3.0])
    rows.append([15 * H, 17802.4, 17825.4, 17790.1, 17802.7, 5.0])
    frame = from_rows(rows)
    typical = (frame["high"] + frame["low"] + frame["close"]) / 3
    assert typical.iloc[15] < typical.iloc[14]
    assert Decimal("17825.4") + Decimal("17790.1") + Decimal("17802.7") == Decimal("17825.7") + Decimal(
        "17790.1"
    ) + Decimal("17802.4")
    # When MFI is computed
    mfi = compute(frame)["mfi_14"].to_numpy()
    # Then the tie moves no money, so MFI stays 100 as TA-Lib has it (ta counts the candle as outflow: 83.5)
    assert mfi[15] == 100.0
    assert talib.MFI(*(frame[k].to_numpy() for k in ("high", "low", "close", "volume")), 14)[15] == 100.0
    assert compute_reference(frame)["mfi_14"].iloc[15] < 90.0


def test_a_real_change_of_one_tick_is_not_a_tie() -> None:
    # Given the same candles, the last one's close one 0.1-dollar tick lower (a real, if small, fall)
    rows = [[i * H, 17000.0 + 50 * i, 17030.0 + 50 * i, 16990.0 + 50 * i, 17020.0 + 50 * i, 2.0] for i in range(14)]
    rows.append([14 * H, 17800.0, 17825.7, 17790.1, 17802.4, 3.0])
    rows.append([15 * H, 17802.4, 17825.4, 17790.1, 17802.6, 5.0])
    frame = from_rows(rows)
    # When MFI is computed, Then that candle's money flow is outflow, as in TA-Lib
    mfi = compute(frame)["mfi_14"].to_numpy()
    want = talib.MFI(*(frame[k].to_numpy() for k in ("high", "low", "close", "volume")), 14)[15]
    assert mfi[15] < 100.0
    assert mfi[15] == pytest.approx(want, rel=1e-12)
