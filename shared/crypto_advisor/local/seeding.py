"""Seeds the embedded stack's Candles table straight in the embedded AWS's memory, as an ingest run leaves it.

``make bench-scale`` starts from a thousand series that already hold their hot
window: 720 candles each, 720,000 items. Written through the DynamoDB API (an
ingest run's ``BatchWriteItem`` calls over HTTP to the embedded server) that
takes most of an hour on a shared 2-core machine, for a step the bench does
not measure; put into moto's in-process backend directly it takes minutes.
The items are the ingest's own (:func:`crypto_advisor.adapters.candle_store.to_item`,
the cursor at ``ts = 0``), the candles the source answers, screened as the
ingest screens them; the S3 archive and the stream are left out (a tick reads
neither for the series' past).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from moto.dynamodb.models import dynamodb_backends

from crypto_advisor.adapters.candle_store import CURSOR_TS, to_item
from crypto_advisor.contracts.candle import screen
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.ingest.ports import MarketSource
from crypto_advisor.local.stack import ACCOUNT, REGION, Stack


def seed_hot_windows(
    stack: Stack,
    watched: Iterable[WatchedSeries],
    sources: Mapping[str, MarketSource],
    *,
    now_ms: int,
    history: int,
    hot_window: int,
) -> int:
    """Each series' last ``history`` closed candles (as far as its source reaches) and its cursor; candles put."""
    table = stack.outputs["CandlesTableName"]
    backend = dynamodb_backends[ACCOUNT][REGION]
    wire = TypeSerializer().serialize

    def put(item: Mapping[str, Any]) -> None:
        backend.put_item(table, {name: wire(value) for name, value in item.items()})

    count = 0
    for entry in watched:
        series = entry.series
        tf = series.timeframe_ms
        since = now_ms // tf * tf - (history + 1) * tf
        rows = sources[series.source].fetch_ohlcv(entry, since_ms=since, now_ms=now_ms)
        candles = screen(rows, timeframe_ms=tf, now_ms=now_ms).accepted[-history:]
        for candle in candles:
            put(to_item(series, candle, candle.ts // 1000 + hot_window * tf // 1000))
        if candles:
            put({"series": series.key, "ts": CURSOR_TS, "last_ts": candles[-1].ts, "updated_at": now_ms})
        count += len(candles)
    return count
