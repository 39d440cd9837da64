"""Fakes of the ingest ports (``crypto_advisor.ingest.ports``): candle store, archive, stream, chunk queue, market
sources."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, final

from crypto_advisor.contracts.archive_keys import ohlcv_key, utc_date
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.ingest_chunk import IngestChunk
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.ingest.ports import ArchivePort, CandleStorePort, ChunkQueuePort, MarketSource, StreamPort
from crypto_advisor.local.market import SimulatedSource


@final
class MemoryCandleStore(CandleStorePort):
    """CandleStorePort: candles keyed by (series, ts), so writing the same candle twice is harmless."""

    def __init__(self) -> None:
        self.candles: dict[str, dict[int, Candle]] = defaultdict(dict)
        self.cursors: dict[str, int] = {}
        self.puts = 0
        self.batch_reads = 0
        self.fail_for: set[str] = set()

    def cursor(self, series: Series) -> int | None:
        return self.cursors.get(series.key)

    def batch_cursors(self, series: Sequence[Series]) -> dict[str, int | None]:
        self.batch_reads += 1
        return {s.key: self.cursors.get(s.key) for s in series}

    def set_cursor(self, series: Series, last_ts: int, *, updated_at: int) -> None:
        self.cursors[series.key] = last_ts

    def put(self, series: Series, candles: Sequence[Candle]) -> None:
        if series.key in self.fail_for:
            raise StorageError(
                f"dynamodb: writing {len(candles)} candles of {series.key}: ProvisionedThroughputExceeded"
            )
        self.puts += 1
        for candle in candles:
            self.candles[series.key][candle.ts] = candle

    def ts(self, watched: WatchedSeries) -> list[int]:
        return sorted(self.candles[watched.series.key])


@final
class MemoryArchive(ArchivePort):
    """ArchivePort: one object per series and UTC day, named as the real archive names them."""

    def __init__(self) -> None:
        self.objects: dict[str, list[Candle]] = {}

    def put(self, series: Series, candles: Sequence[Candle]) -> list[str]:
        keys = []
        for _, day in groupby(candles, key=lambda c: utc_date(c.ts)):
            chunk = list(day)
            key = ohlcv_key(series, chunk[0].ts, chunk[-1].ts)
            self.objects[key] = chunk
            keys.append(key)
        return keys


@final
class MemoryStream(StreamPort):
    """StreamPort: keeps each record as the bytes Kinesis would carry, and can refuse the next few."""

    def __init__(self) -> None:
        self.records: list[bytes] = []
        self.refuse_next = 0

    def publish(self, update: CandleUpdate) -> str:
        if self.refuse_next:
            self.refuse_next -= 1
            raise StorageError(f"publishing the update of {update.series}: ProvisionedThroughputExceededException")
        self.records.append(update.to_json())
        return f"seq-{len(self.records)}"

    @property
    def updates(self) -> list[CandleUpdate]:
        return [CandleUpdate.from_json(r) for r in self.records]


@final
class MemoryChunkQueue(ChunkQueuePort):
    """ChunkQueuePort: keeps the chunks sent (``held`` counts them, and any ``earlier`` ones an earlier tick left);
    ``read_error`` and ``send_error`` make it fail as an unreachable SQS queue does."""

    def __init__(self, earlier: int = 0) -> None:
        self.earlier = earlier
        self.chunks: list[IngestChunk] = []
        self.read_error: StorageError | None = None
        self.send_error: StorageError | None = None

    def held(self) -> int:
        if self.read_error is not None:
            raise self.read_error
        return self.earlier + len(self.chunks)

    def send(self, chunks: Sequence[IngestChunk]) -> None:
        if self.send_error is not None:
            raise self.send_error
        self.chunks.extend(chunks)


def price_row(ts: int, volume: float = 10.0) -> list[Any]:
    """An OHLCV row whose prices depend only on the hour, so any two answers agree on a candle."""
    base = 100.0 + (ts // HOUR_MS) % 13
    return [ts, base, base + 2.0, base - 1.0, base + 1.0, volume]


@final
@dataclass
class ScriptedExchange(MarketSource):
    """MarketSource that answers like an exchange: every candle up to now, the forming one last, newest
    ``max_candles`` only. ``lag`` hides the newest closed candles (and the forming one), ``overlap`` sends
    that many candles from before ``since`` too, ``replace`` sends a given row instead of a candle, and
    ``fail`` raises for a symbol. Every call is recorded."""

    name: str = "kraken"
    max_candles: int = 720
    lag: int = 0
    overlap: int = 0
    replace: dict[int, list[Any]] = field(default_factory=dict)
    fail: dict[str, Exception] = field(default_factory=dict)
    calls: list[tuple[str, int, int]] = field(default_factory=list)

    def fetch_ohlcv(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]:
        self.calls.append((watched.series.key, since_ms, now_ms))
        if watched.series.symbol in self.fail:
            raise self.fail[watched.series.symbol]
        tf = watched.series.timeframe_ms
        forming = now_ms // tf * tf
        oldest = forming - (self.max_candles - 1) * tf
        newest = forming - self.lag * tf
        if self.lag:
            newest -= tf
        rows = []
        for ts in range(max(oldest, since_ms - self.overlap * tf), newest + 1, tf):
            row = price_row(ts, volume=10.0 * (now_ms - ts) / tf if ts == forming else 10.0)
            rows.append(self.replace.get(ts, row))
        return rows


@final
class RecordingSource(MarketSource):
    """Wraps a MarketSource and counts the calls that reach it."""

    def __init__(self, inner: SimulatedSource) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls = 0

    @property
    def max_candles(self) -> int:
        return self.inner.max_candles

    def fetch_ohlcv(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]:
        self.calls += 1
        return self.inner.fetch_ohlcv(watched, since_ms=since_ms, now_ms=now_ms)


@final
class RefusingSource(MarketSource):
    """A source that must not be asked: any call fails the test."""

    name = "refusing"
    max_candles = 720

    def fetch_ohlcv(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]:
        raise AssertionError("no candle can have closed: the source must not be called")
