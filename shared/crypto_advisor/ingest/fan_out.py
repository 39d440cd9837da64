"""One ingest chunk, fetched by an IngestWorkerFunction invocation: the same run as inline, for the chunk's series.

The chunk's series are read from the watchlist (a series removed since the tick
was planned is skipped and reported), their cursors read in one batch, and
each is ingested exactly as the scheduled run ingests it (:func:`ingest_each`,
at the chunk's tick as the clock): the cursor, idempotence and per-series
isolation guarantees are the same ones. A series that fails is reported
(log line, ``SeriesFailed``) and its cursor stays, so the next tick's plan
finds it due again: the tick is its retry, as it is inline. The chunk itself
fails only when it cannot be run (not a chunk, the watchlist or the cursors
unreadable, the invocation dying): the queue then retries it, and after three
receives parks it in the dead-letter queue, from which it can be redriven.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from crypto_advisor.contracts.ingest_chunk import IngestChunk
from crypto_advisor.contracts.watchlist import Watchlist
from crypto_advisor.ingest.ports import MarketSource, ScanSource
from crypto_advisor.ingest.service import RunReport, Stores, ingest_each


@dataclass(frozen=True)
class ChunkOutcome:
    chunk: IngestChunk
    report: RunReport
    #: in the chunk, no longer in the watchlist: not fetched
    no_longer_watched: list[str]


def work_chunk(
    chunk: IngestChunk, watchlist: Watchlist, *, sources: Mapping[str, MarketSource | ScanSource], stores: Stores
) -> ChunkOutcome:
    """Ingest the chunk's series at its tick's clock; one failing series never stops the others."""
    wanted = set(chunk.series)
    watched = [w for w in watchlist if w.series.key in wanted]
    gone = sorted(wanted - {w.series.key for w in watched})
    cursors = stores.candles.batch_cursors([w.series for w in watched])
    reports = ingest_each(watched, now_ms=chunk.tick_ms, sources=sources, stores=stores, cursors=cursors)
    report = RunReport(now_ms=chunk.tick_ms, series=reports)
    return ChunkOutcome(chunk=chunk, report=report, no_longer_watched=gone)
