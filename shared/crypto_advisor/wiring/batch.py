"""A partial-batch processor for stream and queue events: Powertools' ``BatchProcessor`` answers, without its import.

AnalyzeFunction (Kinesis) and NotifyFunction (the Signals table's stream) handle
each record of a batch on its own and answer Lambda with the records that
failed (``ReportBatchItemFailures``), so a poison record fails alone.
Powertools' batch utility does exactly that, but importing it costs every cold
start about 0.1 s (it loads ``asyncio`` for its async processor and every event
data class of the library), more than the rest of the work it does here. The
project's guide allows own code where a library's import costs Lambda too much,
provided it gives the library's answers: ``tests/unit/test_partial_batch.py``
runs this class and Powertools' ``BatchProcessor`` (with the same failure
logging the handlers had) on the same events (valid, malformed, failing model
validation, raising in the handler, a whole batch failing, an empty batch) and
asserts the same ``batchItemFailures``, the same exceptions and the same log
lines.

What it does, as Powertools does:

* each record is validated against the pydantic ``model`` and handed to the
  record handler; any exception, from the validation or the handler, makes it
  fail alone, and processing goes on with the next record;
* a failed record is reported by its stream position: Kinesis's
  ``kinesis.sequenceNumber``, DynamoDB's ``dynamodb.SequenceNumber``, SQS's
  ``messageId``;
* when every record failed and ``raise_on_entire_batch_failure`` (the default),
  :class:`BatchProcessingError` is raised instead, so the invocation fails and
  the mapping retries the batch as a whole;
* an event without records is refused (Lambda never sends one).

``on_failure(record, error)`` is called for every failed record: ``record`` is
the model when the record parsed (the handler raised), else the record as
Lambda delivered it (a dict), where Powertools gave its own event data class.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Generic, TypedDict, TypeVar

from pydantic import BaseModel

RecordT = TypeVar("RecordT", bound=BaseModel)


class EventSource(Enum):
    """Where a batch comes from, and so how its records are identified in ``batchItemFailures``."""

    KINESIS = ("kinesis", "sequenceNumber")
    DYNAMODB_STREAMS = ("dynamodb", "SequenceNumber")
    SQS = (None, "messageId")

    def identifier(self, record: Mapping[str, Any]) -> str:
        """The record's position in its stream or queue, as Lambda expects it back."""
        section, key = self.value
        return str((record if section is None else record[section])[key])


class PartialItemFailure(TypedDict):
    itemIdentifier: str


class PartialItemFailureResponse(TypedDict):
    batchItemFailures: list[PartialItemFailure]


class BatchProcessingError(Exception):
    """Every record of the batch failed (the name and message Powertools' processor gives, tracebacks included)."""

    def __init__(self, errors: list[BaseException]) -> None:
        self.errors = errors
        message = f"All records failed processing. {len(errors)} individual errors logged separately below."
        super().__init__("\n".join([f"{message}\n", *("".join(traceback.format_exception(error)) for error in errors)]))


class EmptyBatchError(ValueError):
    """The event carries no ``Records`` list to process."""


class PartialBatch(Generic[RecordT]):
    """Validates and handles each record alone; answers Lambda with the ones that failed."""

    def __init__(
        self,
        source: EventSource,
        model: type[RecordT],
        *,
        on_failure: Callable[[Any, BaseException], None],
        raise_on_entire_batch_failure: bool = True,
    ) -> None:
        self.source = source
        self.model = model
        self.on_failure = on_failure
        self.raise_on_entire_batch_failure = raise_on_entire_batch_failure

    def process(self, event: Mapping[str, Any], handler: Callable[[RecordT], object]) -> PartialItemFailureResponse:
        records = event.get("Records")
        if not records or not isinstance(records, list):
            raise EmptyBatchError(f"a {self.source.name} batch event needs a non-empty 'Records' list, got {records!r}")
        failed: list[Mapping[str, Any]] = []
        errors: list[BaseException] = []
        for raw in records:
            parsed: RecordT | None = None
            try:
                parsed = self.model.model_validate(raw)
                handler(parsed)
            except Exception as error:  # noqa: BLE001 - any failure is this record's alone, as Powertools does
                self.on_failure(raw if parsed is None else parsed, error)
                failed.append(raw)
                errors.append(error)
        if failed and len(failed) == len(records) and self.raise_on_entire_batch_failure:
            raise BatchProcessingError(errors)
        return {"batchItemFailures": [{"itemIdentifier": self.source.identifier(raw)} for raw in failed]}
