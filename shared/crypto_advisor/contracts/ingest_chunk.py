"""An ingest chunk: the series of one source that one IngestWorkerFunction invocation fetches, for one tick.

When a tick's due work exceeds what the scheduled run can fetch within its
time budget, the planner (:mod:`crypto_advisor.ingest.planner`) cuts each
fanned-out source's due series into chunks and puts one on that source's
queue (IngestKrakenQueue, IngestCoingeckoQueue); the queue's event source
mapping hands each to the worker. ``tick_ms`` (the schedule event's time) is
the worker's clock, as it is the inline run's: a redelivered or redriven chunk
decides which candles are closed exactly as its tick did, and stores only what
no later run stored (every write is idempotent behind the cursor).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from crypto_advisor.contracts.queue_message import MessageError, parse_chunk_message, positive_ms
from crypto_advisor.contracts.series import SOURCES, Series

SCHEMA = "crypto-advisor/ingest-chunk"


class ChunkError(MessageError):
    """A message on an ingest queue that is not an ingest chunk; says what is wrong."""


@dataclass(frozen=True)
class IngestChunk:
    tick_ms: int
    source: str
    #: the tick's chunks of this source are numbered from 0
    chunk: int
    chunks: int
    series: tuple[str, ...]

    def to_json(self) -> str:
        body = {"schema": SCHEMA, "version": 1, "tick_ms": self.tick_ms, "source": self.source}
        return json.dumps(
            {**body, "chunk": self.chunk, "chunks": self.chunks, "series": list(self.series)}, separators=(",", ":")
        )

    @classmethod
    def from_json(cls, text: str) -> IngestChunk:
        """Parse and check a chunk; a ChunkError names what is wrong."""
        body = parse_chunk_message(text, schema=SCHEMA, what="an ingest chunk", error=ChunkError)
        tick_ms = positive_ms(body, "tick_ms", ChunkError)
        source = body.get("source")
        if source not in SOURCES:
            raise ChunkError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
        strays = [k for k in body["series"] if Series.parse(str(k)).source != source]
        if strays:
            raise ChunkError(f"series of another source than {source} in its chunk: {', '.join(map(str, strays))}")
        return cls(tick_ms, str(source), body["chunk"], body["chunks"], tuple(str(k) for k in body["series"]))
