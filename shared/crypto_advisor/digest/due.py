"""When the daily digest is due: the watchlist's local time of day, in its time zone, whatever the season.

The digest schedule runs every hour in UTC; each run asks :func:`due_digest`
for the latest digest that came due at or before it: today's (today in the
watchlist's zone) once its local time has passed, else yesterday's. Asking on
every run, instead of scheduling the digest at a fixed UTC hour, is what makes
it arrive at 07:00 in Berlin in both winter (06:00 UTC) and summer (05:00 UTC),
and in a zone with a half-hour offset. The digest is claimed under the local
date of that due instant, not of the run (the notification log keys it by
recipient and date), so the first run after the due instant sends it and every
later one finds it sent: a time late in the day (23:30, whose first run falls
after local midnight) is sent on the next date's first run, under its own date,
and a run that failed is caught up by the next one.

**How late.** A digest may be sent by any run on the local date it is for,
as the day's digest always could, and, when its time is late in the evening,
up to :data:`CATCH_UP_MS` (6 hours) after its time, into the next date: the
first run after 23:30 is at 00:05, and a failed run must have a next one. A
run later than both sends nothing and waits for the next digest. So a 07:00
digest whose run failed is caught up by any run until midnight, a 23:30 one by
any run until 05:30, and a stack deployed at 00:01 with a 07:00 digest does
not send the previous date's digest (17 hours late, about a day it did not
watch) at once and today's at 07:05.

**A new stack, or a changed ``digest.time``.** The rule cannot tell a failed
run from a run that did not exist yet, and need not: a user who sets 07:00 at
noon (or deploys then) gets that date's digest at the next run (12:05, covering
the 24 hours to 07:00). That is what they expect: it is the digest of today,
which they have not had, and it shows at once that the digest reaches them;
the next comes at 07:00 tomorrow. One who sets 07:00 at 02:00 gets the first at
07:05, never the previous date's a few hours before it. Since a date has one
digest, moving the time can make the digest after the move overlap the one
before it (20:00 moved to 07:00 at noon: today's covers from yesterday's
07:00, the previous one to yesterday's 20:00) or leave a span no digest covers
(07:00 moved to 20:00 after today's was sent: the next, tomorrow's, covers
from today's 20:00), once.

**The span.** A digest covers the candles that closed after the previous
digest's due instant, up to its own due instant, whatever the time of the run
that sends it: consecutive digests cover adjacent spans and no candle is in
two. The span is 23 or 25 hours across a change of offset.

The two days a year when local clocks jump:

- a local time that does not exist (Berlin's 02:30 on the spring-forward
  Sunday) is read with the offset before the jump (PEP 495's ``fold=0``), so the
  digest is due at 03:30 local, the first moment the clock has passed 02:30;
- a local time that happens twice (New York's 01:30 on the fall-back Sunday)
  is its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import DigestSettings

#: How long after its due instant a digest not yet sent is still sent when its local date has ended (a time late in
#: the evening): the next runs through an outage of a few hours, never the next morning's.
CATCH_UP_MS = 6 * HOUR_MS


@dataclass(frozen=True)
class DigestDay:
    """The digest a run sends: the local date it is for, and the span it covers (epoch ms, UTC)."""

    day: date
    #: the moment the digest came due (the local time of day on ``day``): the span covered ends here
    due_ms: int
    #: the moment the previous day's digest came due: the span covered starts here
    since_ms: int
    timezone: str

    @property
    def until_ms(self) -> int:
        """The end of the span covered: the due instant, not the run, so the next digest starts where this one ends."""
        return self.due_ms


def due_instant(settings: DigestSettings, day: date) -> int:
    """Epoch ms at which the digest of local date ``day`` comes due."""
    local = datetime(day.year, day.month, day.day, settings.hour, settings.minute, tzinfo=settings.zone)
    return int(local.timestamp() * 1000)


def local_day(settings: DigestSettings, at_ms: int) -> date:
    """The date in the watchlist's time zone at ``at_ms``."""
    return datetime.fromtimestamp(at_ms / 1000, tz=settings.zone).date()


def due_digest(settings: DigestSettings, at_ms: int) -> DigestDay | None:
    """The latest digest due at or before ``at_ms`` (today's once its time has passed, else yesterday's).

    None when that one is yesterday's and came due more than :data:`CATCH_UP_MS` before ``at_ms``: the next one is
    awaited.
    """
    today = local_day(settings, at_ms)
    day = today if due_instant(settings, today) <= at_ms else today - timedelta(days=1)
    due = due_instant(settings, day)
    if due > at_ms or (day != today and at_ms - due > CATCH_UP_MS):
        return None
    return DigestDay(
        day=day,
        due_ms=due,
        since_ms=due_instant(settings, day - timedelta(days=1)),
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
