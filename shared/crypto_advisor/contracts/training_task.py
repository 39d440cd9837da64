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

from crypto_advisor.contracts.series import Series

SCHEMA = "crypto-advisor/training-task"


class TaskError(ValueError):
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
        try:
            body = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TaskError(f"a training task must be JSON: {exc}") from exc
        if not isinstance(body, dict) or body.get("schema") != SCHEMA or body.get("version") != 1:
            raise TaskError(f"not a {SCHEMA} version 1 message")
        run_ms, chunk, chunks, series = (body.get(k) for k in ("run_ms", "chunk", "chunks", "series"))
        if not isinstance(run_ms, int) or run_ms <= 0:
            raise TaskError(f"run_ms must be a positive integer (epoch ms), got {run_ms!r}")
        if not isinstance(chunks, int) or not isinstance(chunk, int) or not 0 <= chunk < chunks:
            raise TaskError(f"chunk must be an integer in [0, chunks), got chunk={chunk!r} chunks={chunks!r}")
        if not isinstance(series, list) or not series:
            raise TaskError("series must be a non-empty list of series keys")
        for key in series:
            try:
                Series.parse(str(key))
            except ValueError as exc:
                raise TaskError(f"series {key!r}: {exc}") from exc
        return cls(run_ms=run_ms, chunk=chunk, chunks=chunks, series=tuple(str(k) for k in series))
