"""When the daily digest is due: the watchlist's local time of day, in its time zone, whatever the season.

The digest schedule runs every hour in UTC; each run asks :func:`due_digest`
whether today's digest (today in the watchlist's zone) has come due. Asking
"has the local time passed" on every run, instead of scheduling the digest at
a fixed UTC hour, is what makes it arrive at 07:00 in Berlin in both winter
(06:00 UTC) and summer (05:00 UTC), and in a zone with a half-hour offset.

The two days a year when local clocks jump:

- a local time that does not exist (Berlin's 02:30 on the spring-forward
  Sunday) is read with the offset before the jump (PEP 495's ``fold=0``), so the
  digest is due at 03:30 local, the first moment the clock has passed 02:30;
- a local time that happens twice (New York's 01:30 on the fall-back Sunday)
  is its first occurrence.

A digest covers the day since the previous one was due: from yesterday's due
time (in local terms) to the run, 23 or 25 hours across a change of offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from crypto_advisor.contracts.watchlist import DigestSettings


@dataclass(frozen=True)
class DigestDay:
    """The digest due at a run: the local date it is for, and the span it covers (epoch ms, UTC)."""

    day: date
    #: the moment the digest came due (the local time of day on ``day``)
    due_ms: int
    #: the moment yesterday's digest came due: the span covered starts here
    since_ms: int
    #: the run that sends it: the span covered ends here
    until_ms: int
    timezone: str


def due_instant(settings: DigestSettings, day: date) -> int:
    """Epoch ms at which the digest of local date ``day`` comes due."""
    local = datetime(day.year, day.month, day.day, settings.hour, settings.minute, tzinfo=settings.zone)
    return int(local.timestamp() * 1000)


def local_day(settings: DigestSettings, at_ms: int) -> date:
    """The date in the watchlist's time zone at ``at_ms``."""
    return datetime.fromtimestamp(at_ms / 1000, tz=settings.zone).date()


def due_digest(settings: DigestSettings, at_ms: int) -> DigestDay | None:
    """Today's digest if its time has come at ``at_ms``, else None (it is due later today)."""
    day = local_day(settings, at_ms)
    due = due_instant(settings, day)
    if at_ms < due:
        return None
    return DigestDay(
        day=day,
        due_ms=due,
        since_ms=due_instant(settings, day - timedelta(days=1)),
        until_ms=at_ms,
        timezone=settings.timezone,
    )


def next_due(settings: DigestSettings, at_ms: int) -> int:
    """The next moment after ``at_ms`` at which a digest comes due."""
    day = local_day(settings, at_ms)
    due = due_instant(settings, day)
    return due if due > at_ms else due_instant(settings, day + timedelta(days=1))


def iso_utc(ms: int) -> str:
    """``2026-11-04T07:00:00Z``: how reports and logs name a moment."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
