"""Stream event source mappings, emulated: batches, checkpoints, retries and the on-failure destination.

moto creates the Kinesis and DynamoDB-stream event source mappings from the
template but never polls them (no Lambda service runs locally), so this module
does what Lambda's pollers would: it reads each mapped shard from its
checkpoint, drops what the mapping's ``FilterCriteria`` filter out, invokes the
function with batches in Lambda's event shape, honours
``ReportBatchItemFailures`` and ``MaximumRetryAttempts``, and sends what it
gives up on to the mapping's on-failure destination, as Lambda writes it: to an
S3 bucket, the invocation record with the batch itself in ``payload`` under
``aws/lambda/<mapping UUID>/<shard id>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>``
(what ``make redrive`` replays); to an SQS queue, the invocation record alone.
Checkpoints live in the :class:`EventSources` object, so a new one starts from
``StartingPosition`` again, as a new mapping would.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from crypto_advisor.local.filters import filter_patterns, passes
from crypto_advisor.local.shards import Shard
from crypto_advisor.local.stack import Stack

#: Calls a function by logical id with an event and the collaborators passed through (``LocalRuntime.invoke``).
Invoke = Callable[..., Any]

#: For a mapping without ``MaximumRetryAttempts``: Lambda then retries until the records expire, which
#: local records never do, so a large bound keeps a poisoned batch from looping forever.
DEFAULT_MAX_RETRIES = 10_000


class EventSources:
    """The event source mappings of the embedded stack, polled on demand instead of by a Lambda service."""

    def __init__(self, stack: Stack, invoke: Invoke) -> None:
        self._stack = stack
        self._aws = stack.aws
        self._invoke = invoke
        self._lambda = stack.aws.client("lambda")
        self._checkpoints: dict[tuple[str, str], str] = {}
        self._retries_left: dict[tuple[str, str], int] = {}
        #: Batches an event source mapping gave up on (also sent to its on-failure destination), as in Lambda.
        self.parked: list[dict[str, Any]] = []

    def mappings(self, logical_id: str) -> list[dict[str, Any]]:
        answer = self._lambda.list_event_source_mappings(FunctionName=self._stack.physical_ids[logical_id])
        return answer["EventSourceMappings"]

    def deliver(
        self, logical_id: str, kind: type[Shard], max_invocations: int | None, collaborators: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Feed every new record of the ``kind`` streams the function is mapped to; what each invocation returned."""
        client = self._aws.client(kind.service)
        shards = [
            shard
            for mapping in self.mappings(logical_id)
            if kind.arn_marker in mapping["EventSourceArn"]
            for shard in kind.all_of(client, mapping)
        ]
        return self._drain_all(logical_id, shards, max_invocations, collaborators)

    def _drain_all(
        self, logical_id: str, shards: list[Shard], max_invocations: int | None, collaborators: dict[str, Any]
    ) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for shard in shards:
            budget = None if max_invocations is None else max_invocations - len(results)
            if budget is not None and budget <= 0:
                break
            results.extend(self._drain(logical_id, shard, budget, collaborators))
        return results

    def _drain(
        self, logical_id: str, shard: Shard, budget: int | None, collaborators: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Deliver one shard from its checkpoint on, as the event source mapping does.

        Records that do not match the mapping's ``FilterCriteria`` are skipped
        (and checkpointed), as Lambda drops them before invoking. Batches hold
        up to ``BatchSize`` records; with ``ReportBatchItemFailures`` the
        checkpoint stops before the first failed record and the batch is
        retried from there (a function error retries the whole batch), at most
        ``MaximumRetryAttempts`` times, after which the records the function
        was last given from the first failed one on are recorded in
        :attr:`parked`, sent to the on-failure destination, and skipped.
        ``budget`` caps the invocations of this call (None: until the shard is
        drained); the checkpoint and the retries left are kept, so the next
        call resumes where this one stopped, as a later retry would.
        ``MaximumRecordAgeInSeconds`` and ``BisectBatchOnFunctionError`` are not
        reproduced: local records are never old, and the handlers report
        partial failures rather than raising.
        """
        mapping = shard.mapping
        key = (mapping["UUID"], shard.shard_id)
        max_retries = mapping.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES)
        report_failures = "ReportBatchItemFailures" in mapping.get("FunctionResponseTypes", [])
        filters = filter_patterns(mapping)
        results: list[dict[str, Any]] = []
        while budget is None or len(results) < budget:
            raw = shard.read(self._checkpoints.get(key), mapping.get("BatchSize", 100))
            if not raw:
                break
            numbers = [shard.sequence_number(r) for r in raw]
            kept = [(n, r) for n, r in zip(numbers, raw, strict=True) if passes(filters, shard.filter_view(r))]
            if not kept:
                self._checkpoints[key] = numbers[-1]
                continue
            event = {"Records": [shard.event_record(r) for _, r in kept]}
            try:
                response = self._invoke(logical_id, event, **collaborators) or {}
                failed = [f["itemIdentifier"] for f in response.get("batchItemFailures", [])] if report_failures else []
            except Exception:  # noqa: BLE001 - a function error fails the whole batch, as in Lambda
                response, failed = {"error": "function error"}, [n for n, _ in kept]
            results.append(response)
            if not failed:
                self._checkpoints[key] = numbers[-1]
                self._retries_left.pop(key, None)
                continue
            # An identifier that names no record of the batch fails the whole batch, as in Lambda.
            first_failed = min((numbers.index(s) for s in failed if s in numbers), default=0)
            if first_failed > 0:
                self._checkpoints[key] = numbers[first_failed - 1]
            retries_left = self._retries_left.get(key, max_retries)
            if retries_left <= 0:
                given_up = [r for n, r in kept if numbers.index(n) >= first_failed]
                self._park(logical_id, shard, given_up)
                self._checkpoints[key] = numbers[-1]
                self._retries_left.pop(key, None)
            else:
                self._retries_left[key] = retries_left - 1
        return results

    def _park(self, logical_id: str, shard: Shard, records: list[dict[str, Any]]) -> None:
        """What Lambda sends to the on-failure destination: which records of which shard were given up, and why.

        An S3 destination also gets the records themselves, as the function
        received them (``payload``): the stream keeps them 24 hours, the
        bucket as long as its lifecycle says, and ``make redrive`` replays them.
        """
        mapping = shard.mapping
        at = datetime.now(UTC)
        note = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": mapping["FunctionArn"],
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": mapping.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES) + 1,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": ""},
            "version": "1.0",
            "timestamp": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            **shard.batch_info(records),
        }
        self.parked.append({"function": logical_id, **note})
        destination = mapping.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination", "")
        if destination.startswith("arn:aws:s3:::"):
            key = f"aws/lambda/{mapping['UUID']}/{shard.shard_id}/{at:%Y/%m/%d}/{at:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}"
            payload = {"Records": [shard.event_record(r) for r in records]}
            body = json.dumps({**note, "payload": payload}).encode()
            self._aws.client("s3").put_object(Bucket=destination.rsplit(":", 1)[-1], Key=key, Body=body)
        elif ":sqs:" in destination:
            sqs = self._aws.client("sqs")
            url = sqs.get_queue_url(QueueName=destination.rsplit(":", 1)[-1])["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(note))

    def deliver_queue(
        self, logical_id: str, max_invocations: int | None, collaborators: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Feed the SQS queues the function is mapped to, as Lambda's queue poller does, until they are empty.

        Batches of up to ``BatchSize`` messages in Lambda's SQS event shape;
        the messages the function took are deleted; with
        ``ReportBatchItemFailures`` only those it names come back, otherwise a
        function error brings back the whole batch. A message that comes back
        is visible again at once (the visibility timeout, local time does not
        wait) and, after the queue's ``maxReceiveCount`` receives, the queue's
        redrive policy moves it to its dead-letter queue (moto does, as SQS).
        ``ScalingConfig.MaximumConcurrency`` caps AWS's concurrent invocations;
        here they run one after another.
        """
        sqs = self._aws.client("sqs")
        results: list[dict[str, Any]] = []
        for mapping in self.mappings(logical_id):
            arn = mapping["EventSourceArn"]
            if ":sqs:" not in arn:
                continue
            url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
            report_failures = "ReportBatchItemFailures" in mapping.get("FunctionResponseTypes", [])
            while max_invocations is None or len(results) < max_invocations:
                answer = sqs.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=min(10, mapping.get("BatchSize", 10)),
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                )
                messages = answer.get("Messages", [])
                if not messages:
                    break
                event = {"Records": [_sqs_record(m, arn) for m in messages]}
                try:
                    response = self._invoke(logical_id, event, **collaborators) or {}
                    failed = (
                        {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
                        if report_failures
                        else set()
                    )
                except Exception:  # noqa: BLE001 - a function error returns the whole batch, as in Lambda
                    response, failed = {"error": "function error"}, {m["MessageId"] for m in messages}
                results.append(response)
                for message in messages:
                    if message["MessageId"] in failed:
                        sqs.change_message_visibility(
                            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                        )
                    else:
                        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return results


def _sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One message as Lambda's SQS event carries it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3],
    }
