"""Fakes of the digest's ports (``crypto_advisor.digest.ports``), keeping the real adapters' contracts.

The digest log keeps the conditional claim and the lease of
``adapters/notification_log.py`` (claim, mark sent, release on the digest's
own item kind) and answers the day's alert decisions from a list; the signal
history answers from stored Signals. The adapters themselves run against the
embedded AWS in tests/integration/test_digest_function.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, final

from crypto_advisor.contracts.alerts import Claim, Existing
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.digest import LoggedAlert, day_ts, digest_log_key
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.digest.ports import DigestLog, SignalHistory
from crypto_advisor.notify.ports import CandleWindow
from crypto_advisor.wiring.digest import DIGEST_LEASE_MS


@final
class FakeDigestLog(DigestLog):
    """The notification log in memory: alert decisions per series, and digest items with the real conditions.

    ``fail_decisions`` makes reading the decisions of those series raise;
    ``fail_mark`` makes the next ``mark_sent`` raise (the write after SES).
    """

    def __init__(
        self, decisions: dict[str, list[LoggedAlert]] | None = None, *, lease_ms: int = DIGEST_LEASE_MS
    ) -> None:
        self.decisions = decisions or {}
        self.items: dict[tuple[str, int], dict[str, Any]] = {}
        self.lease_ms = lease_ms
        self.fail_decisions: set[str] = set()
        self.fail_mark = False
        self.claims = 0

    def alert_decisions(self, series: str, since_ts: int, until_ts: int) -> list[LoggedAlert]:
        if series in self.fail_decisions:
            raise StorageError(f"DynamoDB is down for {series}")
        return [d for d in self.decisions.get(series, []) if since_ts <= d.candle_ts <= until_ts]

    def digest_entry(self, recipient: str, day: date) -> Existing | None:
        item = self.items.get((digest_log_key(recipient), day_ts(day)))
        if item is None:
            return None
        return Existing(item["status"], item.get("claimed_at"), message_id=item.get("message_id"))

    def claim_digest(
        self, recipient: str, day: date, *, now_ms: int, series: Sequence[str], timezone: str
    ) -> Claim | Existing:
        self.claims += 1
        key = (digest_log_key(recipient), day_ts(day))
        old = self.items.get(key)
        if old is not None and not (old["status"] == "sending" and old["claimed_at"] < now_ms - self.lease_ms):
            return Existing(old["status"], old.get("claimed_at"), message_id=old.get("message_id"))
        token = f"token-{self.claims}-{now_ms}"
        self.items[key] = {
            "status": "sending",
            "token": token,
            "claimed_at": now_ms,
            "covers": list(series),
            "timezone": timezone,
            "day": day.isoformat(),
        }
        return Claim(key[0], key[1], token, now_ms, took_over=old is not None)

    def mark_sent(self, claim: Claim, *, message_id: str, subject: str, now_ms: int) -> None:
        if self.fail_mark:
            self.fail_mark = False
            raise StorageError("DynamoDB is down")
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
        item = self.items.get((claim.series, claim.candle_ts))
        if item is None or item["status"] != "sending" or item["token"] != claim.token:
            return False
        del self.items[(claim.series, claim.candle_ts)]
        return True

    def sent_days(self) -> list[tuple[str, str]]:
        """(recipient key, local date) of every digest marked sent, in the order they were claimed."""
        return [(key, item["day"]) for (key, _), item in self.items.items() if item["status"] == "sent"]


@final
class FakeSignals(SignalHistory):
    """Stored signals per series, as the Signals table answers its two Queries."""

    def __init__(self, signals: Sequence[Signal] = ()) -> None:
        self.signals = sorted(signals, key=lambda s: (s.series, s.candle_ts))
        self.queries = 0

    def between(self, series: str, since_ts: int, until_ts: int) -> list[Signal]:
        self.queries += 1
        return [s for s in self.signals if s.series == series and since_ts <= s.candle_ts <= until_ts]

    def latest(self, series: str, until_ts: int) -> Signal | None:
        self.queries += 1
        older = [s for s in self.signals if s.series == series and s.candle_ts <= until_ts]
        return older[-1] if older else None


@final
class FakeSeriesCandles(CandleWindow):
    """The Candles table of several series: each series' own candles from ``since_ts`` on; ``fail`` series raise."""

    def __init__(self, candles: dict[str, Sequence[Candle]]) -> None:
        self.candles = {key: list(c) for key, c in candles.items()}
        self.fail: set[str] = set()

    def window(self, series: Series, *, since_ts: int = 1) -> list[Candle]:
        if series.key in self.fail:
            raise StorageError(f"DynamoDB is down for {series.key}")
        return [c for c in self.candles.get(series.key, []) if c.ts >= since_ts]
