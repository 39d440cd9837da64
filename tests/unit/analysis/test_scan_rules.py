"""The rules on a market scan's series: closes-only rules judge, the range and volume rules are skipped with why."""

from __future__ import annotations

import numpy as np

from crypto_advisor.analysis.closed_candle import analyze
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.market_scan import SCAN_SKIPPED_RULES
from crypto_advisor.contracts.series import Series

H = 3_600_000
T0 = 1_767_225_600_000


def scan_candles(count: int = 300) -> list[Candle]:
    """Sparkline-made candles: open = high = low = close, a volume on the newest only; a sharp rally at the end."""
    rng = np.random.default_rng(3)
    closes = 10 * np.exp(np.cumsum(rng.normal(0, 0.004, count)))
    closes[-1] = closes[-2] * 1.09
    return [
        Candle(T0 + i * H, float(c), float(c), float(c), float(c), 5e6 if i == count - 1 else None)
        for i, c in enumerate(closes)
    ]


def test_a_scan_series_is_judged_by_the_closes_only_rules_and_the_others_say_why_they_did_not_look():
    # Given a scan coin's window ending in a 9% hourly rally
    window = scan_candles()
    series = Series.of("coingecko-markets", "SOL/USD", "1h")

    # When its last candle is analysed with every built-in rule
    signal = analyze(series, window, candle_ts=window[-1].ts, now_ms=window[-1].ts + H + 60_000, rules=build_rules({}))

    # Then the price-change rule judged it and fired
    assert "price_change_1h" in {f.rule_id for f in signal.firings}
    # and ATR, ADX, the volume spike and OBV are skipped on it with the scan's reason, and never fire
    skipped = {s.rule_id: s.reason for s in signal.skipped}
    assert {rule: skipped[rule] for rule in SCAN_SKIPPED_RULES} == SCAN_SKIPPED_RULES
    assert "no true high or low" in skipped["atr_spike"]
    assert "rolling 24 h volume" in skipped["volume_spike"]
    assert not {f.rule_id for f in signal.firings} & set(SCAN_SKIPPED_RULES)


def test_an_exchange_series_is_judged_by_every_rule():
    # Given the same candles on a Kraken series
    window = scan_candles()
    series = Series.of("kraken", "SOL/USD", "1h")

    # When analysed
    signal = analyze(series, window, candle_ts=window[-1].ts, now_ms=window[-1].ts + H + 60_000, rules=build_rules({}))

    # Then no rule is skipped for the scan's reasons (only the volume rules, for the missing volumes)
    assert not [s for s in signal.skipped if s.reason in SCAN_SKIPPED_RULES.values()]
