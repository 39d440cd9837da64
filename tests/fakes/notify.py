"""Fakes of the notifier's ports (``crypto_advisor.notify.ports``), keeping the real adapters' contracts.

The notification log keeps the conditional writes and the lease of
``adapters/notification_log.py``, the ledger the put-if-absent and
grade-if-open of ``adapters/ledger.py``, the mailer SES's message id; the
adapters themselves run against the embedded AWS in tests/integration.
"""

from __future__ import annotations

import email
from collections.abc import Sequence
from email import policy as email_policy
from email.message import EmailMessage
from typing import Any, final

from crypto_advisor.contracts.alerts import (
    IN_MARKET_EMAIL,
    LEASE_MS,
    MARKET_KIND,
    Claim,
    Existing,
    SentAlert,
    market_log_key,
)
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.ledger import OPEN, Grade, LedgerEntry
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.notify.ports import (
    AlertLog,
    Mailer,
    PredictionLedger,
    ReplayFigures,
    SentArchive,
    SignalLookup,
    WatchedLookup,
)
from crypto_advisor.notify.render import RenderedEmail, render_email
from crypto_advisor.notify.view import AlertView


@final
class FakeLog(AlertLog):
    """The notification log in memory, with the real one's conditions."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, int], dict[str, Any]] = {}
        self.queries = 0
        self.fail_release = False
        self.market_claims = 0

    def recent_sends(self, series: str, since_ts: int, until_ts: int) -> list[SentAlert]:
        self.queries += 1
        return [
            SentAlert(
                ts,
                () if item["status"] == "suppressed" else tuple(item["rules"]),
                item.get("score"),
                market=item["status"] == "suppressed",
                capped=item.get("capped", False),
                move_sigma=item.get("move_sigma"),
            )
            for (s, ts), item in sorted(self.items.items())
            if s == series
            and since_ts <= ts <= until_ts
            and (item["status"] in ("sent", "sending", "unknown") or item.get("reason") == IN_MARKET_EMAIL)
        ]

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
    ) -> Claim | Existing:
        extra = {
            "rules": list(rules),
            "recipients": list(recipients),
            "score": score,
            "capped": capped,
            "move_sigma": move_sigma,
        }
        return self._claim(series, candle_ts, now_ms, extra)

    def claim_market(
        self,
        timeframe: str,
        candle_ts: int,
        *,
        now_ms: int,
        direction: str,
        covers: Sequence[str],
        recipients: Sequence[str],
    ) -> Claim | Existing:
        self.market_claims += 1
        extra = {"kind": MARKET_KIND, "direction": direction, "covers": list(covers), "recipients": list(recipients)}
        return self._claim(market_log_key(timeframe), candle_ts, now_ms, {"rules": [], **extra})

    def _claim(self, key: str, ts: int, now_ms: int, extra: dict[str, Any]) -> Claim | Existing:
        old = self.items.get((key, ts))
        if old is not None and not (old["status"] == "sending" and old["claimed_at"] < now_ms - LEASE_MS):
            return Existing(old["status"], old.get("claimed_at"), old.get("reason"), old.get("message_id"))
        token = f"token-{len(self.items)}-{now_ms}"
        self.items[(key, ts)] = {"status": "sending", "token": token, "claimed_at": now_ms, **extra}
        return Claim(key, ts, token, now_ms, took_over=old is not None)

    def mark_sent(self, claim: Claim, *, message_id: str, subject: str, now_ms: int) -> None:
        item = self.items.get((claim.series, claim.candle_ts))
        if item is None or item["status"] != "sending" or item["token"] != claim.token:
            raise StorageError("claim lost")
        item.update(status="sent", message_id=message_id, subject=subject, sent_at=now_ms)

    def mark_unknown(self, claim: Claim, *, subject: str, detail: str, now_ms: int) -> bool:
        item = self.items.get((claim.series, claim.candle_ts))
        if item is None or item["status"] != "sending" or item["token"] != claim.token:
            return False
        item.update(status="unknown", subject=subject, detail=detail, decided_at=now_ms)
        return True

    def release(self, claim: Claim) -> bool:
        if self.fail_release:
            raise StorageError("DynamoDB is down")
        item = self.items.get((claim.series, claim.candle_ts))
        if item is None or item["status"] != "sending" or item["token"] != claim.token:
            return False
        del self.items[(claim.series, claim.candle_ts)]
        return True

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
    ) -> bool:
        if (series, candle_ts) in self.items:
            return False
        self.items[(series, candle_ts)] = {
            "status": "suppressed",
            "reason": reason,
            "detail": detail,
            "rules": rules,
            "score": score,
            "capped": capped,
            "move_sigma": move_sigma,
        }
        return True


@final
class FakeMailer(Mailer):
    """SES: keeps what it accepted; ``fail_with`` makes the next sends raise."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple[str, ...], bytes]] = []
        self.fail_with: list[Exception] = []

    def send_raw(self, sender: str, recipients: Sequence[str], raw: bytes) -> str:
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.sent.append((sender, tuple(recipients), raw))
        return f"ses-{len(self.sent)}"

    def messages(self) -> list[EmailMessage]:
        """The accepted messages, parsed (the default policy builds ``EmailMessage`` objects)."""
        return [email.message_from_bytes(raw, policy=email_policy.default) for _, _, raw in self.sent]


@final
class ByAddress(Mailer):
    """SES answering per recipient: ``fails`` maps an address to what its send raises; the others are accepted."""

    def __init__(self, fails: dict[str, Exception]) -> None:
        self.fails = fails
        self.accepted = FakeMailer()
        self.tried: list[str] = []

    def send_raw(self, sender: str, recipients: Sequence[str], raw: bytes) -> str:
        [recipient] = recipients  # with links, one message per recipient
        self.tried.append(recipient)
        if recipient in self.fails:
            raise self.fails[recipient]
        return self.accepted.send_raw(sender, recipients, raw)

    def got_it(self) -> list[str]:
        return [r for _, (r,), _ in self.accepted.sent]


@final
class FakeSentArchive(SentArchive):
    """The sent messages by (log key, candle); ``error`` is raised by every put (an unwritable bucket)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.kept: dict[tuple[str, int], bytes] = {}
        self.error = error

    def put(self, log_key: str, candle_ts: int, mime: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.kept[(log_key, candle_ts)] = mime

    def get(self, log_key: str, candle_ts: int) -> bytes | None:
        return self.kept.get((log_key, candle_ts))


@final
class FakeFigures(ReplayFigures):
    """The replay figures of a series: a given report, none, or an error to raise."""

    def __init__(self, report: dict[str, Any] | None = None, error: Exception | None = None) -> None:
        self.report, self.error = report, error

    def read(self, series: Series) -> dict[str, Any] | None:
        if self.error is not None:
            raise self.error
        return self.report


@final
class FakeWatchlist(WatchedLookup):
    def __init__(self, *watched: WatchedSeries) -> None:
        self.watched = {w.series.key: w for w in watched}

    def find(self, series_key: str) -> WatchedSeries | None:
        return self.watched.get(series_key)

    def of_timeframe(self, timeframe: str) -> tuple[WatchedSeries, ...]:
        return tuple(w for w in self.watched.values() if w.series.timeframe == timeframe)


@final
class FakeSignalTable(SignalLookup):
    """The Signals table as the notifier reads it back: the signals stored so far, by (series, candle); counts reads."""

    def __init__(self, *signals: Signal) -> None:
        self.stored = {(s.series, s.candle_ts): s for s in signals}
        self.reads = 0

    def put(self, signal: Signal) -> None:
        self.stored[(signal.series, signal.candle_ts)] = signal

    def at(self, series: str, candle_ts: int) -> Signal | None:
        self.reads += 1
        return self.stored.get((series, candle_ts))


@final
class FakeLedger(PredictionLedger):
    """The ledger table in memory, with the adapter's conditional writes; ``fail`` makes every call raise."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], LedgerEntry] = {}
        self.fail: StorageError | None = None
        self.graded_calls = 0

    def read(self, series: str) -> list[LedgerEntry]:
        if self.fail:
            raise self.fail
        return sorted((e for (s, _), e in self.items.items() if s == series), key=lambda e: e.sk, reverse=True)

    def put_new(self, entries: Sequence[LedgerEntry], *, now_ms: int) -> int:
        if self.fail:
            raise self.fail
        new = [e for e in entries if (e.series, e.sk) not in self.items]
        self.items.update({(e.series, e.sk): e for e in new})
        return len(new)

    def mark_graded(self, entry: LedgerEntry, grade: Grade, *, now_ms: int) -> bool:
        self.graded_calls += 1
        stored = self.items[(entry.series, entry.sk)]
        if stored.status != OPEN:
            return False
        self.items[(entry.series, entry.sk)] = stored.graded(grade, now_ms)
        return True


class RecordingRenderer:
    """The real renderer, remembering the views it was given (the notifier's ``render`` collaborator)."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.views: list[AlertView] = []
        self.fail = fail

    def __call__(self, view: AlertView) -> RenderedEmail:
        self.views.append(view)
        if self.fail is not None:
            raise self.fail
        return render_email(view)
