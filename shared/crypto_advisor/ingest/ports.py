"""What the ingest logic needs from the outside world; adapters (and test fakes) provide it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.contracts.ingest_chunk import IngestChunk
from crypto_advisor.contracts.market_scan import MarketScan, ScanAnswer
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import WatchedSeries


class MarketSource(Protocol):
    name: str

    def fetch_ohlcv(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]: ...


@runtime_checkable
class SettlingSource(Protocol):
    """A source whose data for a candle is final only some time after the candle's close (CoinGecko's cached
    answers); a source without this method is final at the close (an exchange, which sends its forming candle
    last). See :mod:`crypto_advisor.ingest.settling`."""

    def settle_ms(self, series: Series) -> int: ...


class CandleStorePort(Protocol):
    def cursor(self, series: Series) -> int | None: ...
    def batch_cursors(self, series: Sequence[Series]) -> dict[str, int | None]: ...
    def set_cursor(self, series: Series, last_ts: int, *, updated_at: int) -> None: ...
    def put(self, series: Series, candles: Sequence[Candle]) -> None: ...


class ArchivePort(Protocol):
    def put(self, series: Series, candles: Sequence[Candle]) -> list[str]: ...


class StreamPort(Protocol):
    def publish(self, update: CandleUpdate) -> str: ...


@runtime_checkable
class ScanSource(Protocol):
    """The market scan's source: one answer (every coin's candle rows) for a whole scan."""

    name: str

    def scan(self, scan: MarketScan, *, now_ms: int) -> ScanAnswer: ...


class ScanSnapshotPort(Protocol):
    """Where each scan's snapshot goes (its coins, ranks and 24 h changes), for the training run and the digest."""

    def put_snapshot(self, vs: str, snapshot: dict[str, Any]) -> str: ...


class ChunkQueuePort(Protocol):
    """A source's ingest queue (SQS): where a fanned-out tick puts its chunks, and how many it still holds.

    Both raise :class:`~crypto_advisor.contracts.errors.StorageError` when the queue cannot be reached; the tick
    then keeps the error for that source alone (:mod:`crypto_advisor.ingest.queueing`)."""

    def held(self) -> int: ...
    def send(self, chunks: Sequence[IngestChunk]) -> None: ...
