"""What a user changes from the dashboard's Settings or an email's link: mutes, unsubscribes, and their history.

Data only, and the error of a watchlist write that another edit overtook
(:class:`WatchlistChanged`). The settings store
(:mod:`crypto_advisor.adapters.settings_store`) keeps them in the
SettingsTable; the alert policy reads mutes and unsubscribes
(:mod:`crypto_advisor.notify.policy`), the steering use case writes them
(:mod:`crypto_advisor.steering.service`).

A mute silences one rule on one series, or the whole series, until a time
(wall clock, epoch ms). The policy compares it with the candle's close: a
candle that closed before ``until_ms`` is muted, so a late redelivery decides
as the live run did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: How a change reached us: the signed-in dashboard (the JWT's user) or an email's link (the recipient).
Via = Literal["dashboard", "email"]
ChangeKind = Literal[
    "mute", "unmute", "unsubscribe", "resubscribe", "alert_policy", "digest", "series_added", "series_removed"
]


def utc_text(ms: int) -> str:
    """``2026-12-02 06:00 UTC``: how a mute's end is said in pages, emails and alert decisions."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


class Mute(BaseModel):
    """Silence ``rule`` (or, with None, every rule) of ``series`` until ``until_ms``."""

    model_config = ConfigDict(frozen=True)

    series: str
    rule: str | None = None
    until_ms: int
    #: who muted it: the dashboard user or the email's recipient
    by: str
    via: Via
    created_ms: int

    def silences(self, rule_id: str, closed_ms: int) -> bool:
        """Whether a firing of ``rule_id`` on a candle that closed at ``closed_ms`` is muted by this."""
        return closed_ms < self.until_ms and (self.rule is None or self.rule == rule_id)

    def words(self) -> str:
        target = f"{self.rule} on {self.series}" if self.rule else f"every rule on {self.series}"
        return f"{target} muted until {utc_text(self.until_ms)} by {self.by} ({self.via})"


class Change(BaseModel):
    """One entry of the history of changes: who (the JWT's user or the email's recipient), when, what."""

    model_config = ConfigDict(frozen=True)

    at_ms: int
    who: str
    via: Via
    kind: ChangeKind
    #: the change in words, e.g. "alerts.max_per_week: 3 -> 1"
    summary: str
    #: the change's data: the mute, the series entry, the watchlist's S3 versions before and after
    detail: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class WatchlistText:
    """The watchlist object as read: its text, the S3 version it is and its ETag (both None for a bundled file).

    The ETag is what a write is conditional on (S3's ``If-Match``): an edit is written over the object it was made
    to, never over one that changed since it was read.
    """

    text: str
    version: str | None
    etag: str | None = None


class WatchlistChanged(Exception):
    """The watchlist object is no longer the one read (another edit wrote it since): nothing was written.

    Not a :class:`~crypto_advisor.contracts.errors.StorageError`: the store answered, and the edit can be made
    again to what it holds now.
    """
