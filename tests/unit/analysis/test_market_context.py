"""The market context of a candle: beta against BTC, the coin's own move, the 4 h and 1 d trends.

Each figure is checked against numpy or pandas computed by hand on constructed
series: the beta against ``numpy.polyfit`` over the returns pandas computes,
the resampling against ``pandas.Series.resample``, the EMA against ``ewm``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crypto_advisor.analysis.closed_candle import analyze
from crypto_advisor.analysis.market_context import (
    BETA_SPAN_MS,
    MIN_BETA_RETURNS,
    Reference,
    beta_reading,
    market_context,
    resampled_closes,
    trend_readings,
)
from crypto_advisor.analysis.rarity import rarities
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.analysis.service import RememberedWindows, analyze_update
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.market_context import market_reference
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS, MINUTE_MS
from crypto_advisor.market.frame import to_frame
from tests.fakes.analysis import Signals
from tests.fakes.candles import FakeCandles

HOUR = HOUR_MS
T0 = 1_788_000_000_000 // DAY_MS * DAY_MS + 3 * HOUR  # a window that starts mid-day and mid-4h bucket
BTC = Series.parse("kraken:BTC-USD:1h")
ETH = Series.parse("kraken:ETH-USD:1h")


def candles(closes: np.ndarray, t0: int = T0, step: int = HOUR, skip: frozenset[int] = frozenset()) -> list[Candle]:
    """Candles closing at ``closes``, each opening at the previous close; indexes in ``skip`` left out (gaps)."""
    out = []
    for i, close in enumerate(closes):
        if i in skip:
            continue
        open_ = float(closes[i - 1]) if i else float(close)
        out.append(
            Candle(t0 + i * step, open_, max(open_, close) * 1.001, min(open_, close) * 0.999, float(close), 1.0)
        )
    return out


def market(n: int, beta: float, seed: int = 3, last_btc: float = -0.039, last_own: float = 0.0):
    """BTC's closes and a coin's: coin return = beta * BTC's + noise; the last candle's moves as given."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.006, n - 1)
    y = beta * x + rng.normal(0, 0.004, n - 1)
    x[-1], y[-1] = last_btc, beta * last_btc + last_own
    return 90_000 * np.cumprod(np.r_[1.0, 1 + x]), 3_000 * np.cumprod(np.r_[1.0, 1 + y])


def arrays(cs: list[Candle]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([c.ts for c in cs], dtype=np.int64), np.array([c.close for c in cs])


def pandas_returns(cs: list[Candle], step: int) -> pd.Series:
    """Close-to-close returns between consecutive candles only, by candle time (pandas, the reference)."""
    closes = pd.Series([c.close for c in cs], index=[c.ts for c in cs])
    full = closes.reindex(range(cs[0].ts, cs[-1].ts + step, step))
    return full.pct_change(fill_method=None).dropna()


# ------------------------------------------------------------------------------------------------ beta


def test_beta_is_the_ols_slope_of_the_coins_returns_on_btcs_over_the_30_days_before_the_candle():
    # Given 1,000 hourly candles of BTC and of a coin with beta 1.3, and a gap in each
    btc_closes, eth_closes = market(1_000, beta=1.3)
    btc = candles(btc_closes, skip=frozenset({500}))
    eth = candles(eth_closes, skip=frozenset({700, 701}))
    ts, closes = arrays(eth)
    # When the last candle is read against BTC
    reading, note, own = beta_reading(ts, closes, Reference(BTC, btc), candle_ts=int(ts[-1]), timeframe_ms=HOUR)
    # Then the beta is numpy's OLS slope over the common returns of the 30 days before the candle (pandas' returns)
    both = pd.concat([pandas_returns(eth, HOUR), pandas_returns(btc, HOUR)], axis=1, join="inner").dropna()
    past = both[(both.index >= ts[-1] - BETA_SPAN_MS) & (both.index < ts[-1])]
    slope = np.polyfit(past.iloc[:, 1], past.iloc[:, 0], 1)[0]
    assert note is None and reading is not None and own is not None
    assert reading.beta == pytest.approx(slope, rel=1e-9)
    assert reading.returns == len(past) < 720  # the gaps cost returns; nothing older than 30 days counts
    assert reading.correlation == pytest.approx(np.corrcoef(past.iloc[:, 1], past.iloc[:, 0])[0, 1], rel=1e-9)
    assert reading.beta == pytest.approx(1.3, abs=0.1)
    # ... and the implied move is beta times BTC's move, the own move the rest, in sigmas of the same residuals
    move, btc_move = both.iloc[-1, 0], both.iloc[-1, 1]
    assert reading.btc_move == pytest.approx(-0.039)
    assert reading.implied_move == pytest.approx(slope * btc_move, rel=1e-9)
    assert reading.own_move == pytest.approx(move - slope * btc_move, rel=1e-9, abs=1e-12)
    residuals = past.iloc[:, 0] - slope * past.iloc[:, 1]
    assert reading.own_sigma == pytest.approx(reading.own_move / residuals.std(ddof=1), rel=1e-9)
    assert np.allclose(own.residuals[:-1], residuals.to_numpy()) and own.residuals[-1] == reading.own_move


def test_a_coin_that_broke_away_has_an_own_move_of_its_own_and_a_long_record():
    # Given the coin fell 4 points more than BTC's move implies at its beta
    btc_closes, eth_closes = market(720, beta=1.2, last_own=-0.04)
    ts, closes = arrays(candles(eth_closes))
    reading, _, _ = beta_reading(
        ts, closes, Reference(BTC, candles(btc_closes)), candle_ts=int(ts[-1]), timeframe_ms=HOUR
    )
    # Then its own move is about -4%, many sigmas, the largest own drop of the whole span (capped)
    assert reading is not None
    assert reading.own_move == pytest.approx(-0.04, abs=0.005)
    assert reading.own_sigma is not None and reading.own_sigma < -5
    assert reading.own_record == reading.returns and reading.own_capped


def test_no_beta_when_btcs_candle_is_not_stored_yet_or_the_common_history_is_short():
    btc_closes, eth_closes = market(720, beta=1.0)
    eth = candles(eth_closes)
    ts, closes = arrays(eth)
    late = Reference(BTC, candles(btc_closes)[:-1])
    reading, note, own = beta_reading(ts, closes, late, candle_ts=int(ts[-1]), timeframe_ms=HOUR)
    assert reading is None and own is None and note is not None and "not stored yet" in note
    short = Reference(BTC, candles(btc_closes)[-MIN_BETA_RETURNS:])
    reading, note, _ = beta_reading(ts, closes, short, candle_ts=int(ts[-1]), timeframe_ms=HOUR)
    assert reading is None and note is not None and "too few common candles" in note


def test_the_reference_is_the_watchlists_btc_of_the_timeframe_dollar_first():
    watched = [
        Series.parse("kraken:ETH-USD:1h"),
        Series.parse("kraken:XBT-EUR:1h"),
        Series.parse("coingecko:BTC-USD:1h"),
        Series.parse("kraken:BTC-USD:4h"),
    ]
    assert market_reference(watched, "1h") == Series.parse("coingecko:BTC-USD:1h")
    assert market_reference(watched, "4h") == Series.parse("kraken:BTC-USD:4h")
    assert market_reference(watched, "1d") is None
    assert market_reference(watched[:2], "1h") == Series.parse("kraken:XBT-EUR:1h")


# ------------------------------------------------------------------------------------------------ trends


def pandas_trend(cs: list[Candle], rule: str) -> tuple[int, float, float]:
    """Number of buckets, last close and EMA 20 of the closes before the last candle, resampled by pandas."""
    before = cs[:-1]
    closes = pd.Series([c.close for c in before], index=pd.to_datetime([c.ts for c in before], unit="ms"))
    resampled = closes.resample(rule).last().dropna()
    return len(resampled), float(resampled.iloc[-1]), float(resampled.ewm(span=20, adjust=False).mean().iloc[-1])


@pytest.mark.parametrize("skip", [frozenset(), frozenset({100, 101, 102, 103, 104, 105, 300})])
def test_hourly_candles_resample_into_4h_and_1d_closes_as_pandas_resamples_them(skip):
    # Given 720 hourly candles starting mid-bucket, with or without a whole missing 4h bucket and a single gap
    _, closes = market(720, beta=1.0)
    cs = candles(closes, skip=skip)
    ts, values = arrays(cs)
    for rule, bucket in (("4h", 4 * HOUR), ("1D", DAY_MS)):
        # Then the resampled closes are pandas' resample().last() without empty buckets
        before = cs[:-1]
        expected = (
            pd.Series([c.close for c in before], index=pd.to_datetime([c.ts for c in before], unit="ms"))
            .resample(rule)
            .last()
            .dropna()
        )
        assert np.array_equal(resampled_closes(ts[:-1], values[:-1], bucket), expected.to_numpy())


def test_the_trend_is_the_close_before_the_candle_against_the_ema_20_of_the_resampled_closes():
    # Given a month of hourly candles rising, then a sharp drop on the last one
    closes = 100 * np.exp(np.linspace(0, 0.2, 720))
    closes[-1] = closes[-2] * 0.95
    cs = candles(closes)
    ts, values = arrays(cs)
    readings = {r.timeframe: r for r in trend_readings(ts, values, timeframe_ms=HOUR, move=-0.05)}
    for name, rule in (("4h", "4h"), ("1d", "1D")):
        count, close, ema = pandas_trend(cs, rule)
        reading = readings[name]
        assert (reading.candles, reading.resampled) == (count, True)
        assert reading.close == pytest.approx(close) and reading.ema == pytest.approx(ema, rel=1e-12)
        # Then both trends are up, and a drop goes against them
        assert reading.direction == "up" and reading.agrees is False


def test_a_4h_series_uses_its_own_candles_for_the_4h_trend_and_a_daily_one_has_no_4h_trend():
    closes = 100 * np.exp(np.linspace(0, -0.3, 400))
    four = candles(closes, t0=T0 // (4 * HOUR) * (4 * HOUR), step=4 * HOUR)
    ts, values = arrays(four)
    readings = trend_readings(ts, values, timeframe_ms=4 * HOUR, move=-0.01)
    assert [(r.timeframe, r.resampled, r.direction, r.agrees) for r in readings] == [
        ("4h", False, "down", True),
        ("1d", True, "down", True),
    ]
    daily = candles(closes, t0=T0 // DAY_MS * DAY_MS, step=DAY_MS)
    ts, values = arrays(daily)
    assert [r.timeframe for r in trend_readings(ts, values, timeframe_ms=DAY_MS, move=0.01)] == ["1d"]


def test_too_few_daily_closes_give_no_trend_and_no_verdict():
    # Given 720 fifteen-minute candles: 7.5 days, too few daily closes for an EMA 20
    closes = 100 * np.exp(np.linspace(0, 0.1, 720))
    ts, values = arrays(candles(closes, step=15 * MINUTE_MS))
    daily = next(r for r in trend_readings(ts, values, timeframe_ms=15 * MINUTE_MS, move=0.01) if r.timeframe == "1d")
    assert daily.direction is None and daily.agrees is None and daily.candles < 20


# ------------------------------------------------------------------------------------------------ rarity


def test_a_coin_that_merely_followed_btc_is_less_rare_than_one_that_broke_away():
    # Given the same 8% drop of a coin: once with BTC falling as much as its beta implies, once with BTC flat
    btc_down, followed = market(720, beta=1.0, last_btc=-0.08)
    btc_flat, broke = market(720, beta=1.0, last_btc=0.0, last_own=-0.08)

    def scored(btc_closes, coin_closes):
        cs = candles(coin_closes)
        ts, values = arrays(cs)
        context = market_context(ts, values, timeframe_ms=HOUR, reference=Reference(BTC, candles(btc_closes)))
        assert context is not None and context.own is not None
        frame = to_frame(cs)
        [alone] = rarities([("price_change_1h", "bearish")], frame, HOUR)
        [judged] = rarities(
            [("price_change_1h", "bearish")], frame, HOUR, own=context.own.residuals, own_sigma=context.own.sigma
        )
        return alone, judged

    alone_followed, followed_rarity = scored(btc_down, followed)
    _, broke_rarity = scored(btc_flat, broke)
    # Then alone (no reference) the follower's drop is a record; against BTC it is routine, and the break-away is not
    assert alone_followed.measure == "move" and alone_followed.score >= 700
    assert followed_rarity.own_move_record is None or followed_rarity.own_move_record < 50
    assert followed_rarity.measure != "own_move" and followed_rarity.score < alone_followed.score
    assert broke_rarity.measure == "own_move" and broke_rarity.score >= 700
    assert "beyond what BTC implied" in broke_rarity.words and "sigma" in broke_rarity.words


# ------------------------------------------------------------------------------------------------ the analysis


def test_the_signal_carries_the_context_and_btc_itself_gets_no_beta():
    btc_closes, eth_closes = market(720, beta=1.3, last_own=-0.02)
    btc, eth = candles(btc_closes), candles(eth_closes)
    last = eth[-1].ts
    signal = analyze(ETH, eth, candle_ts=last, now_ms=last + HOUR, rules=build_rules(), reference=Reference(BTC, btc))
    assert signal.market is not None and signal.market.beta is not None
    assert signal.market.reference == BTC.key and signal.market.move == pytest.approx(eth[-1].close / eth[-2].close - 1)
    assert [t.timeframe for t in signal.market.trends] == ["4h", "1d"]
    alone = analyze(BTC, btc, candle_ts=last, now_ms=last + HOUR, rules=build_rules())
    assert alone.market is not None and alone.market.reference is None and alone.market.beta is None


def test_an_update_reads_btcs_window_through_the_same_port_once_per_invocation():
    # Given ETH and BTC windows in the candle store, and the watchlist's BTC as the 1h reference
    btc_closes, eth_closes = market(720, beta=1.3)
    btc, eth = candles(btc_closes), candles(eth_closes)
    store = FakeCandles(eth, others={BTC.key: btc})
    windows = RememberedWindows(store)
    update = CandleUpdate(series=ETH.key, candle_ts=[eth[-1].ts], ingested_at=eth[-1].ts + HOUR + 60_000)
    # When the same update is analysed twice in one invocation (a redelivery within the batch)
    for _ in range(2):
        outcome = analyze_update(
            update, candles=windows, signals=Signals(), rules=build_rules(), references={"1h": BTC}
        )
    # Then BTC's window was read once, with the coin's own since, and the signal is read against it
    assert store.asked == [ETH.key, BTC.key]
    assert outcome.signal.market is not None and outcome.signal.market.beta is not None
    assert outcome.signal.market.beta.reference == BTC.key and outcome.reference_error is None


def test_an_unreadable_btc_window_leaves_the_signal_without_beta_and_says_why():
    _, eth_closes = market(720, beta=1.3)
    eth = candles(eth_closes)
    store = FakeCandles(eth, failing={BTC.key: StorageError("throttled")})
    update = CandleUpdate(series=ETH.key, candle_ts=[eth[-1].ts], ingested_at=eth[-1].ts + HOUR + 60_000)
    outcome = analyze_update(update, candles=store, signals=Signals(), rules=build_rules(), references={"1h": BTC})
    context = outcome.signal.market
    assert outcome.reference_error == "throttled" and context is not None and context.beta is None
    assert context.beta_note is not None and "could not be read" in context.beta_note
    assert all(f.rarity is None or f.rarity.measure != "own_move" for f in outcome.signal.firings)
