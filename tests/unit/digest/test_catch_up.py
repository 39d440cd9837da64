"""A digest time late in the day, a failed run caught up, and consecutive digests that share no candle.

The schedule runs at :05 every hour (``cron(5 * * * ? *)``); a digest is claimed under the local date it came due
on, whichever date the run that sends it falls on.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest

from crypto_advisor.contracts.digest import digest_log_key
from crypto_advisor.contracts.errors import DeliveryError
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import DigestSettings
from crypto_advisor.digest.due import due_digest, due_instant
from crypto_advisor.digest.text import HELD_TITLE
from tests.unit.digest.conftest import BTC, RECIPIENT, WALL_MS, WATCHLIST, day_signal, firing, held, ms, watchlist


def hourly(start: str, hours: int) -> list[int]:
    """The schedule's runs: every hour from ``start`` (at :05)."""
    return [ms(start) + h * HOUR_MS for h in range(hours)]


def run_all(digester, runs: list[int]) -> list[tuple[int, str]]:
    """Each run in turn; (run, local date) of every digest sent."""
    sent = []
    for at in runs:
        result = digester.run(at_ms=at, wall_ms=WALL_MS + at)
        sent.extend((at, result.day) for o in result.recipients if o.status == "sent")
    return sent


@pytest.mark.parametrize(
    ("time", "zone"),
    [("23:30", "UTC"), ("23:30", "Europe/Berlin"), ("23:50", "Asia/Kolkata")],
)
def test_a_digest_time_late_in_the_day_is_sent_once_per_local_day_by_the_first_run_after_it(make_digester, time, zone):
    # Given a digest at 23:30 (23:50) local, and hourly runs over five days, across Berlin's spring-forward night
    digester, log, mailer, _ = make_digester(watchlist(WATCHLIST, time=time, timezone=zone), candles={}, latest=False)
    # When the schedule runs (the first run's latest digest is more than 6 hours old and not of its date: not sent)
    sent = run_all(digester, hourly("2026-03-25T12:05Z", 5 * 24))
    # Then every local day from the 25th to the 29th got exactly one digest, claimed under that day
    days = [date(2026, 3, 25) + timedelta(days=i) for i in range(5)]
    assert [day for _, day in sent] == [d.isoformat() for d in days]
    assert log.sent_days() == [(digest_log_key(RECIPIENT), d.isoformat()) for d in days]
    assert len(mailer.sent) == 5
    # ... each by the first run after its time, even when that run is on the next local date
    settings = digester.watchlist.digest
    for (at, _), day in zip(sent, days, strict=True):
        assert 0 < at - due_instant(settings, day) <= HOUR_MS


def test_a_failed_run_of_a_late_digest_is_caught_up_by_the_next_run_once(make_digester):
    # Given a 23:30 UTC digest whose first run (00:05, on the next date) SES refuses
    digester, log, mailer, _ = make_digester(watchlist(WATCHLIST, time="23:30"), candles={}, latest=False)
    mailer.fail_with.append(DeliveryError("SES is throttling", retryable=True))
    runs = hourly("2025-02-15T00:05Z", 12)
    first = digester.run(at_ms=runs[0], wall_ms=WALL_MS)
    assert (first.day, [o.status for o in first.failed]) == ("2025-02-14", ["failed"]) and mailer.sent == []
    # When the next hourly runs come
    sent = run_all(digester, runs[1:])
    # Then the next one sends the 14th's digest, and no later one sends it again
    assert sent == [(runs[1], "2025-02-14")] and len(mailer.sent) == 1
    assert log.sent_days() == [(digest_log_key(RECIPIENT), "2025-02-14")]


def test_a_late_digest_is_sent_up_to_6_hours_after_its_time_and_a_days_digest_until_its_midnight():
    # Given a 23:30 UTC digest: runs into the next date send the 14th's for 6 hours, then none is due until 23:30
    late = DigestSettings(time="23:30")
    assert due_digest(late, ms("2025-02-15T05:05Z")).day == date(2025, 2, 14)  # type: ignore[union-attr]
    assert due_digest(late, ms("2025-02-15T05:30Z")) is not None
    assert due_digest(late, ms("2025-02-15T06:05Z")) is None
    # ... while a 07:00 digest may be sent on the rest of its date, and a stack started after midnight does not send
    # the previous date's (17 hours late) before today's at 07:05
    early = DigestSettings(time="07:00")
    assert due_digest(early, ms("2025-02-15T23:05Z")).day == date(2025, 2, 15)  # type: ignore[union-attr]
    assert due_digest(early, ms("2025-02-16T00:05Z")) is None


def test_a_digest_time_set_after_it_passed_today_sends_todays_at_the_next_run(make_digester):
    # Given a watchlist whose 07:00 UTC digest is set (or deployed) at noon, with no digest sent yet
    digester, _, mailer, _ = make_digester(watchlist(WATCHLIST, time="07:00"), candles={}, latest=False)
    # When the next runs come
    sent = run_all(digester, hourly("2025-02-15T12:05Z", 24))
    # Then today's digest goes at 12:05, covering the 24 hours to 07:00, and tomorrow's at 07:05
    assert sent == [(ms("2025-02-15T12:05Z"), "2025-02-15"), (ms("2025-02-16T07:05Z"), "2025-02-16")]
    assert len(mailer.sent) == 2


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_consecutive_digests_cover_adjacent_spans_ending_at_their_due_time_whatever_the_run(zone):
    # Given a 07:30 digest sent by runs at :05, some of them hours late, over the spring change of offset
    settings = DigestSettings(time="07:30", timezone=zone)
    days = [date(2026, 3, 5) + timedelta(days=i) for i in range(30)]
    spans = []
    for i, day in enumerate(days):
        due = due_instant(settings, day)
        when = due_digest(settings, due + (i % 5) * HOUR_MS + 35 * 60_000)
        assert when is not None and when.day == day
        spans.append((when.since_ms, when.until_ms))
    # Then each digest ends at its own due time and the next starts there: no gap, no overlap
    assert all(until == due_instant(settings, day) for (_, until), day in zip(spans, days, strict=True))
    assert all(earlier[1] == later[0] for earlier, later in pairwise(spans))


def test_a_candle_closing_between_the_due_time_and_the_run_is_in_the_next_digest_only(make_digester):
    # Given a 07:30 UTC digest and a firing held back on the 1h candle that closes at 08:00 on the 14th, between the
    # 07:30 due time and the 08:05 run that sends the 14th's digest
    ts = ms("2025-02-14T07:00Z")
    signal = day_signal(BTC, ts, firing("volume_spike", score=300, words="the largest hourly volume in 12 days"))
    decisions = {BTC.key: [held(ts, "below_threshold", "volume_spike")]}
    digester, _, mailer, _ = make_digester(watchlist(time="07:30"), day_signals=[signal], decisions=decisions)
    # When the 14th's and the 15th's digests are sent by the first run after each due time
    for run in ("2025-02-14T08:05Z", "2025-02-15T08:05Z"):
        digester.run(at_ms=ms(run), wall_ms=WALL_MS + ms(run))
    # Then the firing is in the 15th's digest (it closed after the 14th's due time), not in the 14th's
    first, second = (m.get_body(preferencelist=("plain",)).get_content() for m in mailer.messages())
    assert "largest hourly volume in 12 days" not in first[first.index(HELD_TITLE.upper()) :]
    assert "largest hourly volume in 12 days" in second[second.index(HELD_TITLE.upper()) :]
    # ... and each digest says the span it covers, from one due time to the next
    assert "from Thu 07:30 UTC to Fri 07:30 UTC" in first and "from Fri 07:30 UTC to Sat 07:30 UTC" in second
