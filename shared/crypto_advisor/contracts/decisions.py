"""An alert decision as the dashboard reads it back from the notification log: every attribute a person asks about.

The notification log (:mod:`crypto_advisor.adapters.notification_log`) writes
these items; the digest reads a narrower projection
(:class:`~crypto_advisor.contracts.digest.LoggedAlert`). The dashboard lists
every decision with its reason and detail, so it reads them whole.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The notifier's statuses of a candle whose email went out, is going out, or may have (SES's answer was lost).
EMAILED = ("sent", "sending", "unknown")


@dataclass(frozen=True)
class Decision:
    #: the series key, or ``market#<timeframe>`` for a market email
    key: str
    candle_ts: int
    status: str
    rules: tuple[str, ...] = ()
    reason: str | None = None
    detail: str | None = None
    subject: str | None = None
    decided_at: int | None = None
    #: a market email: the series it covered
    covers: tuple[str, ...] = ()
