"""The Candles table: the hot window of every series, and each series' ingest cursor.

Items: ``series`` (the series key), ``ts`` (candle open time, ms), the prices and
the volume as ``Decimal`` (a missing volume as a NULL ``volume``: the candle
contract's ``None``), and ``expires_at`` (epoch seconds) so DynamoDB's TTL keeps about
``hot_window`` candles per series. The item at ``ts = 0`` (1970-01-01, never a
real candle) is the series' cursor: the last candle whose update has been
published to Kinesis. It moves only after the Kinesis write succeeded, so a run
that fails half-way is redone in full by the next one (every write is
idempotent), and no update is ever lost between the table and the stream.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.adapters.dynamodb_batch import UNPROCESSED_ROUNDS, batch_get, batch_put
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import Series

CURSOR_TS = 0


def _decimal(value: float) -> Decimal:
    # str() keeps the shortest repr of the float, which is what the source sent.
    return Decimal(str(value))


def to_item(series: Series, candle: Candle, expires_at: int) -> dict[str, Any]:
    return {
        "series": series.key,
        "ts": candle.ts,
        "open": _decimal(candle.open),
        "high": _decimal(candle.high),
        "low": _decimal(candle.low),
        "close": _decimal(candle.close),
        "volume": None if candle.volume is None else _decimal(candle.volume),
        "expires_at": expires_at,
    }


def from_item(item: dict[str, Any]) -> Candle:
    return Candle(
        int(item["ts"]),
        float(item["open"]),
        float(item["high"]),
        float(item["low"]),
        float(item["close"]),
        None if item["volume"] is None else float(item["volume"]),
    )


class CandleStore:
    def __init__(self, table: Any, *, hot_window: int, sleep: Callable[[float], None] = time.sleep) -> None:
        """``table`` is a boto3 ``dynamodb.Table`` resource; ``sleep`` waits between rounds of unprocessed keys."""
        self._table = table
        self._hot_window = hot_window
        self._sleep = sleep

    def cursor(self, series: Series) -> int | None:
        """Open time of the last candle published for ``series``, or None if never ingested."""
        try:
            item = self._table.get_item(Key={"series": series.key, "ts": CURSOR_TS}, ConsistentRead=True).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the cursor of {series.key}: {exc}") from exc
        return int(item["last_ts"]) if item else None

    def cursors(self, series: Sequence[Series]) -> dict[str, int | None]:
        """The cursors of many series in one strongly consistent BatchGetItem (100 keys a request, as AWS allows).

        The dashboard reads every watched series' cursor on each page load to learn which series moved, and the
        ingest planner on every tick to learn which are due: one request instead of one GetItem per series, for
        the same read units (each cursor is a small item).
        """
        found: dict[str, int | None] = {s.key: None for s in series}
        keys = [{"series": key, "ts": CURSOR_TS} for key in found]
        client, name = self._table.meta.client, self._table.name
        try:
            for start in range(0, len(keys), 100):
                request: dict[str, Any] = {
                    name: {
                        "Keys": keys[start : start + 100],
                        "ConsistentRead": True,
                        "ProjectionExpression": "#s, last_ts",
                        "ExpressionAttributeNames": {"#s": "series"},
                    }
                }
                read = batch_get(client, request, sleep=self._sleep)
                for item in read.items.get(name, []):
                    found[str(item["series"])] = int(item["last_ts"])
                if read.unprocessed:
                    # A cursor not read is not "never ingested": guessing would backfill or skip the series.
                    raise StorageError(
                        f"reading the cursors of {len(keys)} series: DynamoDB left {read.unprocessed_count()} "
                        f"unprocessed after {UNPROCESSED_ROUNDS} more rounds with backoff (the table is throttled)"
                    )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the cursors of {len(keys)} series: {exc}") from exc
        return found

    def batch_cursors(self, series: Sequence[Series]) -> dict[str, int | None]:
        """:meth:`cursors`, under the name the ingest port gives it (``CandleStorePort.batch_cursors``)."""
        return self.cursors(series)

    def set_cursor(self, series: Series, last_ts: int, *, updated_at: int) -> None:
        try:
            self._table.put_item(
                Item={"series": series.key, "ts": CURSOR_TS, "last_ts": last_ts, "updated_at": updated_at}
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"moving the cursor of {series.key} to {last_ts}: {exc}") from exc

    def put(self, series: Series, candles: Sequence[Candle]) -> None:
        """Write candles in batches of 25; the same candle twice is one item (same key: the last one given).

        A candle DynamoDB leaves unprocessed after the rounds (:func:`~.dynamodb_batch.batch_put`) fails the write:
        the series' cursor does not move, and its next run writes them again."""
        tf_s = series.timeframe_ms // 1000
        by_ts = {c.ts: to_item(series, c, c.ts // 1000 + self._hot_window * tf_s) for c in candles}
        try:
            left = batch_put(self._table.meta.client, self._table.name, list(by_ts.values()), sleep=self._sleep)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"writing {len(candles)} candles of {series.key}: {exc}") from exc
        if left:
            raise StorageError(
                f"writing {len(candles)} candles of {series.key}: DynamoDB left {left} unprocessed after "
                f"{UNPROCESSED_ROUNDS} more rounds with backoff (the table is throttled)"
            )

    def window(self, series: Series, *, since_ts: int = 1) -> list[Candle]:
        """Candles of ``series`` from ``since_ts`` on, oldest first (one paginated, strongly consistent Query).

        Strongly consistent because every reader comes right behind the
        ingest's write: the analysis reads the candle an update names moments
        after it was stored, and an eventually consistent read may miss it.
        The price is twice the read units of a Query that is already small.
        """
        candles: list[Candle] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("series").eq(series.key) & Key("ts").gte(since_ts),
            "ConsistentRead": True,
        }
        try:
            while True:
                page = self._table.query(**kwargs)
                candles.extend(from_item(item) for item in page["Items"])
                if "LastEvaluatedKey" not in page:
                    return candles
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the window of {series.key}: {exc}") from exc
