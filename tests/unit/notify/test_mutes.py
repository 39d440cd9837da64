"""Mutes and unsubscribes in the alert policy: their own reasons, and only what they name is silenced."""

from __future__ import annotations

from crypto_advisor.contracts.steering import Mute
from crypto_advisor.notify.policy import Send, Suppress
from tests.unit.notify.test_policy import HOUR, POLICY, SERIES, T0, decide, firing, signal

CLOSED = T0 + HOUR


def mute(rule: str | None, until_ms: int, series: str = SERIES) -> Mute:
    return Mute(series=series, rule=rule, until_ms=until_ms, by="me@example.com", via="email", created_ms=T0)


def test_a_muted_rule_is_suppressed_with_the_mutes_reason():
    # Given RSI oversold muted from an email link until after the candle closed
    decision = decide(signal(T0, firing("rsi_oversold")), POLICY, [], mutes=[mute("rsi_oversold", CLOSED + HOUR)])
    # Then the decision is 'muted', and says what, until when and by whom
    assert isinstance(decision, Suppress) and decision.reason == "muted"
    assert "rsi_oversold on kraken:BTC-USD:1h muted until" in decision.detail
    assert "me@example.com (email)" in decision.detail
    assert decision.rules == ("rsi_oversold",)


def test_a_muted_rule_is_dropped_and_the_others_still_email():
    decision = decide(
        signal(T0, firing("rsi_oversold"), firing("volume_spike")),
        POLICY,
        [],
        mutes=[mute("rsi_oversold", CLOSED + HOUR)],
    )
    assert isinstance(decision, Send) and decision.rules == ("volume_spike",)


def test_a_whole_series_mute_silences_every_rule():
    decision = decide(
        signal(T0, firing("rsi_oversold"), firing("volume_spike")), POLICY, [], mutes=[mute(None, CLOSED + 1)]
    )
    assert isinstance(decision, Suppress) and decision.reason == "muted"


def test_a_mute_that_ended_before_the_candle_closed_silences_nothing():
    decision = decide(signal(T0, firing("rsi_oversold")), POLICY, [], mutes=[mute("rsi_oversold", CLOSED)])
    assert isinstance(decision, Send)


def test_bad_data_stays_the_reason_on_a_muted_series():
    decision = decide(
        signal(T0, firing("rsi_oversold"), healthy=False, reasons=("gap",)), POLICY, [], mutes=[mute(None, CLOSED + 1)]
    )
    assert isinstance(decision, Suppress) and decision.reason == "unhealthy_data"


def test_an_unsubscribed_recipient_is_left_out_and_the_others_still_get_it():
    policy = POLICY.model_copy(update={"recipients": ("me@example.com", "you@example.com")})
    decision = decide(signal(T0, firing("rsi_oversold")), policy, [], unsubscribed={"ME@example.com"})
    assert isinstance(decision, Send) and decision.recipients == ("you@example.com",)


def test_when_every_recipient_unsubscribed_the_reason_says_so():
    decision = decide(signal(T0, firing("rsi_oversold")), POLICY, [], unsubscribed={"me@example.com"})
    assert isinstance(decision, Suppress) and decision.reason == "unsubscribed"
