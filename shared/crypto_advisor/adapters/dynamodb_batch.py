"""BatchGetItem and BatchWriteItem with what DynamoDB left unprocessed sent again, a bounded number of times, with
backoff.

DynamoDB answers a batch it could only partly serve (a throttled partition, the 16 MB answer limit) with HTTP 200
and the rest in ``UnprocessedKeys`` / ``UnprocessedItems``: not an error, so botocore's retries never see it. Sending
it again at once and until none is left (what the cursor read did, and boto3's ``batch_writer`` does) hammers a
throttled table in a tight loop until the function times out. AWS asks for exponential backoff on these
("BatchGetItem", "BatchWriteItem", Amazon DynamoDB API Reference); here the rest is sent again at most
:data:`UNPROCESSED_ROUNDS` times, :data:`FIRST_BACKOFF_S` then twice as long each time, and what is still unprocessed
is handed back for the caller to decide: the cursor read and the candle write fail their series' run (the next run
does them again), the news summaries read those coins the old way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Rounds of ``UnprocessedKeys`` asked again after the first request.
UNPROCESSED_ROUNDS = 3
#: The wait before the first round again; doubled for each round after it (50, 100, 200 ms: 350 ms at most).
FIRST_BACKOFF_S = 0.05
#: BatchWriteItem's requests per call, as AWS allows.
WRITE_BATCH = 25


@dataclass
class BatchRead:
    """What one request's rounds returned: the items by table, and the keys DynamoDB never served."""

    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unprocessed: Mapping[str, Any] = field(default_factory=dict)

    def unprocessed_count(self) -> int:
        return sum(len(table.get("Keys", ())) for table in self.unprocessed.values())


def batch_get(
    client: Any,
    request: Mapping[str, Any],
    *,
    rounds: int = UNPROCESSED_ROUNDS,
    sleep: Callable[[float], None] = time.sleep,
) -> BatchRead:
    """``request`` (BatchGetItem's ``RequestItems``, at most 100 keys) and its unprocessed keys, ``rounds`` times
    at most with backoff; botocore's errors propagate for the caller to name."""
    read = BatchRead()
    pending: Mapping[str, Any] = request
    for attempt in range(rounds + 1):
        _back_off(attempt, sleep)
        answer = client.batch_get_item(RequestItems=pending)
        for table, items in answer.get("Responses", {}).items():
            read.items.setdefault(table, []).extend(items)
        pending = answer.get("UnprocessedKeys") or {}
        if not pending:
            break
    read.unprocessed = pending
    return read


def batch_put(
    client: Any,
    table: str,
    items: Sequence[dict[str, Any]],
    *,
    rounds: int = UNPROCESSED_ROUNDS,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Put ``items`` into ``table`` in calls of :data:`WRITE_BATCH`, each call's unprocessed items sent again
    ``rounds`` times at most with backoff; how many items were not written (0: all of them were), stopping at the
    first call still refused after its rounds (the rest is not sent to a throttled table). ``items`` must
    not repeat a key (BatchWriteItem refuses the whole call); botocore's errors propagate for the caller to name."""
    for start in range(0, len(items), WRITE_BATCH):
        pending = [{"PutRequest": {"Item": item}} for item in items[start : start + WRITE_BATCH]]
        for attempt in range(rounds + 1):
            _back_off(attempt, sleep)
            answer = client.batch_write_item(RequestItems={table: pending})
            pending = (answer.get("UnprocessedItems") or {}).get(table, [])
            if not pending:
                break
        if pending:  # the table is throttled: the write fails anyway, so load it no more
            return len(pending) + max(len(items) - start - WRITE_BATCH, 0)
    return 0


def _back_off(attempt: int, sleep: Callable[[float], None]) -> None:
    """Nothing before the first request; :data:`FIRST_BACKOFF_S`, doubled each round, before the rounds after it."""
    if attempt:
        sleep(FIRST_BACKOFF_S * 2 ** (attempt - 1))
