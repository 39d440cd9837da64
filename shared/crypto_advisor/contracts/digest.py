"""What the daily digest reads from, and writes to, the notification log.

Data only: the notification log (:mod:`crypto_advisor.adapters.notification_log`)
stores and returns these; the digest (:mod:`crypto_advisor.digest`) decides
with them. Both sides build the log key of a digest here, so they cannot
disagree on where "today's digest to this recipient" lives.

A digest shares the Notifications table with the alerts, as an item kind of
its own: partition key ``digest#<recipient>`` (a series key never starts with
``digest#``, so an alert's cooldown Query never sees one), sort key the local
date it is for (:func:`day_ts`), ``kind = "digest"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

#: What the partition key of a digest item starts with; also its ``kind`` attribute.
DIGEST_KIND = "digest"
_PREFIX = f"{DIGEST_KIND}#"


def digest_log_key(recipient: str) -> str:
    """The partition key of ``recipient``'s digests: ``digest#trader@example.com`` (case-folded, one per mailbox)."""
    return _PREFIX + recipient.strip().lower()


def is_digest_key(key: str) -> bool:
    return key.startswith(_PREFIX)


def day_ts(day: date) -> int:
    """The sort key of the digest for local date ``day``: that date's 00:00 UTC in epoch ms.

    A name for the calendar date, not the moment the digest was due: moving the
    digest's time of day, or a DST change, keeps one item per date.
    """
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


@dataclass(frozen=True)
class LoggedAlert:
    """One alert decision about a candle, as the notification log holds it.

    ``status`` is ``sent``, ``sending`` (claimed, not confirmed), ``unknown``
    (SES's answer was lost: it may not have arrived) or ``suppressed``;
    ``rules`` are the rules emailed (sent, unknown) or the rules that fired
    (suppressed); ``reason`` says why a suppressed one was not sent.
    """

    candle_ts: int
    status: str
    rules: tuple[str, ...] = ()
    reason: str | None = None
    subject: str | None = None
