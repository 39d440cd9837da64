"""One message per recipient (the emails carry links): each recipient's fate is their own, whatever the list's order.

SES refuses one address (MessageRejected: not verified in the SES sandbox) or loses its answer (a read timeout),
and the other recipient still gets the alert; only when nobody's message was accepted does the claim fall back to
the single-message rules (released for a retry when every one was refused, kept ``unknown`` when an answer was
lost). The email is the real renderer's; the notification log keeps the real one's conditional writes.
"""

from __future__ import annotations

from typing import Any

import pytest

from crypto_advisor.contracts.errors import DeliveryError, DeliveryUnknownError
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.watchlist import AlertPolicy, WatchedSeries
from crypto_advisor.notify.delivery import CLAIM_BUDGET_MS, SES_WAIT_MS, AlertInFlightError
from crypto_advisor.notify.links import LinkSigner
from crypto_advisor.notify.outcomes import DeliveryUnknown, Sent
from crypto_advisor.notify.ports import Mailer
from crypto_advisor.notify.service import Notifier
from tests.fakes.candles import FakeCandles
from tests.fakes.notify import ByAddress, FakeFigures, FakeLog, FakeSentArchive, FakeWatchlist
from tests.unit.notify.conftest import HOUR, SERIES

NOW = 1_800_000_000_000
BAD, GOOD, OTHER = "bad@example.com", "good@example.com", "other@example.com"
REJECTED = DeliveryError("SES rejected the email (MessageRejected: Email address is not verified)", retryable=False)
LOST = DeliveryUnknownError("SES's answer was lost after the email was sent to it: Read timeout")
#: Both orders of the two recipients: the outcome must not depend on which comes first.
ORDERS = pytest.mark.parametrize("recipients", [(BAD, GOOD), (GOOD, BAD)], ids=["bad-first", "bad-second"])


def notifier(fired: tuple[Any, Signal], recipients: tuple[str, ...], mailer: Mailer, **changes: Any) -> Notifier:
    candles, _ = fired
    policy = AlertPolicy(recipients=recipients, min_severity=1, cooldown_ms=6 * HOUR)
    fields: dict[str, Any] = {
        "watchlist": FakeWatchlist(WatchedSeries(series=SERIES, backfill_candles=720, alerts=policy)),
        "log": FakeLog(),
        "candles": FakeCandles(list(candles)),
        "figures": FakeFigures(),
        "mailer": mailer,
        "sender": "alerts@example.com",
        "links": LinkSigner("https://dash.example.com", b"k" * 64),
    }
    return Notifier(**{**fields, **changes})


def status(n: Notifier, signal: Signal) -> str | None:
    item = n.log.items.get((signal.series, signal.candle_ts))  # type: ignore[attr-defined]
    return None if item is None else str(item["status"])


@ORDERS
def test_a_refused_recipient_does_not_keep_the_alert_from_the_other(fired, recipients):
    # Given SES refusing one address of two (unverified in the sandbox)
    _, signal = fired
    mailer = ByAddress({BAD: REJECTED})
    n = notifier(fired, recipients, mailer)
    # When the signal is handled
    outcome = n.notify(signal, now_ms=NOW)
    # Then the other recipient got the email, the alert is recorded sent, and a note names the refused address
    assert mailer.got_it() == [GOOD]
    assert isinstance(outcome, Sent) and outcome.message_id == "ses-1"
    assert status(n, signal) == "sent"
    assert any(BAD in note and "MessageRejected" in note and "not sent again" in note for note in outcome.notes)


@ORDERS
def test_a_lost_answer_for_one_recipient_does_not_keep_the_alert_from_the_other(fired, recipients):
    # Given SES's answer lost for one address of two, in an invocation with NotifyFunction's 60 s to run
    _, signal = fired
    mailer = ByAddress({BAD: LOST})
    n = notifier(fired, recipients, mailer)
    # When the signal is handled
    outcome = n.notify(signal, now_ms=NOW, deadline_ms=NOW + 60_000)
    # Then the other recipient got it, the alert is recorded sent (not unknown), and a note names the lost one
    assert mailer.got_it() == [GOOD]
    assert isinstance(outcome, Sent) and status(n, signal) == "sent"
    assert any(BAD in note and "lost" in note and "Read timeout" in note for note in outcome.notes)
    # And a redelivery sends nobody a second copy
    n.notify(signal, now_ms=NOW + 10)
    assert mailer.got_it() == [GOOD] and mailer.tried.count(BAD) == 1


@ORDERS
def test_when_every_recipient_is_refused_the_claim_is_released_for_the_streams_retry(fired, recipients):
    # Given SES refusing both addresses
    _, signal = fired
    mailer = ByAddress({BAD: REJECTED, GOOD: DeliveryError("SES is throttling (Throttling)", retryable=True)})
    n = notifier(fired, recipients, mailer)
    # When the signal is handled: the record fails, naming each recipient's refusal
    with pytest.raises(DeliveryError) as raised:
        n.notify(signal, now_ms=NOW)
    # Then both were tried, nothing is recorded, and the retry claims again and sends once SES takes them
    assert sorted(mailer.tried) == [BAD, GOOD] and status(n, signal) is None
    notes = " ".join(raised.value.__notes__)
    assert BAD in notes and GOOD in notes
    mailer.fails = {}
    assert isinstance(n.notify(signal, now_ms=NOW + 5_000), Sent)
    assert sorted(mailer.got_it()) == [BAD, GOOD]


@ORDERS
def test_with_none_accepted_a_lost_answer_keeps_the_claim_unknown(fired, recipients):
    # Given one address refused and the other's answer lost: that one may have the email
    _, signal = fired
    mailer = ByAddress({BAD: REJECTED, GOOD: LOST})
    n = notifier(fired, recipients, mailer)
    # When the signal is handled: no error reaches the stream
    outcome = n.notify(signal, now_ms=NOW)
    # Then the claim is kept unknown (never sent again), and the refused address is named
    assert isinstance(outcome, DeliveryUnknown) and "Read timeout" in outcome.error
    assert status(n, signal) == "unknown"
    assert any(BAD in note and "MessageRejected" in note for note in outcome.notes)


def test_the_archive_keeps_the_message_of_the_first_recipient_ses_accepted(fired):
    # Given the first recipient refused, and a notifier that keeps what it sends
    _, signal = fired
    mailer, kept = ByAddress({BAD: REJECTED}), FakeSentArchive()
    n = notifier(fired, (BAD, GOOD, OTHER), mailer, sent=kept)
    # When the signal is handled
    assert isinstance(n.notify(signal, now_ms=NOW), Sent)
    # Then the kept message is the one GOOD received (each recipient's carries their own links)
    assert mailer.got_it() == [GOOD, OTHER]
    assert kept.kept == {(signal.series, signal.candle_ts): mailer.accepted.sent[0][2]}


def test_a_further_recipient_is_not_tried_when_lost_answers_leave_too_little_time_to_record_it(fired):
    # Given SES's answer lost for the first recipient, in an invocation with time for one SES wait only
    _, signal = fired
    mailer = ByAddress({BAD: LOST})
    n = notifier(fired, (BAD, GOOD), mailer)
    deadline = NOW + CLAIM_BUDGET_MS + SES_WAIT_MS - 1
    # When the signal is handled
    outcome = n.notify(signal, now_ms=NOW, deadline_ms=deadline)
    # Then the second is not tried (the invocation could be stopped holding the claim, which a retry would then
    # take over and send to everyone again): the alert is kept unknown and the outcome names who was not tried
    assert mailer.tried == [BAD] and isinstance(outcome, DeliveryUnknown)
    assert status(n, signal) == "unknown"
    assert any(GOOD in note and "not tried" in note for note in outcome.notes)


def test_an_interrupt_after_ses_accepted_one_recipient_keeps_the_claim(fired):
    # Given SES accepting the first recipient, then the invocation stopped while sending to the second (a Lambda
    # timeout's exception, a KeyboardInterrupt: not an Exception, so no refusal)
    _, signal = fired
    mailer = ByAddress({BAD: KeyboardInterrupt()})  # type: ignore[dict-item]
    n = notifier(fired, (GOOD, BAD), mailer)
    # When the signal is handled: the interrupt propagates
    with pytest.raises(KeyboardInterrupt):
        n.notify(signal, now_ms=NOW)
    # Then the claim is kept (SES has the first message): a redelivery within the lease sends nobody a second copy
    assert mailer.got_it() == [GOOD] and status(n, signal) == "sending"
    with pytest.raises(AlertInFlightError):
        n.notify(signal, now_ms=NOW + 10)
    assert mailer.got_it() == [GOOD] and mailer.tried == [GOOD, BAD]


def test_an_interrupt_after_ses_refused_every_recipient_tried_releases_the_claim(fired):
    # Given SES refusing the first recipient, then the invocation stopped while sending to the second
    _, signal = fired
    mailer = ByAddress({BAD: REJECTED, GOOD: KeyboardInterrupt()})  # type: ignore[dict-item]
    n = notifier(fired, (BAD, GOOD), mailer)
    # When the signal is handled: the interrupt propagates
    with pytest.raises(KeyboardInterrupt):
        n.notify(signal, now_ms=NOW)
    # Then the claim is released (SES can have no message of it), so the stream's retry sends the alert at once
    assert status(n, signal) is None
    mailer.fails = {}
    assert isinstance(n.notify(signal, now_ms=NOW + 5_000), Sent)
    assert sorted(mailer.got_it()) == [BAD, GOOD]
