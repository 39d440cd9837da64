"""Rarity: how unusual a firing's candle is against the series' own history, as a record length in candles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crypto_advisor.analysis.rarity import measure, rarities, rarity, span
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS

HOUR = HOUR_MS


def frame(closes: list[float], volumes: list[float] | None = None, widths: list[float] | None = None) -> pd.DataFrame:
    n = len(closes)
    volumes = volumes if volumes is not None else [100.0] * n
    data = {"close": closes, "volume": volumes, "volume_ma_20": pd.Series(volumes).rolling(20, min_periods=1).mean()}
    if widths is not None:
        data["bb_width"] = widths
    return pd.DataFrame(data)


def wiggle(n: int, seed: int = 1) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(100 * np.exp(np.cumsum(rng.normal(0, 0.005, n))))


def test_a_drop_larger_than_any_for_days_reads_as_its_record_and_sigmas():
    closes = wiggle(300)
    closes[150] = closes[149] * 0.95  # a 5% drop 150 candles ago, then the wiggle resumes from there
    closes[151:] = [c * 0.95 for c in closes[151:]]
    closes.append(closes[-1] * 0.97)  # a 3% drop now: the largest since the 5% one
    got = rarity("price_change_1h", "bearish", measure(frame(closes)), HOUR)
    assert got.measure in ("move", "range")
    assert got.move_record == 150
    assert got.move_sigma is not None and got.move_sigma < -4
    text = rarity("price_change_1h", "bearish", measure(frame(closes)), HOUR).words
    assert "drop" in text or "lowest close" in text


def test_the_record_is_capped_at_the_window_and_says_at_least():
    closes = [*wiggle(200), 0.0]
    closes[-1] = closes[-2] * 1.10  # the largest rise of the whole window
    got = rarity("bb_breakout", "bullish", measure(frame(closes)), HOUR)
    assert got.capped and got.score == 200
    assert "at least 8 days" in got.words


def test_the_windows_largest_move_is_a_capped_record_too():
    # Given 200 closes climbing from 100 to about 270 by 0.5% a candle, then the largest drop of the window (-10%) to
    # a close far above the window's lowest
    closes = [100 * 1.005**i for i in range(200)]
    closes.append(closes[-1] * 0.90)
    # When a 1h price move rule is measured (its measures are the move's)
    got = rarity("price_change_1h", "bearish", measure(frame(closes)), HOUR)
    # Then the drop's record reaches the start of the moves the window holds (199, one fewer than the candles), so it
    # is capped and says "at least", as the range record does at the start of the candles
    assert (got.measure, got.score, got.capped) == ("move", 199.0, True)
    assert got.words.startswith("the largest hourly drop in at least 8 days")


def test_a_volume_rule_is_judged_by_its_volume_and_says_the_multiple():
    closes = wiggle(120)
    volumes = [100.0 + (i % 7) for i in range(119)] + [900.0]
    volumes[40] = 1000.0  # a larger volume 79 candles ago
    got = rarity("volume_spike", "neutral", measure(frame(closes, volumes)), HOUR)
    assert got.volume_record == 79
    assert got.volume_multiple == pytest.approx(900 / np.mean(volumes[99:119]), rel=1e-3)
    if got.measure == "volume":
        assert got.score == 79 and "the largest hourly volume in 3 days" in got.words and "x its average" in got.words


def test_a_price_rule_ignores_the_volume_and_a_routine_candle_says_so():
    closes = wiggle(120)
    closes.append(closes[-1])  # no move at all
    volumes = [100.0] * 120 + [10_000.0]
    got = rarity("fib_cross", "bullish", measure(frame(closes, volumes)), HOUR)
    assert got.measure in ("none", "range") and got.volume_record == 120
    assert got.score < 120


def test_the_squeeze_is_judged_by_the_narrowest_band():
    widths = [0.05 + 0.01 * np.sin(i / 5) for i in range(100)] + [0.001]
    got = rarity("bb_squeeze", "neutral", measure(frame(wiggle(101), widths=widths)), HOUR)
    assert got.measure == "calm" and got.capped and "narrowest Bollinger band" in got.words


def test_every_firing_of_a_candle_is_measured_once_and_in_order():
    closes = wiggle(100)
    got = rarities([("rsi_oversold", "bullish"), ("volume_spike", "neutral")], frame(closes), HOUR)
    assert len(got) == 2 and rarities([], frame(closes), HOUR) == []


@pytest.mark.parametrize(
    ("candles", "tf", "expected"),
    [
        (30, HOUR, "30 hours"),
        (1, HOUR, "1 hour"),
        (288, HOUR, "12 days"),
        (720, HOUR, "30 days"),
        (70, DAY_MS, "10 weeks"),
        (20, DAY_MS, "20 days"),
    ],
)
def test_spans_read_the_way_a_trader_says_them(candles, tf, expected):
    assert span(candles, tf) == expected


@pytest.mark.parametrize(
    ("closes", "rule_id", "direction", "way"),
    [
        pytest.param([120.0 - 2 * i for i in range(11)] + [106.0], "price_change_1h", "bullish", "rise", id="rise"),
        pytest.param([100.0 + 2 * i for i in range(11)] + [114.0], "price_change_1h", "bearish", "drop", id="drop"),
        pytest.param([120.0 - 2 * i for i in range(11)] + [106.0], "volume_spike", "neutral", "rise", id="neutral"),
    ],
)
def test_a_short_window_says_the_way_the_candle_moved(closes, rule_id, direction, way):
    # Given 12 closes (too few for a sigma), the last moving 6% against the trend before it
    m = measure(frame(closes))
    assert m.move_sigma is None

    # When the firing's rarity is worded
    got = rarity(rule_id, direction, m, HOUR)

    # Then it names the candle's own move: a rise a rise, a drop a drop; the largest of the 11 moves the window holds,
    # so "at least" (it read "in 10 hours" while a move record could never reach its cap)
    assert got.measure == "move" and got.words == f"the largest hourly {way} in at least 10 hours"


def test_the_own_move_without_a_sigma_says_the_way_it_moved():
    # Given a coin's own moves beyond BTC's, the last a rise larger than any before, without a spread to size it
    own = np.array([-0.01, 0.002, -0.003, 0.001, 0.03])

    # When a bullish firing's rarity is worded
    got = rarities([("price_change_1h", "bullish")], frame(wiggle(30)), HOUR, own=own, own_sigma=None)[0]

    # Then it is the largest rise beyond what BTC implied
    assert got.measure == "own_move" and "rise beyond what BTC implied" in got.words


@pytest.mark.parametrize(
    ("rule_id", "direction", "factor", "way"),
    [
        ("rsi_oversold", "bullish", 0.95, "drop"),
        ("rsi_overbought", "bearish", 1.05, "rise"),
        ("obv_divergence", "bullish", 0.95, "drop"),
        ("obv_divergence", "bearish", 1.05, "rise"),
    ],
)
def test_a_rule_pointing_to_the_turn_is_as_rare_as_the_move_that_made_it_fire(rule_id, direction, factor, way):
    # Given a candle that moves 5% after 300 quiet ones: the largest move of the window, the way RSI or OBV reads it
    closes = wiggle(300)
    closes.append(closes[-1] * factor)
    m = measure(frame(closes))
    # When a rule that anticipates the turn fires on it (oversold on the drop, overbought on the rise)
    got = rarity(rule_id, direction, m, HOUR)
    # Then its rarity is that move's record, in the move's words, not "a routine candle" measured the other way
    moved_like = rarity("price_change_1h", "bearish" if way == "drop" else "bullish", m, HOUR)
    assert got.score == moved_like.score >= 200
    assert got.measure != "none" and (way in got.words or ("lowest" if way == "drop" else "highest") in got.words)


def test_a_bearish_firing_on_a_candle_that_closed_at_a_high_is_scored_by_its_low_record_not_the_high():
    # Given a candle that rose a little to the highest close of the window (its high record: every candle before it)
    closes = [100.0 + 0.1 * i for i in range(200)]
    closes.append(closes[-1] + 0.01)
    m = measure(frame(closes))
    assert m.high_record == 200 and m.low_record == 1
    # When a price rule fires bearish on it (a bearish cross lagging the price)
    got = rarity("macd_cross", "bearish", m, HOUR)
    # Then its range is the low record, the way it points: a routine candle for a bearish firing, never "the highest
    # close in at least 8 days", which would clear any alert bar
    assert got.range_record == 1 and got.score < 2 and got.measure == "none"
    # ... while the same candle is that rare for a bullish firing
    assert rarity("macd_cross", "bullish", m, HOUR).score == 200
