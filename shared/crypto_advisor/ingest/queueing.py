"""A tick's ingest queues, guarded: one source's failing queue costs that source its fan-out, never the tick.

The scheduled run asks each fanned-out source's queue two things: whether it
still holds chunks (the planner's ``busy``), and then to take the tick's new
chunks. Either can fail for one source alone (its SQS queue deleted, its KMS
key disabled, a permission removed, an SQS 5xx). Without a guard that
exception ended the whole run before the inline fetch, so the series planned
inline and the market scan, whatever their source, got no candles and no
alerts.

Here each failure is kept for its source and the tick goes on:

* a queue that cannot be read counts as **busy**: nothing more is queued for
  that source this tick (the planner's existing path), and its due series,
  their cursors unmoved, are planned again by the next tick;
* chunks that cannot be sent leave the other sources' chunks sent.

The handler runs the inline work as always, then fails the invocation with
:class:`IngestQueueError`, naming each source and its cause: the ingest
errors alarm fires, and Lambda's retry of the tick re-fetches nothing the
inline run stored (those cursors moved).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.ingest.planner import IngestPlan
from crypto_advisor.ingest.ports import ChunkQueuePort

#: what was asked of the queue: how many chunks it holds, or to take the tick's chunks
Step = Literal["read", "send"]


@dataclass(frozen=True)
class QueueFailure:
    """One source's queue that failed this tick, and why."""

    source: str
    step: Step
    error: StorageError

    def describe(self) -> str:
        """What failed, what the tick did about it, and the queue's own error."""
        if self.step == "read":
            return f"{self.source}: its ingest queue could not be read, so nothing was queued for it: {self.error}"
        return f"{self.source}: its ingest chunks could not be queued: {self.error}"


class IngestQueueError(StorageError):
    """The tick's other work is done, but these sources' queues failed: the invocation fails so it is retried."""

    def __init__(self, failures: Sequence[QueueFailure]) -> None:
        self.failures = tuple(failures)
        super().__init__(
            f"the ingest queue of {len(self.failures)} source(s) failed (the other sources and the inline run went "
            "ahead): " + "; ".join(f.describe() for f in self.failures)
        )


class TickQueues:
    """The sources' ingest queues for one tick, keeping each queue's failure instead of raising it."""

    def __init__(self, queues: Mapping[str, ChunkQueuePort]) -> None:
        self._queues = queues
        self._failures: list[QueueFailure] = []

    @property
    def failures(self) -> tuple[QueueFailure, ...]:
        return tuple(self._failures)

    def busy(self, source: str) -> bool:
        """The planner's ``busy``: the queue still holds chunks, or cannot say (so nothing is added to it)."""
        try:
            return self._queues[source].held() > 0
        except StorageError as exc:
            self._failures.append(QueueFailure(source, "read", exc))
            return True

    def send(self, plan: IngestPlan) -> tuple[QueueFailure, ...]:
        """Puts each fanned-out source's chunks on its queue; a source whose queue refuses stops no other."""
        for source in plan.sources:
            if not source.chunks:
                continue
            try:
                self._queues[source.source].send(source.chunks)
            except StorageError as exc:
                self._failures.append(QueueFailure(source.source, "send", exc))
        return self.failures

    def raise_failures(self) -> None:
        """Fails the invocation, naming every source whose queue failed this tick; nothing when none did."""
        if self._failures:
            raise IngestQueueError(self._failures)
