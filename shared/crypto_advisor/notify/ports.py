"""What the notifier needs from the outside world; adapters (and the unit tests' fakes) provide it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from crypto_advisor.contracts.alerts import Claim, Existing, SentAlert
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.ledger import Grade, LedgerEntry
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.steering import Mute
from crypto_advisor.contracts.watchlist import WatchedSeries


class AlertLog(Protocol):
    """The send log and exactly-once guard (:class:`crypto_advisor.adapters.notification_log.NotificationLog`)."""

    def recent_sends(self, series: str, since_ts: int, until_ts: int) -> list[SentAlert]: ...

    def claim(
        self,
        series: str,
        candle_ts: int,
        *,
        now_ms: int,
        rules: Sequence[str],
        recipients: Sequence[str],
        score: float | None = None,
        capped: bool = False,
        move_sigma: float | None = None,
    ) -> Claim | Existing: ...

    def mark_sent(self, claim: Claim, *, message_id: str, subject: str, now_ms: int) -> None: ...

    def mark_unknown(self, claim: Claim, *, subject: str, detail: str, now_ms: int) -> bool: ...

    def release(self, claim: Claim) -> bool: ...

    def claim_market(
        self,
        timeframe: str,
        candle_ts: int,
        *,
        now_ms: int,
        direction: str,
        covers: Sequence[str],
        recipients: Sequence[str],
    ) -> Claim | Existing: ...

    def record_suppressed(
        self,
        series: str,
        candle_ts: int,
        *,
        reason: str,
        detail: str,
        rules: Sequence[str],
        now_ms: int,
        score: float | None = None,
        capped: bool = False,
        move_sigma: float | None = None,
    ) -> bool: ...


class Mailer(Protocol):
    """SES (:class:`crypto_advisor.adapters.ses.SesMailer`): one attempt per call, never retried inside.

    Returns SES's message id once SES accepted the email; raises
    :class:`~crypto_advisor.contracts.errors.DeliveryError` when it did not,
    and :class:`~crypto_advisor.contracts.errors.DeliveryUnknownError` when
    its answer was lost and it may have.
    """

    def send_raw(self, sender: str, recipients: Sequence[str], raw: bytes) -> str: ...


class SentArchive(Protocol):
    """Where each sent message is kept (:class:`crypto_advisor.adapters.sent_emails.SentEmails`)."""

    def put(self, log_key: str, candle_ts: int, mime: bytes) -> None: ...


class CandleWindow(Protocol):
    def window(self, series: Series, *, since_ts: int = 1) -> list[Candle]: ...


class ReplayFigures(Protocol):
    def read(self, series: Series) -> dict[str, Any] | None: ...


class WatchedLookup(Protocol):
    """The watchlist, as far as the notifier reads it."""

    def find(self, series_key: str) -> WatchedSeries | None: ...

    def of_timeframe(self, timeframe: str) -> tuple[WatchedSeries, ...]: ...


class SignalLookup(Protocol):
    """The Signals table read back (:class:`crypto_advisor.adapters.signal_history.SignalHistory`)."""

    def at(self, series: str, candle_ts: int) -> Signal | None: ...


class PredictionLedger(Protocol):
    """The forecast ledger (:class:`crypto_advisor.adapters.ledger.ForecastLedger`)."""

    def read(self, series: str) -> list[LedgerEntry]: ...

    def put_new(self, entries: Sequence[LedgerEntry], *, now_ms: int) -> int: ...

    def mark_graded(self, entry: LedgerEntry, grade: Grade, *, now_ms: int) -> bool: ...


class SteeringLookup(Protocol):
    """Mutes and unsubscribes from the dashboard or email links (:mod:`crypto_advisor.adapters.settings_store`)."""

    def mutes(self, series: str) -> list[Mute]: ...

    def unsubscribed(self) -> frozenset[str]: ...
