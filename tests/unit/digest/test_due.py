"""When the digest is due: the watchlist's local time in its time zone, in winter, in summer and on the days between."""

from __future__ import annotations

from datetime import date

import pytest

from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import DigestSettings
from crypto_advisor.digest.due import due_digest, due_instant, next_due
from tests.unit.digest.conftest import ms


def settings(time: str = "07:00", timezone: str = "UTC") -> DigestSettings:
    return DigestSettings(time=time, timezone=timezone)


def test_the_default_digest_is_due_from_07_00_utc_and_covers_the_24_hours_since_yesterdays():
    # Given the default digest settings (07:00 UTC)
    digest = settings()
    # Then nothing is due a minute before; from 07:00 on it is, for today, from yesterday's 07:00 to today's (not to
    # the run: the candle closing between 07:00 and the run is tomorrow's)
    assert due_digest(digest, ms("2026-11-04T06:59Z")) is None
    when = due_digest(digest, ms("2026-11-04T07:05Z"))
    assert when is not None
    assert when.day == date(2026, 11, 4)
    assert (when.due_ms, when.since_ms, when.until_ms) == (
        ms("2026-11-04T07:00Z"),
        ms("2026-11-03T07:00Z"),
        ms("2026-11-04T07:00Z"),
    )
    # ... and it stays "today's" until midnight, when tomorrow's is not yet due
    assert due_digest(digest, ms("2026-11-04T23:59Z")).day == date(2026, 11, 4)  # type: ignore[union-attr]
    assert due_digest(digest, ms("2026-11-05T00:05Z")) is None


@pytest.mark.parametrize(
    ("zone", "day", "utc_due"),
    [
        ("Europe/Berlin", "2026-01-15", "2026-01-15T06:00Z"),  # CET, UTC+1
        ("Europe/Berlin", "2026-07-15", "2026-07-15T05:00Z"),  # CEST, UTC+2
        ("America/New_York", "2026-01-15", "2026-01-15T12:00Z"),  # EST, UTC-5
        ("America/New_York", "2026-07-15", "2026-07-15T11:00Z"),  # EDT, UTC-4
        ("Asia/Kolkata", "2026-07-15", "2026-07-15T01:30Z"),  # IST, UTC+5:30, no DST
        ("Pacific/Auckland", "2026-07-15", "2026-07-14T19:00Z"),  # NZST, the local date is ahead of UTC's
    ],
)
def test_07_00_local_is_the_right_utc_moment_in_every_season_and_zone(zone, day, utc_due):
    # Given a digest at 07:00 in the zone
    digest = settings(timezone=zone)
    # Then it is due at that zone's 07:00, not a minute earlier
    due = ms(utc_due)
    assert due_instant(digest, date.fromisoformat(day)) == due
    assert due_digest(digest, due - 60_000) is None
    when = due_digest(digest, due)
    assert when is not None and when.day == date.fromisoformat(day)


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/Berlin", "2026-03-29", 23),  # spring forward: yesterday's 07:00 was 23 hours ago
        ("Europe/Berlin", "2026-10-25", 25),  # fall back
        ("America/New_York", "2026-03-08", 23),
        ("America/New_York", "2026-11-01", 25),
        ("Europe/Berlin", "2026-07-15", 24),
    ],
)
def test_across_a_change_of_offset_the_digest_covers_the_local_day_since_the_previous_one(zone, day, hours):
    # Given a 07:00 digest in a zone that changes its offset that night
    digest = settings(timezone=zone)
    when = due_digest(digest, due_instant(digest, date.fromisoformat(day)) + 5 * 60_000)
    # Then the span it covers runs from yesterday's local 07:00: 23 or 25 hours
    assert when is not None
    assert when.due_ms - when.since_ms == hours * HOUR_MS


def test_a_local_time_skipped_by_spring_forward_is_due_once_the_clock_has_passed_it():
    # Given 02:30 in Berlin, which does not exist on 2026-03-29 (02:00 CET jumps to 03:00 CEST)
    digest = settings("02:30", "Europe/Berlin")
    # Then the digest is due at 03:30 CEST (01:30 UTC), not before and not skipped
    assert due_instant(digest, date(2026, 3, 29)) == ms("2026-03-29T01:30Z")
    assert due_digest(digest, ms("2026-03-29T01:05Z")) is None
    assert due_digest(digest, ms("2026-03-29T02:05Z")) is not None


def test_a_local_time_repeated_by_fall_back_is_due_at_its_first_occurrence():
    # Given 01:30 in New York, which happens twice on 2026-11-01 (EDT, then EST)
    digest = settings("01:30", "America/New_York")
    # Then the digest is due at the first one (05:30 UTC), and the second one does not make another day
    assert due_instant(digest, date(2026, 11, 1)) == ms("2026-11-01T05:30Z")
    assert due_digest(digest, ms("2026-11-01T06:35Z")).day == date(2026, 11, 1)  # type: ignore[union-attr]


def test_next_due_is_later_today_before_the_time_and_tomorrow_after_it():
    digest = settings(timezone="Europe/Berlin")
    assert next_due(digest, ms("2026-01-15T05:05Z")) == ms("2026-01-15T06:00Z")
    assert next_due(digest, ms("2026-01-15T06:05Z")) == ms("2026-01-16T06:00Z")
