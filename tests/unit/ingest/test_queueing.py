"""A tick's guarded ingest queues: one source's failing queue is kept as its own failure, the others go on."""

from __future__ import annotations

import io
import json

import pytest

from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.ingest.planner import IngestPlan
from crypto_advisor.ingest.queueing import IngestQueueError, QueueFailure, TickQueues
from crypto_advisor.telemetry.ingest import record_plan
from crypto_advisor.telemetry.observability import logger
from tests.fakes.ingest import MemoryChunkQueue
from tests.unit.ingest.test_planner import plan, watched

GONE = StorageError("reading how many kraken ingest chunks are queued: NonExistentQueue")
KMS = StorageError("queueing kraken ingest chunks 0..1: KMS.DisabledException")


def fanned_out(queues: TickQueues) -> IngestPlan:
    """300 Kraken and 100 CoinGecko series, all due, none fitting inline: both sources fan out unless busy."""
    return plan(watched("kraken", 300) + watched("coingecko", 100), inline_seconds=0.0, busy=queues.busy)


def test_a_source_whose_queue_cannot_be_read_is_busy_and_the_others_chunks_are_still_queued():
    # Given Kraken's queue gone and CoinGecko's empty
    kraken, gecko = MemoryChunkQueue(), MemoryChunkQueue()
    kraken.read_error = GONE
    queues = TickQueues({"kraken": kraken, "coingecko": gecko})
    # When the tick is planned and its chunks sent
    result = fanned_out(queues)
    failures = queues.send(result)
    # Then nothing is queued for Kraken (the plan leaves it busy), CoinGecko's chunks are, and the failure is kept
    assert {s.source: s.mode for s in result.sources} == {"kraken": "busy", "coingecko": "fan_out"}
    assert kraken.chunks == [] and gecko.chunks == [c for c in result.chunks if c.source == "coingecko"] != []
    assert failures == (QueueFailure("kraken", "read", GONE),)


def test_a_source_whose_queue_refuses_its_chunks_stops_no_other_sources_chunks():
    # Given Kraken's queue readable but refusing its chunks (its KMS key disabled), CoinGecko's fine
    kraken, gecko = MemoryChunkQueue(), MemoryChunkQueue()
    kraken.send_error = KMS
    queues = TickQueues({"kraken": kraken, "coingecko": gecko})
    # When the tick's chunks are sent (Kraken's first: the plan lists it first)
    result = fanned_out(queues)
    assert [s.source for s in result.sources] == ["kraken", "coingecko"]
    failures = queues.send(result)
    # Then CoinGecko's chunks are queued all the same, and Kraken's refusal is kept
    assert gecko.chunks == [c for c in result.chunks if c.source == "coingecko"] != []
    assert failures == (QueueFailure("kraken", "send", KMS),)


def test_the_tick_fails_after_its_work_naming_each_source_and_its_cause():
    # Given Kraken's queue gone and CoinGecko's refusing its chunks
    kraken, gecko = MemoryChunkQueue(), MemoryChunkQueue()
    kraken.read_error = GONE
    gecko.send_error = StorageError("queueing coingecko ingest chunks 0..7: InternalError")
    queues = TickQueues({"kraken": kraken, "coingecko": gecko})
    queues.send(fanned_out(queues))
    # When the run asks for its failures to be raised
    with pytest.raises(IngestQueueError) as raised:
        queues.raise_failures()
    # Then the error names both sources, what failed, and the queue's own words
    message = str(raised.value)
    assert "2 source(s)" in message
    assert "kraken: its ingest queue could not be read, so nothing was queued for it: " in message
    assert "NonExistentQueue" in message
    assert "coingecko: its ingest chunks could not be queued: " in message and "InternalError" in message
    assert isinstance(raised.value, StorageError) and len(raised.value.failures) == 2


def test_a_tick_whose_queues_answer_raises_nothing():
    queues = TickQueues({"kraken": MemoryChunkQueue(), "coingecko": MemoryChunkQueue()})
    assert queues.send(fanned_out(queues)) == ()
    queues.raise_failures()


def test_each_queue_failure_is_logged_with_its_source_and_not_as_chunks_still_queued():
    # Given a tick whose Kraken queue could not be read (so Kraken is planned busy)
    kraken = MemoryChunkQueue()
    kraken.read_error = GONE
    queues = TickQueues({"kraken": kraken, "coingecko": MemoryChunkQueue()})
    result = fanned_out(queues)
    # When the plan is logged with the tick's queue failures (the lines as Powertools writes them)
    out = io.StringIO()
    stream = logger.registered_handler.setStream(out)  # type: ignore[attr-defined]
    try:
        record_plan(result, queues.send(result))
    finally:
        logger.registered_handler.setStream(stream)  # type: ignore[attr-defined]
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    # Then one error line names Kraken, the step and the cause; no line claims Kraken still has chunks queued
    [failed] = [line for line in lines if line["message"] == "ingest queue failed"]
    assert failed["level"] == "ERROR" and failed["source"] == "kraken" and failed["step"] == "read"
    assert "NonExistentQueue" in failed["error"]
    assert not any(line["message"].startswith("source still has chunks queued") for line in lines)
