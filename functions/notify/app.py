"""NotifyFunction: new Signals (the Signals table's stream) -> alert policy, cooldown, dedup -> SES email.

Each record is validated by Powertools' batch processor against
:class:`~crypto_advisor.wiring.events.SignalStreamRecord` and handled on its
own: a record without a parseable Signal, or one whose email SES refused, puts
only its own sequence number in ``batchItemFailures`` (the mapping has
ReportBatchItemFailures, bisection, bounded retries and an on-failure queue),
and its failure is logged with the reason. The notification log makes a
redelivered record send nothing.
"""

from __future__ import annotations

import os
import time
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from crypto_advisor.telemetry.notify import record as record_outcome
from crypto_advisor.telemetry.notify import record_failure
from crypto_advisor.telemetry.observability import logger, metrics
from crypto_advisor.wiring.events import SignalStreamRecord
from crypto_advisor.wiring.notify import notify_deps
from crypto_advisor.wiring.settings import NotifySettings


class _ReportingProcessor(BatchProcessor):
    """Logs and counts every failed record (Powertools alone logs a model validation failure at debug level)."""

    def failure_handler(self, record, exception):  # type: ignore[no-untyped-def]
        record_failure(record, exception[1])
        return super().failure_handler(record, exception)


# A batch whose every record failed is reported record by record, not raised: the retry then starts at the first.
processor = _ReportingProcessor(
    event_type=EventType.DynamoDBStreams, model=SignalStreamRecord, raise_on_entire_batch_failure=False
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

    return process_partial_response(event=event, record_handler=handle, processor=processor, context=context)
