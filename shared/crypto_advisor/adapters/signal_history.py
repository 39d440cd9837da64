"""The Signals table read back: a series' stored signals over a span, its newest one, and its one of a candle.

The writer is :class:`crypto_advisor.adapters.signal_store.SignalStore`; each
item keeps the whole Signal as JSON in ``body``. The daily digest reads a day
of them per series (24 items for an hourly one) once a day, so a Query per
series is all it takes; no index is needed. The notifier, on a large move,
reads the other watched series' signals of the same candle (:meth:`SignalHistory.at`)
to tell a market-wide move; those reads are strongly consistent, since the
signal it looks for may have been stored a moment earlier.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from crypto_advisor.adapters.query_pages import query_items
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.signal import Signal


class SignalHistory:
    def __init__(self, table: Any) -> None:
        """``table`` is a boto3 ``dynamodb.Table`` resource of the Signals table."""
        self._table = table

    def between(self, series: str, since_ts: int, until_ts: int) -> list[Signal]:
        """The signals of ``series`` for candles in ``[since_ts, until_ts]``, oldest first."""
        span = Key("series").eq(series) & Key("ts").between(since_ts, until_ts)
        try:
            return [
                _signal(series, item)
                for item in query_items(self._table, KeyConditionExpression=span, ProjectionExpression="body")
            ]
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the signals of {series}: {exc}") from exc

    def latest(self, series: str, until_ts: int) -> Signal | None:
        """The newest signal of ``series`` for a candle at or before ``until_ts``, or None."""
        try:
            page = self._table.query(
                KeyConditionExpression=Key("series").eq(series) & Key("ts").lte(until_ts),
                ProjectionExpression="body",
                ScanIndexForward=False,
                Limit=1,
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the latest signal of {series}: {exc}") from exc
        return _signal(series, page["Items"][0]) if page["Items"] else None

    def at(self, series: str, candle_ts: int) -> Signal | None:
        """The signal of ``series`` for the candle at ``candle_ts``, or None when none is stored (yet)."""
        try:
            page = self._table.query(
                KeyConditionExpression=Key("series").eq(series) & Key("ts").eq(candle_ts),
                ProjectionExpression="body",
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the signal of {series} at {candle_ts}: {exc}") from exc
        return _signal(series, page["Items"][0]) if page["Items"] else None


def _signal(series: str, item: dict[str, Any]) -> Signal:
    try:
        return Signal.from_json(item["body"])
    except (KeyError, ValidationError) as exc:
        raise StorageError(f"a stored signal of {series} does not parse: {exc}") from exc
