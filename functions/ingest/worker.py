"""IngestWorkerFunction: fetches the ingest chunks a fanned-out tick put on the per-source queues.

Each source's queue (IngestKrakenQueue, IngestCoingeckoQueue) has its own
event source mapping, one chunk a record, at most the source's
``ScalingConfig.MaximumConcurrency`` invocations at once; each invocation
spaces its calls that many times the source's single-caller interval, so the
workers together stay within the source's rate (``contracts/rate_budgets.py``).
A chunk's series are ingested as the inline run ingests them
(:mod:`crypto_advisor.ingest.fan_out`); a series that fails is logged and
counted, and the next tick plans it again. A record that is not a chunk, or a
chunk that cannot be run, is logged with the series it held and reported in
``batchItemFailures``: the queue retries it, then parks it in
IngestDeadLetterQueue (an alarm says so), from which it can be redriven.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from crypto_advisor.contracts.errors import ConfigError, StorageError
from crypto_advisor.contracts.ingest_chunk import ChunkError, IngestChunk
from crypto_advisor.ingest.fan_out import work_chunk
from crypto_advisor.ingest.ports import MarketSource
from crypto_advisor.telemetry.ingest import record, record_chunk, record_chunk_failure
from crypto_advisor.telemetry.observability import logger, metrics
from crypto_advisor.wiring.ingest import ingest_deps
from crypto_advisor.wiring.settings import IngestWorkerSettings, built

# Its validator is built at import: the cold start pays for it, not the first event.
built(IngestWorkerSettings)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, sources: Mapping[str, MarketSource] | None = None
) -> dict[str, Any]:
    """``sources`` replaces the real exchanges (the local runtime's simulated market); None means real."""
    failures = []
    for item in event["Records"]:
        try:
            chunk = IngestChunk.from_json(item["body"])
            deps = ingest_deps(IngestWorkerSettings.from_env(os.environ))
            outcome = work_chunk(
                chunk, deps.watchlist, sources=sources if sources is not None else deps.sources, stores=deps.stores
            )
            record(outcome.report)
            record_chunk(outcome)
        except (ChunkError, ConfigError, StorageError) as exc:
            record_chunk_failure(item.get("messageId", "?"), held_series(item.get("body", "")), exc)
            failures.append({"itemIdentifier": item["messageId"]})
    return {"batchItemFailures": failures}


def held_series(body: str) -> list[str]:
    """The series a message names, even one that is not a valid chunk, so its failure says what it held."""
    try:
        series = json.loads(body).get("series")
    except (ValueError, AttributeError):
        return []
    return [str(s) for s in series] if isinstance(series, list) else []
