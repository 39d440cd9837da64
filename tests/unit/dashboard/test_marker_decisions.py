"""The series page's firings joined with their candle's alert decision: the page says what the alert log says."""

from __future__ import annotations

from crypto_advisor.contracts.decisions import Decision
from crypto_advisor.contracts.signal import FiringRecord, Health, Signal
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.dashboard.series_view import markers

BTC = "kraken:BTC-USD:1h"
T0 = 1_793_000_000_000 // HOUR_MS * HOUR_MS


def firing(rule: str, *, suppressed: bool = False) -> FiringRecord:
    return FiringRecord(
        rule_id=rule,
        direction="bullish",
        severity=2,
        value=1.0,
        threshold=1.0,
        distance=0.0,
        unit="x",
        sentence=f"{rule} fired.",
        suppressed=suppressed,
        suppressed_reason="unhealthy data: gap" if suppressed else None,
    )


def signal(ts: int, *firings: FiringRecord) -> Signal:
    return Signal(
        series=BTC,
        candle_ts=ts,
        close=100.0,
        firings=list(firings),
        health=Health(healthy=not any(f.suppressed for f in firings), reasons=["gap"] if firings[0].suppressed else []),
        analyzed_at=ts + HOUR_MS,
    )


def outcomes(signals: list[Signal], decisions: list[Decision]) -> dict[tuple[int, str | None], tuple]:
    return {(m.ts, m.rule): (m.outcome, m.reason, m.status) for m in markers(signals, decisions) if m.kind == "firing"}


def test_a_firing_the_email_named_is_emailed_and_one_it_left_out_is_not():
    # Given a candle whose email carried obv_divergence, while rsi_oversold (in its cooldown) was left out
    signals = [signal(T0, firing("obv_divergence"), firing("rsi_oversold"))]
    decisions = [Decision(key=BTC, candle_ts=T0, status="sent", rules=("obv_divergence",))]
    # Then only the rule the email named is marked emailed
    assert outcomes(signals, decisions) == {
        (T0, "obv_divergence"): ("emailed", None, "sent"),
        (T0, "rsi_oversold"): ("left_out", None, "sent"),
    }


def test_a_firing_on_a_suppressed_candle_is_held_back_with_the_logs_reason():
    # Given firings on candles the policy held back: a cooldown, and a coin covered by the market email
    signals = [signal(T0, firing("adx_trend")), signal(T0 + HOUR_MS, firing("fib_cross"))]
    decisions = [
        Decision(key=BTC, candle_ts=T0, status="suppressed", reason="cooldown", rules=("adx_trend",)),
        Decision(key=BTC, candle_ts=T0 + HOUR_MS, status="suppressed", reason="in_market_email", rules=("fib_cross",)),
    ]
    # Then each says held back, and why, in the log's own word (not "kept", as the page said)
    assert outcomes(signals, decisions) == {
        (T0, "adx_trend"): ("held_back", "cooldown", "suppressed"),
        (T0 + HOUR_MS, "fib_cross"): ("held_back", "in_market_email", "suppressed"),
    }


def test_a_firing_on_bad_data_is_suppressed_whatever_the_decision_and_one_not_decided_yet_says_so():
    # Given a firing the analysis suppressed (a gap), and one whose candle the notifier has not decided yet
    signals = [signal(T0, firing("macd_cross", suppressed=True)), signal(T0 + HOUR_MS, firing("rsi_oversold"))]
    decisions = [Decision(key=BTC, candle_ts=T0, status="suppressed", reason="unhealthy_data", rules=("macd_cross",))]
    # Then the first is suppressed (bad data), the second undecided, with no status to show
    assert outcomes(signals, decisions) == {
        (T0, "macd_cross"): ("suppressed", None, "suppressed"),
        (T0 + HOUR_MS, "rsi_oversold"): ("undecided", None, None),
    }


def test_the_email_markers_stay_one_per_email_with_their_status():
    # Given an email that went and one whose SES answer was lost
    signals = [signal(T0, firing("obv_divergence"))]
    decisions = [
        Decision(key=BTC, candle_ts=T0, status="sent", rules=("obv_divergence",), subject="BTC: OBV divergence"),
        Decision(key=BTC, candle_ts=T0 + HOUR_MS, status="unknown", rules=("rsi_oversold",)),
        Decision(key=BTC, candle_ts=T0 + 2 * HOUR_MS, status="suppressed", reason="below_threshold"),
    ]
    # Then the chart gets a square for each email, and none for the candle held back
    emails = [(m.ts, m.text, m.status) for m in markers(signals, decisions) if m.kind == "email"]
    assert emails == [(T0, "BTC: OBV divergence", "sent"), (T0 + HOUR_MS, "rsi_oversold", "unknown")]
