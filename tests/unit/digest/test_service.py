"""The digest use case over the fakes: who gets what, exactly once per local day and recipient, and what fails alone."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest

from crypto_advisor.contracts.digest import digest_log_key
from crypto_advisor.contracts.errors import DeliveryError, DeliveryUnknownError
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.digest.due import due_instant
from tests.unit.digest.conftest import AT_MS, ETH, RECIPIENT, WALL_MS, WATCHLIST, ms, watchlist

MULTI = """
alerts: {recipients: [trader@example.com]}
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD, alerts: {recipients: [Partner@Example.com, trader@example.com]}}
"""


def test_a_due_run_sends_one_digest_to_the_recipient_covering_every_series(make_digester):
    # Given three watched series, the stack's default recipient, and a run after 07:00 UTC
    digester, log, mailer, _ = make_digester()
    # When the hourly run comes
    run = digester.run(at_ms=AT_MS, wall_ms=WALL_MS)
    # Then one digest went out, to that recipient only, and the log holds it as sent
    assert run.status == "due" and run.day == "2025-02-15"
    [outcome] = run.recipients
    assert (outcome.status, outcome.recipient, outcome.series) == ("sent", RECIPIENT, 3)
    [(_sender, recipients, _)] = mailer.sent
    assert recipients == (RECIPIENT,)
    [message] = mailer.messages()
    assert str(message["Subject"]).startswith("Daily digest")
    assert log.sent_days() == [(digest_log_key(RECIPIENT), "2025-02-15")]


def test_each_recipient_gets_one_digest_of_the_series_they_get_alerts_for(make_digester):
    # Given BTC emailed to one address, ETH to that one and another (written in another case)
    digester, _log, mailer, _ = make_digester(watchlist(MULTI))
    # When the digest is due
    run = digester.run(at_ms=AT_MS, wall_ms=WALL_MS)
    # Then each mailbox gets one digest, of its own series, addressed to it alone
    covered = {o.recipient: o.series for o in run.recipients}
    assert covered == {"trader@example.com": 2, "Partner@Example.com": 1}
    assert sorted(r for _, (r,), _ in mailer.sent) == ["Partner@Example.com", "trader@example.com"]
    partner = next(m for m in mailer.messages() if m["To"] == "Partner@Example.com")
    text = partner.get_body(preferencelist=("plain",)).get_content()
    assert "ETH/USD 1h:" in text and "BTC/USD 1h:" not in text


def test_a_duplicated_invocation_sends_nothing_more(make_digester):
    # Given a run that sent today's digest
    digester, _log, mailer, signals = make_digester()
    digester.run(at_ms=AT_MS, wall_ms=WALL_MS)
    reads = signals.queries
    # When EventBridge delivers the same event again, and the later hourly runs of the day come
    again = digester.run(at_ms=AT_MS, wall_ms=WALL_MS + 1_000)
    later = [digester.run(at_ms=AT_MS + h * HOUR_MS, wall_ms=WALL_MS + h * HOUR_MS) for h in range(1, 17)]
    # Then nothing more was sent, and they read only the log: not a single signal
    assert len(mailer.sent) == 1
    assert [o.status for o in again.recipients] == ["already_sent"]
    assert all(r.status == "due" and [o.status for o in r.recipients] == ["already_sent"] for r in later)
    assert signals.queries == reads


def test_a_claim_held_by_a_live_invocation_is_left_to_it_and_a_stale_one_is_taken_over(make_digester):
    # Given another invocation that claimed today's digest and is (as far as anyone can tell) sending it
    digester, log, mailer, _ = make_digester()
    log.claim_digest(RECIPIENT, date(2025, 2, 15), now_ms=WALL_MS, series=[], timezone="UTC")
    # When a second invocation runs within the lease
    busy = digester.run(at_ms=AT_MS, wall_ms=WALL_MS + 60_000)
    # Then it sends nothing and says so
    assert [o.status for o in busy.recipients] == ["in_flight"] and mailer.sent == []
    # When the next run comes after the lease (the first invocation died)
    late = digester.run(at_ms=AT_MS + HOUR_MS, wall_ms=WALL_MS + HOUR_MS)
    # Then it takes the claim over and sends, flagging the possible duplicate
    [outcome] = late.recipients
    assert (outcome.status, outcome.took_over) == ("sent", True)
    assert len(mailer.sent) == 1


def test_ses_refusing_releases_the_claim_so_the_next_hourly_run_sends_it(make_digester):
    # Given SES that refuses the first send
    digester, log, mailer, _ = make_digester()
    mailer.fail_with.append(DeliveryError("SES is throttling", retryable=True))
    # When the digest is due
    first = digester.run(at_ms=AT_MS, wall_ms=WALL_MS)
    # Then it failed, nothing is marked sent and the claim is gone
    [outcome] = first.failed
    assert outcome.error_type == "DeliveryError" and "throttling" in (outcome.error or "")
    assert log.items == {} and mailer.sent == []
    # When the next hourly run comes
    second = digester.run(at_ms=AT_MS + HOUR_MS, wall_ms=WALL_MS + HOUR_MS)
    # Then it sends the day's digest, once
    assert [o.status for o in second.recipients] == ["sent"] and len(mailer.sent) == 1


def test_a_lost_ses_answer_keeps_the_digest_unknown_and_no_later_run_sends_it_again(make_digester):
    # Given SES whose answer to the first send is lost (it may have accepted the digest)
    digester, log, mailer, _ = make_digester()
    mailer.fail_with.append(DeliveryUnknownError("Read timeout on endpoint URL"))
    # When the digest is due: the run does not fail (nothing to retry), and says what became of it
    first = digester.run(at_ms=AT_MS, wall_ms=WALL_MS)
    [outcome] = first.recipients
    assert (outcome.status, first.failed) == ("unknown", ())
    assert "Read timeout" in (outcome.error or "") and str(outcome.subject).startswith("Daily digest")
    [item] = log.items.values()
    assert item["status"] == "unknown"
    # When the later hourly runs of the day come, long after any lease
    later = [digester.run(at_ms=AT_MS + h * HOUR_MS, wall_ms=WALL_MS + h * HOUR_MS) for h in range(1, 6)]
    # Then none sends it: the recipient has it once, or not today, never twice
    assert mailer.sent == [] and all([o.status for o in r.recipients] == ["already_sent"] for r in later)


def test_one_recipient_failing_does_not_keep_the_others_digest(make_digester):
    digester, _, mailer, _ = make_digester(watchlist(MULTI))
    mailer.fail_with.append(DeliveryError("MessageRejected", retryable=False))
    run = digester.run(at_ms=AT_MS, wall_ms=WALL_MS)
    assert Counter(o.status for o in run.recipients) == {"failed": 1, "sent": 1}


def test_a_send_that_could_not_be_recorded_is_reported_as_sent_with_a_warning(make_digester):
    # Given the log write after SES fails
    digester, log, mailer, _ = make_digester()
    log.fail_mark = True
    # When the digest is sent
    [outcome] = digester.run(at_ms=AT_MS, wall_ms=WALL_MS).recipients
    # Then it went out, and the outcome says a later run may send it again (the documented limit)
    assert outcome.status == "sent" and len(mailer.sent) == 1
    assert outcome.notes and "may send it again" in outcome.notes[0]


def test_before_the_local_time_nothing_is_read_or_sent(make_digester):
    digester, log, mailer, signals = make_digester(watchlist(WATCHLIST, timezone="America/New_York"))
    run = digester.run(at_ms=AT_MS, wall_ms=WALL_MS)  # 02:05 in New York
    assert run.status == "not_due" and run.due_ms == ms("2025-02-15T12:00Z")
    assert (mailer.sent, log.claims, signals.queries) == ([], 0, 0)


def test_the_watchlist_switch_turns_the_digest_off(make_digester):
    digester, log, mailer, signals = make_digester(watchlist(WATCHLIST, enabled=False))
    assert digester.run(at_ms=AT_MS, wall_ms=WALL_MS).status == "off"
    assert (mailer.sent, log.claims, signals.queries) == ([], 0, 0)


def test_nobody_to_send_to_is_reported_not_failed(make_digester):
    digester, _, mailer, _ = make_digester(default_recipients=())
    assert digester.run(at_ms=AT_MS, wall_ms=WALL_MS).status == "no_recipients"
    assert mailer.sent == []


def test_a_series_whose_stores_cannot_be_read_gets_a_row_saying_so_and_the_digest_still_goes(make_digester):
    # Given ETH's alert decisions that cannot be read
    digester, log, mailer, _ = make_digester()
    log.fail_decisions.add(ETH.key)
    # When the digest is due
    run = digester.run(at_ms=AT_MS, wall_ms=WALL_MS)
    # Then it was sent, and ETH's row says why its figures are missing
    assert [o.status for o in run.recipients] == ["sent"]
    assert [key for key, _ in run.unreadable] == [ETH.key]
    text = mailer.messages()[0].get_body(preferencelist=("plain",)).get_content()
    assert "its data could not be read" in text and "BTC/USD 1h: " in text


@pytest.mark.parametrize(("zone", "local_hour"), [("Europe/Berlin", 7), ("America/New_York", 7), ("UTC", 7)])
def test_hourly_runs_across_a_change_of_offset_send_one_digest_per_local_day_at_the_local_time(
    make_digester, zone, local_hour
):
    # Given hourly runs at :05 UTC over the week around the October/November change of offset (both zones)
    digester, _log, mailer, _ = make_digester(watchlist(WATCHLIST, timezone=zone), candles={}, latest=False)
    start = ms("2026-10-22T05:05Z")  # before 07:00 or at 07:05 local in each zone: no day starts late
    sent_at: dict[str, int] = {}
    for hour in range(14 * 24):
        at = start + hour * HOUR_MS
        for outcome in digester.run(at_ms=at, wall_ms=at).recipients:
            if outcome.status == "sent":
                sent_at[datetime.fromtimestamp(at / 1000, tz=UTC).isoformat()] = at
    # Then every local day got exactly one digest, at the first run after its local 07:00
    local_days = [
        datetime.fromtimestamp(at / 1000, tz=digester.watchlist.digest.zone) for at in sorted(sent_at.values())
    ]
    assert len(mailer.sent) == len(local_days) == len({d.date() for d in local_days}) >= 13
    assert all(d.hour == local_hour and d.minute == 5 for d in local_days)
    for d in local_days:
        due = due_instant(digester.watchlist.digest, d.date())
        assert 0 < int(d.timestamp() * 1000) - due <= HOUR_MS
