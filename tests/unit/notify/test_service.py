"""The notifier's use case with small fakes of its ports: decide, claim, render, send, record.

The fakes keep the contracts of the real adapters (the notification log's
conditional writes and lease, SES's message id); the real ones are exercised
against the embedded AWS in tests/integration/test_notify_function.py. The
email is rendered and built by the real renderer and MIME builder from a real
analysis Signal (the ``fired`` fixture of conftest.py).
"""

from __future__ import annotations

import email.policy
from typing import Any

import pytest

from crypto_advisor.adapters.notification_log import LEASE_MS as LEASE
from crypto_advisor.analysis.alert_budget import default_bar, score_of
from crypto_advisor.contracts.alerts import OverBudget
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import DeliveryError, DeliveryUnknownError, StorageError
from crypto_advisor.contracts.market_context import MarketContext
from crypto_advisor.contracts.signal import Health, Rarity, Signal
from crypto_advisor.contracts.units import DAY_MS
from crypto_advisor.contracts.watchlist import AlertPolicy, UserCondition, WatchedSeries
from crypto_advisor.local.stack import LOCAL_PARAMETERS, load_template, to_cloudformation
from crypto_advisor.notify.delivery import CLAIM_BUDGET_MS, AlertInFlightError, NoTimeToSendError
from crypto_advisor.notify.outcomes import AlreadyDecided, DeliveryUnknown, Sent, Suppressed
from crypto_advisor.notify.service import Notifier
from tests.conftest import REPO
from tests.fakes.candles import FakeCandles
from tests.fakes.notify import FakeFigures, FakeLog, FakeMailer, FakeSentArchive, FakeWatchlist, RecordingRenderer
from tests.unit.notify.conftest import HOUR, SERIES, firing

SENDER = "alerts@example.com"
NOW = 1_800_000_000_000

POLICY = AlertPolicy(recipients=("me@example.com",), min_severity=1, cooldown_ms=6 * HOUR)
WATCHED = WatchedSeries(series=SERIES, backfill_candles=720, alerts=POLICY)


@pytest.fixture
def candles(fired) -> tuple[Candle, ...]:
    return fired[0]


@pytest.fixture
def signal(fired) -> Signal:
    return fired[1]


@pytest.fixture
def parts(candles):
    """The notifier's collaborators, as fakes; the candle store also holds two candles newer than the signal."""
    step = SERIES.timeframe_ms
    newer = [Candle(candles[-1].ts + k * step, 1.0, 1.0, 1.0, 1.0, 1.0) for k in (1, 2)]
    return {
        "watchlist": FakeWatchlist(WATCHED),
        "log": FakeLog(),
        "candles": FakeCandles([*candles, *newer]),
        "figures": FakeFigures(),
        "mailer": FakeMailer(),
        "render": RecordingRenderer(),
    }


def notifier(parts: dict[str, Any], **changes: Any) -> Notifier:
    return Notifier(sender=SENDER, default_recipients=("stack@example.com",), **{**parts, **changes})


def test_a_firing_signal_is_emailed_once_and_recorded_sent(parts, signal):
    # When the notifier handles a signal with active firings
    outcome = notifier(parts).notify(signal, now_ms=NOW)
    # Then SES got one message for the policy's recipients, and the log says sent, with SES's id and the subject
    assert isinstance(outcome, Sent) and outcome.message_id == "ses-1"
    [(sender, recipients, _)] = parts["mailer"].sent
    assert (sender, recipients) == (SENDER, ("me@example.com",))
    item = parts["log"].items[(signal.series, signal.candle_ts)]
    assert item["status"] == "sent" and item["message_id"] == "ses-1"
    assert item["subject"] == parts["mailer"].messages()[0]["Subject"] == outcome.subject
    # Only the firings rare enough for the bar (the default before any training run) are emailed and recorded.
    bar = default_bar(SERIES.timeframe_ms, POLICY.max_per_week).score
    assert item["rules"] == [f.rule_id for f in signal.active_firings if score_of(f) >= bar]
    assert item["rules"] and len(item["rules"]) < len(signal.active_firings)


def test_the_email_shows_the_window_up_to_the_signal_and_no_later_candle(parts, signal, candles):
    notifier(parts).notify(signal, now_ms=NOW)
    [view] = parts["render"].views
    assert view.candles == candles and view.candles[-1].ts == signal.candle_ts
    assert parts["candles"].asked_since == [signal.candle_ts - 719 * SERIES.timeframe_ms]
    assert view.coin_name == "Bitcoin" and view.series == SERIES


def test_a_redelivered_signal_sends_nothing_more(parts, signal):
    # Given a signal already emailed
    notifier(parts).notify(signal, now_ms=NOW)
    # When its stream record is delivered again
    outcome = notifier(parts).notify(signal, now_ms=NOW + 1_000)
    # Then nothing is sent and the outcome says it was already decided
    assert isinstance(outcome, AlreadyDecided) and outcome.existing.status == "sent"
    assert len(parts["mailer"].sent) == 1


def test_a_suppressed_signal_is_recorded_with_its_reason_and_sends_nothing(parts, signal):
    unhealthy = signal.model_copy(update={"health": Health(healthy=False, reasons=["2 candles missing"])})
    outcome = notifier(parts).notify(unhealthy, now_ms=NOW)
    assert isinstance(outcome, Suppressed) and outcome.recorded
    item = parts["log"].items[(signal.series, signal.candle_ts)]
    assert (item["status"], item["reason"]) == ("suppressed", "unhealthy_data")
    assert "2 candles missing" in item["detail"]
    assert parts["mailer"].sent == []


def test_a_redelivered_suppression_records_nothing_new(parts, signal):
    quiet = signal.model_copy(update={"firings": []})
    notifier(parts).notify(quiet, now_ms=NOW)
    again = notifier(parts).notify(quiet, now_ms=NOW + 1_000)
    assert isinstance(again, Suppressed) and not again.recorded


def test_a_signal_without_firings_costs_no_read_of_the_log(parts, signal):
    notifier(parts).notify(signal.model_copy(update={"firings": []}), now_ms=NOW)
    assert parts["log"].queries == 0


def test_a_series_removed_from_the_watchlist_is_recorded_not_watched(parts, signal):
    outcome = notifier(parts, watchlist=FakeWatchlist()).notify(signal, now_ms=NOW)
    assert isinstance(outcome, Suppressed) and outcome.suppress.reason == "not_watched"


def test_an_earlier_email_of_the_same_rules_puts_the_signal_in_cooldown(parts, signal):
    # Given the same rules emailed for the candle an hour earlier
    earlier = signal.model_copy(update={"candle_ts": signal.candle_ts - HOUR})
    notifier(parts).notify(earlier, now_ms=NOW)
    # When the next candle fires the same rules
    outcome = notifier(parts).notify(signal, now_ms=NOW)
    # Then it is suppressed for cooldown, and only one email went out
    assert isinstance(outcome, Suppressed) and outcome.suppress.reason == "cooldown"
    assert len(parts["mailer"].sent) == 1


def test_an_alert_keeps_its_rarity_so_a_follow_up_by_other_rules_no_rarer_is_held_back(parts, signal):
    # Given an alert an hour earlier, logged with the score of the rarest firing it carried
    earlier = signal.model_copy(update={"candle_ts": signal.candle_ts - HOUR})
    notifier(parts).notify(earlier, now_ms=NOW)
    sent = parts["log"].items[(signal.series, earlier.candle_ts)]
    assert sent["score"] == max(score_of(f) for f in earlier.active_firings if f.rule_id in sent["rules"])
    # When the next candle's firings are other rules, none rarer than that
    renamed = [f.model_copy(update={"rule_id": f"other_{f.rule_id}"}) for f in signal.firings]
    outcome = notifier(parts).notify(signal.model_copy(update={"firings": renamed}), now_ms=NOW)
    # Then it is held back (the digest lists it) and only one email went out
    assert isinstance(outcome, Suppressed) and outcome.suppress.reason == "cooldown"
    # (the window's largest move is a capped record, as the rarest here is: no rarer, by the move's sigmas)
    assert "carried a record of" in outcome.suppress.detail and "(capped)" in outcome.suppress.detail
    assert len(parts["mailer"].sent) == 1


def test_a_condition_cooling_for_30_days_stays_cooling_20_days_after_its_email_on_a_series_cooling_6_hours(
    parts, signal
):
    # Given a series whose alerts cool 6 hours, and the user's own condition on it with "cooldown: 30d"
    mine = UserCondition(name="dip", expression="rsi_14 crosses below 25", cooldown_ms=30 * DAY_MS)
    watched = WATCHED.model_copy(update={"conditions": (mine,)})
    asked = signal.model_copy(update={"firings": [firing(mine.rule_id, severity=1)]})
    service = notifier(parts, watchlist=FakeWatchlist(watched))
    # ... emailed 20 days ago (further back than the week the log is read for the cooldown and the budget)
    earlier = asked.model_copy(update={"candle_ts": signal.candle_ts - 20 * DAY_MS})
    assert isinstance(service.notify(earlier, now_ms=NOW), Sent)
    # When it fires again
    outcome = service.notify(asked, now_ms=NOW)
    # Then the log is read back the condition's 30 days: it is still cooling, and no second email goes out
    assert isinstance(outcome, Suppressed) and outcome.suppress.reason == "cooldown"
    assert mine.rule_id in outcome.suppress.detail and len(parts["mailer"].sent) == 1


def capped_at(signal: Signal, rule: str, sigma: float, hours_before: int) -> Signal:
    """``signal`` moved ``hours_before`` earlier, firing only ``rule`` on "the lowest close in at least 29 days" (a
    record capped at the analysis window's 719 candles), its candle having moved ``sigma`` of its own volatility."""
    record = Rarity(score=719, measure="range", words="the lowest close in at least 29 days", capped=True)
    fired = firing(rule, direction="bearish", severity=2, rarity=record)
    return signal.model_copy(
        update={
            "candle_ts": signal.candle_ts - hours_before * HOUR,
            "firings": [fired],
            "market": MarketContext(move=-0.001, move_sigma=sigma),
        }
    )


def test_a_stablecoins_collapse_after_an_alert_on_a_dip_of_the_same_capped_record_is_emailed(parts, signal):
    # Given the alert on a 0.1% dip at 12:00: the lowest close in at least 29 days, 9.6 sigma of a stablecoin's calm
    dip = capped_at(signal, "rsi_oversold", -9.6, hours_before=2)
    assert isinstance(notifier(parts).notify(dip, now_ms=NOW), Sent)
    # ... logged with its record, that the record is capped, and the size of its move
    item = parts["log"].items[(signal.series, dip.candle_ts)]
    assert (item["score"], item["capped"], item["move_sigma"]) == (719.0, True, 9.6)
    # When the next candle of the slide moves about as much, on the same capped record
    slide = notifier(parts).notify(capped_at(signal, "golden_death_cross", -10.2, hours_before=1), now_ms=NOW)
    # Then it is held back, saying what it compared
    assert isinstance(slide, Suppressed) and slide.suppress.reason == "cooldown"
    assert "scores 719 (capped), and its move of 10.2 sigma is short of the 14.4" in slide.suppress.detail
    # And when at 14:00 the coin collapses 10% (608 sigma), again the lowest close in at least 29 days, it is emailed
    collapse = notifier(parts).notify(capped_at(signal, "price_change_1h", -608.0, hours_before=0), now_ms=NOW)
    assert isinstance(collapse, Sent) and len(parts["mailer"].sent) == 2


def test_a_collapse_after_a_weeks_spent_budget_is_emailed_saying_it_came_over_the_budget(parts, signal):
    # Given three alerts in the week before (the budget of 3 spent): capped dips of a stablecoin's calm, a day apart
    for days in (3, 2, 1):
        dip = capped_at(signal, f"rule_{days}", -9.6 - days, hours_before=24 * days)
        assert isinstance(notifier(parts).notify(dip, now_ms=NOW), Sent)
    # When the coin collapses 10% (608 sigma), the lowest close in at least 29 days
    collapse = notifier(parts).notify(capped_at(signal, "price_change_1h", -608.0, hours_before=0), now_ms=NOW)
    # Then it is emailed anyway, and the email says why it came over the budget
    over = OverBudget(nth=4, cap=3, move_sigma=608.0, week_sigma=12.6)
    assert isinstance(collapse, Sent) and collapse.send.over_budget == over
    assert parts["render"].views[-1].over_budget == over
    message = email.message_from_bytes(parts["mailer"].sent[-1][2], policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
    assert (
        "Your 4th BTC/USD alert in 7 days, over the weekly budget of 3: this candle moved 608 sigma of the coin's own"
        " volatility, beyond each of them (the largest 12.6 sigma)"
    ) in text
    # And the next candle of the slide, no clearly larger move, is held back by the budget as before
    slide = capped_at(signal, "golden_death_cross", -650.0, hours_before=0)
    later = slide.model_copy(update={"candle_ts": signal.candle_ts + 7 * HOUR})
    held = notifier(parts).notify(later, now_ms=NOW)
    assert isinstance(held, Suppressed) and held.suppress.reason == "budget_spent"


def test_an_ses_failure_releases_the_claim_so_the_retry_sends(parts, signal):
    # Given SES throttling the first attempt
    parts["mailer"].fail_with.append(DeliveryError("Throttling", retryable=True))
    # When the signal is handled: the error propagates (the stream record fails) and nothing is recorded
    with pytest.raises(DeliveryError):
        notifier(parts).notify(signal, now_ms=NOW)
    assert parts["log"].items == {} and parts["mailer"].sent == []
    # Then the retry claims again and sends, once
    outcome = notifier(parts).notify(signal, now_ms=NOW + 5_000)
    assert isinstance(outcome, Sent) and len(parts["mailer"].sent) == 1


def test_a_rendering_failure_releases_the_claim_too(parts, signal):
    with pytest.raises(ZeroDivisionError):
        notifier(parts, render=RecordingRenderer(fail=ZeroDivisionError("bug"))).notify(signal, now_ms=NOW)
    assert parts["log"].items == {} and parts["mailer"].sent == []


def test_a_release_that_fails_too_leaves_a_note_on_the_original_error(parts, signal):
    parts["mailer"].fail_with.append(DeliveryError("MessageRejected", retryable=False))
    parts["log"].fail_release = True
    with pytest.raises(DeliveryError) as raised:
        notifier(parts).notify(signal, now_ms=NOW)
    assert any("releasing the claim failed too" in note for note in raised.value.__notes__)


def test_a_claim_held_by_a_live_invocation_fails_the_record_for_a_later_retry(parts, signal):
    # Given another invocation claimed the candle a moment ago and has not finished
    parts["log"].claim(signal.series, signal.candle_ts, now_ms=NOW, rules=["x"], recipients=["me@example.com"])
    # When the record is delivered again within the lease
    with pytest.raises(AlertInFlightError):
        notifier(parts).notify(signal, now_ms=NOW + LEASE - 1)
    # Then nothing is sent
    assert parts["mailer"].sent == []


def test_a_claim_left_by_a_dead_invocation_is_taken_over_after_the_lease(parts, signal):
    parts["log"].claim(signal.series, signal.candle_ts, now_ms=NOW, rules=["x"], recipients=["me@example.com"])
    outcome = notifier(parts).notify(signal, now_ms=NOW + LEASE + 1)
    assert isinstance(outcome, Sent) and outcome.took_over
    assert len(parts["mailer"].sent) == 1


def test_a_retried_send_builds_the_same_message(parts, signal):
    # Given a first attempt SES accepted but whose record was lost (the crash window), and a takeover
    parts["mailer"].fail_with.append(DeliveryError("Throttling", retryable=True))
    with pytest.raises(DeliveryError):
        notifier(parts).notify(signal, now_ms=NOW)
    notifier(parts).notify(signal, now_ms=NOW + 60_000)
    first = parts["mailer"].messages()[0]
    parts["log"].items.clear()
    notifier(parts).notify(signal, now_ms=NOW + 3_600_000)
    second = parts["mailer"].messages()[1]
    # Then both are built alike, dated at the analysis time: what the local outbox and relays other than SES see.
    # (SES replaces Date and Message-ID with its own, so this merges nothing in a mailbox: see the README.)
    assert first["Message-ID"] == second["Message-ID"] and first["Message-ID"].endswith("@example.com>")
    assert first["Date"].datetime.timestamp() * 1000 == pytest.approx(signal.analyzed_at, abs=1000)


def test_replay_figures_reach_the_email_when_they_exist(parts, signal):
    rule = signal.active_firings[0].rule_id
    stats = {"n": 12, "hit_rate": 0.61, "base_rate": 0.5}
    report = {"replayed": 900, "rules": [{"rule_id": rule, "horizons": {"24": stats}}]}
    outcome = notifier(parts, figures=FakeFigures(report)).notify(signal, now_ms=NOW)
    assert isinstance(outcome, Sent) and outcome.notes == ()
    assert parts["render"].views[0].rule_records[rule].hit_rate == 0.61


def test_unreadable_replay_figures_leave_the_email_without_them_and_say_why(parts, signal):
    figures = FakeFigures(error=StorageError("s3://bucket/stats/...: AccessDenied"))
    outcome = notifier(parts, figures=figures).notify(signal, now_ms=NOW)
    assert isinstance(outcome, Sent) and "AccessDenied" in outcome.notes[0]
    assert parts["render"].views[0].rule_records == {}


def test_a_malformed_replay_report_is_left_out_with_a_note(parts, signal):
    outcome = notifier(parts, figures=FakeFigures({"rules": "nope"})).notify(signal, now_ms=NOW)
    assert isinstance(outcome, Sent) and "replay figures left out" in outcome.notes[0]


#: The series' email record as the training run writes it: one horizon, no evidence of an edge.
EMAIL_RECORD = {
    "emails": 40,
    "directional": 30,
    "from_ts": 1_700_000_000_000,
    "to_ts": 1_710_000_000_000,
    "horizons": {"24": {"n": 30, "blocks": 12, "hit_rate": 0.5, "base_rate": 0.5, "t": 0.0, "verdict": "no evidence"}},
}


def test_the_series_email_record_reaches_the_email_from_the_same_read_as_the_rule_records(parts, signal):
    rule = signal.active_firings[0].rule_id
    stats = {"n": 12, "hit_rate": 0.61, "base_rate": 0.5}
    report = {"replayed": 900, "rules": [{"rule_id": rule, "horizons": {"24": stats}}], "email_record": EMAIL_RECORD}
    outcome = notifier(parts, figures=FakeFigures(report)).notify(signal, now_ms=NOW)
    assert isinstance(outcome, Sent) and outcome.notes == ()
    view = parts["render"].views[0]
    assert view.rule_records[rule].hit_rate == 0.61
    assert view.email_record is not None and view.email_record.emails == 40


def test_a_malformed_email_record_is_left_out_with_a_note_and_the_rule_records_are_still_shown(parts, signal):
    rule = signal.active_firings[0].rule_id
    stats = {"n": 12, "hit_rate": 0.61, "base_rate": 0.5}
    broken = {**EMAIL_RECORD, "directional": 41}
    report = {"replayed": 900, "rules": [{"rule_id": rule, "horizons": {"24": stats}}], "email_record": broken}
    outcome = notifier(parts, figures=FakeFigures(report)).notify(signal, now_ms=NOW)
    assert isinstance(outcome, Sent)
    assert outcome.notes == ("email record left out: email_record.directional 41 is more than its 40 emails",)
    view = parts["render"].views[0]
    assert view.email_record is None and view.rule_records[rule].hit_rate == 0.61


def test_malformed_rule_records_leave_the_email_record_in_the_email(parts, signal):
    report = {"rules": "nope", "email_record": EMAIL_RECORD}
    outcome = notifier(parts, figures=FakeFigures(report)).notify(signal, now_ms=NOW)
    assert isinstance(outcome, Sent) and len(outcome.notes) == 1 and "replay figures left out" in outcome.notes[0]
    view = parts["render"].views[0]
    assert view.rule_records == {} and view.email_record is not None


def test_a_report_written_before_emails_were_judged_gives_no_email_record_and_no_note(parts, signal):
    report = {"replayed": 900, "rules": []}
    outcome = notifier(parts, figures=FakeFigures(report)).notify(signal, now_ms=NOW)
    assert isinstance(outcome, Sent) and outcome.notes == ()
    assert parts["render"].views[0].email_record is None


# ----------------------------------------------------------------------------- SES's answer lost


def test_a_lost_ses_answer_keeps_the_claim_as_unknown_and_the_record_succeeds(parts, signal):
    # Given SES timing out after the request went out: it may have accepted the email
    parts["mailer"].fail_with.append(DeliveryUnknownError("Read timeout on endpoint URL"))
    # When the signal is handled: no error reaches the stream, so it does not retry the record
    outcome = notifier(parts).notify(signal, now_ms=NOW)
    # Then the claim is kept as unknown, with the subject and what was lost
    assert isinstance(outcome, DeliveryUnknown) and "Read timeout" in outcome.error
    item = parts["log"].items[(signal.series, signal.candle_ts)]
    assert (item["status"], item["subject"]) == ("unknown", outcome.subject)
    assert "Read timeout" in item["detail"]


def test_an_unknown_delivery_is_never_sent_again_and_starts_the_cooldown(parts, signal):
    # Given an email whose SES answer was lost
    parts["mailer"].fail_with.append(DeliveryUnknownError("Connection was closed before we received a response"))
    notifier(parts).notify(signal, now_ms=NOW)
    # When its record is delivered again, even long after any lease
    again = notifier(parts).notify(signal, now_ms=NOW + 10 * LEASE)
    # Then nothing is sent: at most one copy, never two
    assert isinstance(again, AlreadyDecided) and again.existing.status == "unknown"
    assert parts["mailer"].sent == []
    # And the next candle firing the same rules is in cooldown, as after an email the user may have received
    later = signal.model_copy(update={"candle_ts": signal.candle_ts + HOUR})
    outcome = notifier(parts).notify(later, now_ms=NOW + 10 * LEASE)
    assert isinstance(outcome, Suppressed) and outcome.suppress.reason == "cooldown"


def test_an_unknown_delivery_whose_claim_was_lost_meanwhile_still_does_not_fail_the_record(parts, signal, monkeypatch):
    # Given SES's answer lost, and the claim taken over meanwhile (so it cannot be marked unknown)
    parts["mailer"].fail_with.append(DeliveryUnknownError("Read timeout"))
    monkeypatch.setattr(parts["log"], "mark_unknown", lambda claim, **kwargs: False)
    # When the signal is handled
    outcome = notifier(parts).notify(signal, now_ms=NOW)
    # Then the outcome says so, and still nothing is retried
    assert isinstance(outcome, DeliveryUnknown) and "taken over" in outcome.notes[0]


# ----------------------------------------------------------------------------- time to send, and dead claims


def test_nothing_is_claimed_without_the_time_to_send_and_record_it(parts, signal):
    # Given an invocation that will be stopped before a send could be settled
    deadline = NOW + CLAIM_BUDGET_MS - 1
    # When the signal is handled: the record fails for a retry, and no claim is left behind
    with pytest.raises(NoTimeToSendError):
        notifier(parts).notify(signal, now_ms=NOW, deadline_ms=deadline)
    assert parts["log"].items == {} and parts["mailer"].sent == []
    # And a fresh invocation sends it at once
    assert isinstance(notifier(parts).notify(signal, now_ms=NOW + 1, deadline_ms=NOW + 60_000), Sent)


class Clock:
    """``time.sleep`` for the notifier: records each wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def test_a_claim_left_by_a_dead_invocation_is_waited_out_and_taken_over_when_the_time_allows(parts, signal):
    # Given a claim taken 10 s ago by an invocation that died, and a retry with 200 s to run
    parts["log"].claim(signal.series, signal.candle_ts, now_ms=NOW - 10_000, rules=["x"], recipients=["me@e.com"])
    clock = Clock()
    # When the retry handles the record
    outcome = notifier(parts, sleep=clock).notify(signal, now_ms=NOW, deadline_ms=NOW + 200_000)
    # Then it waited until the lease had passed, took the claim over and sent the email once
    assert clock.waits == [pytest.approx((LEASE - 10_000 + 1) / 1000)]
    assert isinstance(outcome, Sent) and outcome.took_over and len(parts["mailer"].sent) == 1


def test_a_retry_waits_what_it_can_before_failing_in_flight(parts, signal):
    # Given a claim taken a moment ago, and a retry whose invocation ends long before the lease does
    parts["log"].claim(signal.series, signal.candle_ts, now_ms=NOW, rules=["x"], recipients=["me@e.com"])
    clock = Clock()
    # When the retry handles the record
    with pytest.raises(AlertInFlightError):
        notifier(parts, sleep=clock).notify(signal, now_ms=NOW, deadline_ms=NOW + 60_000)
    # Then it spent all the time it could spare waiting (so the retries between them outlast the lease)
    assert clock.waits == [pytest.approx((60_000 - CLAIM_BUDGET_MS) / 1000)]
    assert parts["mailer"].sent == []


def test_the_streams_retries_outlast_the_lease_of_a_claim_left_by_a_dead_invocation(parts, signal):
    # Given NotifyFunction's timeout and its mapping's retries, as the translated template deploys them
    cfn = to_cloudformation(load_template(REPO / "template.yaml"), LOCAL_PARAMETERS)
    timeout_ms = cfn["Resources"]["NotifyFunction"]["Properties"]["Timeout"] * 1000
    [mapping] = [
        r["Properties"]
        for r in cfn["Resources"].values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
        and r["Properties"]["FunctionName"] == {"Ref": "NotifyFunction"}
    ]
    # And an invocation that claimed the email and was stopped by that timeout (a hung call, say)
    parts["log"].claim(signal.series, signal.candle_ts, now_ms=NOW, rules=["x"], recipients=["me@example.com"])
    start, outcome = NOW + timeout_ms, None
    # When the stream retries the record, each retry a fresh invocation right after the last one ended
    # (no backoff between them: Lambda's own only adds time)
    for _ in range(mapping["MaximumRetryAttempts"]):
        clock = Clock()
        try:
            outcome = notifier(parts, sleep=clock).notify(signal, now_ms=start, deadline_ms=start + timeout_ms)
            break
        except AlertInFlightError:
            start += round(sum(clock.waits) * 1000)
    # Then one of them takes the claim over after its lease and sends the email, before the record is parked
    assert isinstance(outcome, Sent) and outcome.took_over and len(parts["mailer"].sent) == 1


def test_the_sent_message_is_kept_under_its_decision_for_the_dashboard(parts, signal):
    # Given a notifier that keeps the messages it sends
    kept = FakeSentArchive()
    # When it emails a signal
    outcome = notifier(parts, sent=kept).notify(signal, now_ms=NOW)
    # Then the very bytes SES got are kept under the decision's log key and candle
    assert isinstance(outcome, Sent)
    [(_, _, raw)] = parts["mailer"].sent
    assert kept.kept == {(signal.series, signal.candle_ts): raw}


def test_a_message_that_cannot_be_kept_is_a_note_and_the_email_still_counts_as_sent(parts, signal):
    # Given an archive that cannot be written
    kept = FakeSentArchive(error=StorageError("s3://archive/sent-emails/...: AccessDenied"))
    # When a signal is emailed
    outcome = notifier(parts, sent=kept).notify(signal, now_ms=NOW)
    # Then it is sent and recorded sent, and the outcome says the dashboard will re-render it
    assert isinstance(outcome, Sent) and len(parts["mailer"].sent) == 1
    assert parts["log"].items[(signal.series, signal.candle_ts)]["status"] == "sent"
    assert any("not archived" in n and "AccessDenied" in n for n in outcome.notes)


def test_an_email_whose_answer_was_lost_is_kept_too(parts, signal):
    # Given SES's answer is lost (it may have the email)
    parts["mailer"].fail_with.append(DeliveryUnknownError("read timeout"))
    kept = FakeSentArchive()
    outcome = notifier(parts, sent=kept).notify(signal, now_ms=NOW)
    # Then the decision is unknown and its message is kept, so the dashboard shows what may have gone out
    assert isinstance(outcome, DeliveryUnknown)
    assert list(kept.kept) == [(signal.series, signal.candle_ts)]
