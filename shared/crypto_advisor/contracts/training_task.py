"""A training task: which series one TrainFunction invocation trains, in which daily run.

The daily run's planner puts one on the training queue per chunk of series when
the watchlist is too large to train in one 15-minute invocation; the queue's
event source mapping hands each to an invocation of TrainFunction. ``run_ms``
(the schedule event's time) names the model versions written and the run's
report, so a redelivered task rewrites the same keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from crypto_advisor.contracts.queue_message import MessageError, parse_chunk_message, positive_ms

SCHEMA = "crypto-advisor/training-task"


class TaskError(MessageError):
    """A message on the training queue that is not a training task; says what is wrong."""


@dataclass(frozen=True)
class TrainingTask:
    run_ms: int
    #: the run's chunks are numbered from 0; the report is complete when every chunk reported
    chunk: int
    chunks: int
    series: tuple[str, ...]

    def to_json(self) -> str:
        body = {"schema": SCHEMA, "version": 1, "run_ms": self.run_ms, "chunk": self.chunk}
        return json.dumps({**body, "chunks": self.chunks, "series": list(self.series)}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> TrainingTask:
        """Parse and check a task; a TaskError names what is wrong."""
        body = parse_chunk_message(text, schema=SCHEMA, what="a training task", error=TaskError)
        run_ms = positive_ms(body, "run_ms", TaskError)
        return cls(
            run_ms=run_ms, chunk=body["chunk"], chunks=body["chunks"], series=tuple(str(k) for k in body["series"])
        )
