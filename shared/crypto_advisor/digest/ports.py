"""What the digest needs from the outside world; adapters (and the unit tests' fakes) provide it.

The candle window and the mailer are the notifier's own ports
(:class:`~crypto_advisor.notify.ports.CandleWindow`,
:class:`~crypto_advisor.notify.ports.Mailer`): the same adapters serve both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from crypto_advisor.contracts.alerts import Claim, Existing
from crypto_advisor.contracts.digest import LoggedAlert
from crypto_advisor.contracts.signal import Signal


class SignalHistory(Protocol):
    """The stored signals (:class:`crypto_advisor.adapters.signal_history.SignalHistory`)."""

    def between(self, series: str, since_ts: int, until_ts: int) -> list[Signal]: ...

    def latest(self, series: str, until_ts: int) -> Signal | None: ...


class DigestLog(Protocol):
    """The notification log as the digest uses it (:class:`crypto_advisor.adapters.notification_log.NotificationLog`).

    The alert decisions of the day, and the exactly-once guard of each digest:
    claim, then mark sent (or unknown, when SES's answer was lost) or release,
    as for an alert.
    """

    def alert_decisions(self, series: str, since_ts: int, until_ts: int) -> list[LoggedAlert]: ...

    def digest_entry(self, recipient: str, day: date) -> Existing | None: ...

    def claim_digest(
        self, recipient: str, day: date, *, now_ms: int, series: Sequence[str], timezone: str
    ) -> Claim | Existing: ...

    def mark_sent(self, claim: Claim, *, message_id: str, subject: str, now_ms: int) -> None: ...

    def mark_unknown(self, claim: Claim, *, subject: str, detail: str, now_ms: int) -> bool: ...

    def release(self, claim: Claim) -> bool: ...


class ScanReader(Protocol):
    """The market scans' stored documents (:class:`crypto_advisor.adapters.scan_reports.ScanReports`)."""

    def snapshot(self, vs: str) -> dict[str, Any] | None: ...

    def breakouts(self, vs: str) -> dict[str, Any] | None: ...
