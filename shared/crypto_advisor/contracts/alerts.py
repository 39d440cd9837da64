"""What the notification log remembers of an alert: earlier sends, and the claim that makes a send happen once.

Data only: the notification log (:mod:`crypto_advisor.adapters.notification_log`)
stores and returns them; the alert policy and the notifier
(:mod:`crypto_advisor.notify`) decide with them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SentAlert:
    """One earlier email of the series, as the notification log remembers it: its candle and the rules it named."""

    candle_ts: int
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Claim:
    """The right to send the email of one candle, held until marked sent or released."""

    series: str
    candle_ts: int
    token: str
    claimed_at: int
    #: a stale claim (of an invocation that died) was taken over: the email may already have gone out once
    took_over: bool = False


@dataclass(frozen=True)
class Existing:
    """The candle already has an entry in the notification log: what it says."""

    status: str
    claimed_at: int | None = None
    reason: str | None = None
    message_id: str | None = None
