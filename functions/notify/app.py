"""NotifyFunction: new Signals (the Signals table's stream) -> alert policy, cooldown, dedup -> SES email.

Each record is validated by the partial-batch processor
(:mod:`crypto_advisor.wiring.batch`, Powertools' answers without its import)
against :class:`~crypto_advisor.wiring.events.SignalStreamRecord` and handled
on its own: a record without a parseable Signal, or one whose email SES refused, puts
only its own sequence number in ``batchItemFailures`` (the mapping has
ReportBatchItemFailures, bisection, bounded retries and an on-failure queue),
and its failure is logged with the reason. The notification log makes a
redelivered record send nothing.
"""

from __future__ import annotations

import os
import time
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from crypto_advisor.telemetry.notify import record as record_outcome
from crypto_advisor.telemetry.notify import record_failure
from crypto_advisor.telemetry.observability import logger, metrics
from crypto_advisor.wiring.batch import EventSource, PartialBatch, PartialItemFailureResponse
from crypto_advisor.wiring.events import SignalStreamRecord
from crypto_advisor.wiring.notify import notify_deps
from crypto_advisor.wiring.settings import NotifySettings, built

# Its validator is built at import: the cold start pays for it, not the first event.
built(NotifySettings)

# Every failed record is logged and counted. A batch whose every record failed is reported record by record, not
# raised: the retry then starts at the first.
processor = PartialBatch(
    EventSource.DYNAMODB_STREAMS, SignalStreamRecord, on_failure=record_failure, raise_on_entire_batch_failure=False
)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext, ses_client: Any = None) -> PartialItemFailureResponse:
    """``ses_client`` replaces the real SES client (tests and the demo wrap the embedded one); None means real."""
    deps = notify_deps(NotifySettings.from_env(os.environ), ses_client)

    def handle(record: SignalStreamRecord) -> None:
        now_ms = int(time.time() * 1000)
        deadline_ms = now_ms + context.get_remaining_time_in_millis()
        record_outcome(deps.notify(record.signal, now_ms=now_ms, deadline_ms=deadline_ms))

    return processor.process(event, handle)
