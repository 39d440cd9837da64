"""A fan-out's queue (SQS): one message per chunk of series, sent ten at a time; how many it still holds.

Both fan-outs use it: the daily refit's TrainQueue (training tasks) and an
ingest tick's per-source queues (ingest chunks).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.contracts.errors import StorageError

#: SendMessageBatch takes at most ten messages.
SQS_BATCH = 10

#: The queue attributes that count a chunk not yet done: waiting, taken by a worker, or delayed.
HELD = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed")


class Chunk(Protocol):
    @property
    def chunk(self) -> int: ...
    def to_json(self) -> str: ...


class ChunkQueue:
    """``what`` names the messages in errors ("training tasks", "kraken ingest chunks")."""

    def __init__(self, sqs_client: Any, queue_url: str, *, what: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url
        self._what = what

    def send(self, chunks: Sequence[Chunk]) -> None:
        for start in range(0, len(chunks), SQS_BATCH):
            batch = chunks[start : start + SQS_BATCH]
            entries = [{"Id": str(c.chunk), "MessageBody": c.to_json()} for c in batch]
            try:
                answer = self._sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                raise StorageError(f"queueing {self._what} {batch[0].chunk}..{batch[-1].chunk}: {exc}") from exc
            if answer.get("Failed"):
                failed = ", ".join(f"{f['Id']} ({f.get('Message', f.get('Code'))})" for f in answer["Failed"])
                raise StorageError(f"the queue of {self._what} refused {failed}")

    def held(self) -> int:
        """Messages the queue holds (approximate, as SQS counts them): waiting, in a worker's hands, or delayed."""
        try:
            answer = self._sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=list(HELD))
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading how many {self._what} are queued: {exc}") from exc
        return sum(int(answer.get("Attributes", {}).get(name, 0)) for name in HELD)
