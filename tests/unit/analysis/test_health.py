"""Data health covers every candle a rule reads: a hole anywhere a price change spans makes the signal unhealthy.

The price changes count the last hour or 24 hours in candles (98 candles for
the 24 hours on 15m, 290 on 5m, 1,442 on 1m); across a hole that count reaches
further back in time than the words say, so the health check spans as far.
"""

from __future__ import annotations

from collections.abc import Sequence

from crypto_advisor.analysis.closed_candle import analyze
from crypto_advisor.analysis.health import HEALTH_LOOKBACK, assess, health_lookback
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.units import MINUTE_MS

T0 = 1_740_787_200_000  # 2025-03-01T00:00Z


def candles(closes: Sequence[float], timeframe_ms: int, *, hole_before: int = -1, missing: int = 0) -> list[Candle]:
    """Candles closing at ``closes``, each opening at the previous close; ``missing`` slots left out before the
    candle at index ``hole_before`` (a feed outage)."""
    out: list[Candle] = []
    ts, previous = T0, closes[0]
    for i, close in enumerate(closes):
        if i == hole_before:
            ts += missing * timeframe_ms
        low, high = min(previous, close), max(previous, close)
        out.append(Candle(ts, previous, high * 1.0005, low * 0.9995, close, 100.0))
        previous, ts = close, ts + timeframe_ms
    return out


def analysed(series: str, window: list[Candle]) -> Signal:
    tf = Series.parse(series).timeframe_ms
    return analyze(
        Series.parse(series), window, candle_ts=window[-1].ts, now_ms=window[-1].ts + tf, rules=build_rules()
    )


def test_a_two_day_outage_70_candles_back_on_15m_is_a_gap_the_24h_change_would_read_across():
    # Given 15m candles with a 2-day outage 70 candles before the judged one, which closes 8.5% above the
    # close 96 candles back (72 hours earlier, across the outage)
    window = candles([100.0] * 300 + [107.9] * 69 + [108.5], 15 * MINUTE_MS, hole_before=300, missing=192)

    # When the candle is analysed
    signal = analysed("kraken:ETH-USD:15m", window)

    # Then the data is unhealthy with the gap named, and "rose 8.5% over the last 24 hours" is not sent
    assert not signal.health.healthy
    assert any(r.startswith("gap: 192 candles missing") for r in signal.health.reasons), signal.health.reasons
    change = next(f for f in signal.firings if f.rule_id == "price_change_24h")
    assert change.suppressed


def test_a_hole_just_before_the_last_48_candles_on_30m_is_a_gap():
    # Given 30m candles with 10 missing just before the last 48: the 24 h change reads the candle before them
    window = candles([100.0] * 300 + [107.9] * 47 + [108.5], 30 * MINUTE_MS, hole_before=300, missing=10)

    # When the candle is analysed
    signal = analysed("kraken:ETH-USD:30m", window)

    # Then the data is unhealthy and the 24 h change is suppressed
    assert not signal.health.healthy
    assert any(r.startswith("gap: 10 candles missing") for r in signal.health.reasons), signal.health.reasons
    assert all(f.suppressed for f in signal.firings if f.rule_id == "price_change_24h")


def test_a_gap_free_1m_series_longer_than_a_day_stays_healthy():
    # Given 1,500 1m candles without a hole (more than the 1,442 the 24 h change reads)
    window = candles([100.0 + 0.01 * (i % 7) for i in range(1_500)], MINUTE_MS)

    # When the last is analysed / Then it is healthy
    assert analysed("kraken:ETH-USD:1m", window).health.healthy


def test_on_1m_a_hole_a_thousand_candles_back_is_seen_when_the_window_holds_the_24_hours():
    # Given 1,500 1m candles with a hole 1,000 candles back: the 24 h change reads across it
    window = candles([100.0] * 1_500, MINUTE_MS, hole_before=500, missing=5)

    # When its health is assessed
    health = assess(window, candle_ts=window[-1].ts, timeframe_ms=MINUTE_MS, now_ms=window[-1].ts + MINUTE_MS)

    # Then the hole is named
    assert not health.healthy and health.reasons[0].startswith("gap: 5 candles missing")


def test_a_window_too_short_for_the_24h_change_is_judged_as_before():
    # Given the 720 1m candles the analysis reads (the 24 h change needs 1,442 there, so it does not apply),
    # with a hole 300 candles back
    window = candles([100.0] * 720, MINUTE_MS, hole_before=420, missing=5)

    # When its health is assessed / Then the span is the 1 h change's (60 candles and the one before), and the
    # hole is outside it
    assert health_lookback(MINUTE_MS, len(window)) == 61 > HEALTH_LOOKBACK
    assert assess(window, candle_ts=window[-1].ts, timeframe_ms=MINUTE_MS, now_ms=window[-1].ts + MINUTE_MS).healthy


def test_the_span_follows_the_rules_in_use():
    # Given the 15m outage 70 candles back, judged by rules without the 24 h change
    window = candles([100.0] * 300 + [107.9] * 70, 15 * MINUTE_MS, hole_before=300, missing=192)
    rules = [rule for rule in build_rules() if rule.id != "price_change_24h"]

    # When its health is assessed with those rules / Then no rule reads across the hole
    health = assess(window, candle_ts=window[-1].ts, timeframe_ms=15 * MINUTE_MS, now_ms=window[-1].ts, rules=rules)
    assert health.healthy
    # And with every rule, the 24 h change's reach: 96 candles and the one before, on 15m
    assert health_lookback(15 * MINUTE_MS, len(window)) == 97
