"""AnalyzeFunction: Kinesis candle updates -> indicators, trigger rules, data health, predictions -> Signals.

Each record is validated by the partial-batch processor
(:mod:`crypto_advisor.wiring.batch`, Powertools' answers without its import)
against the CandleUpdate contract and handled on its own: a malformed or failing record
puts only its own sequence number in ``batchItemFailures`` (the event source
mapping has ReportBatchItemFailures, bisection, bounded retries and an
on-failure queue), and its failure is logged with its series (or its stream
position, when it did not parse) and the reason. A redelivered record finds
its signal already stored and changes nothing.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from crypto_advisor.analysis.service import RememberedWindows, analyze_update
from crypto_advisor.telemetry.analysis import record as record_outcome
from crypto_advisor.telemetry.analysis import record_failure
from crypto_advisor.telemetry.observability import logger, metrics
from crypto_advisor.wiring.analyze import analyze_deps
from crypto_advisor.wiring.batch import EventSource, PartialBatch, PartialItemFailureResponse
from crypto_advisor.wiring.events import CandleUpdateRecord, update_coins
from crypto_advisor.wiring.settings import AnalyzeSettings, built

# Its validator is built at import: the cold start pays for it, not the first event.
built(AnalyzeSettings)

# Every failed record is logged with its series, or its stream position when it did not parse.
processor = PartialBatch(EventSource.KINESIS, CandleUpdateRecord, on_failure=record_failure)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    deps = analyze_deps(AnalyzeSettings.from_env(os.environ))
    # The batch's updates share BTC's window: read once per invocation, never across (the table moves on).
    candles = RememberedWindows(deps.candles)
    # The batch's coins' news summaries: one read per invocation (per 100 coins), not a Query per update.
    news = deps.batch_news(update_coins(event))

    def handle(record: CandleUpdateRecord) -> None:
        outcome = analyze_update(
            record.kinesis.data,
            candles=candles,
            signals=deps.signals,
            rules=deps.rules,
            conditions=deps.conditions,
            news=news,
            models=deps.models,
            references=deps.references,
        )
        record_outcome(outcome)

    return processor.process(event, handle)
