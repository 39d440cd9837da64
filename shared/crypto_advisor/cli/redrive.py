"""``make redrive``: replay the stream batches Lambda parked in S3 through the function that gave them up.

    python -m crypto_advisor.cli.redrive --stack crypto-advisor             # replay every parked batch
    python -m crypto_advisor.cli.redrive --stack crypto-advisor --dry-run   # list them, replay nothing

When AnalyzeFunction's Kinesis mapping or NotifyFunction's DynamoDB-stream
mapping gives up on a batch (its retries spent, or its records too old), Lambda
writes the invocation record to the stack's ParkedRecordsBucket: which records
of which shard, why, and, for an S3 destination only, the batch itself as the
function received it (``payload``), under
``aws/lambda/<mapping UUID>/<shard id>/YYYY/MM/DD/...``. The streams keep their
records 24 hours; the bucket keeps these until they are replayed (or its
lifecycle expires them).

Each parked batch is invoked again, synchronously, on the function named in
its record (``requestContext.functionArn``), with exactly the event it got
the first time: the same handler, the same code path. Replaying is idempotent
because the handlers are: a Signal is stored with a conditional put, an email
is claimed in the notification log before it is sent, so a record that went
through before it was parked (or a batch replayed twice) stores and sends
nothing more. A batch whose every record now succeeds is moved under
``redriven/`` (kept, out of the way); one with records that fail again stays
where it is, and the line says which. A batch whose invoke the Lambda API
refuses (throttling, the function deleted, AccessDenied) stays where it is
too, its line naming the error's code and message, and the next batch is
tried. An object under the prefix that is not a batch it can read (no
``payload``: written by an SQS or SNS destination, or by hand) is named with
why, left where it is, and skipped: it never stops the others' replay. Then
the notices of the batches no longer waiting are deleted from
AnalyzeFailureQueue and NotifyFailureQueue, so their alarms clear once nothing
waits. The command exits non-zero when a batch failed again, was refused, or
an object was skipped, dry run or not: something still waits that it did not
replay.

What replaying cannot change: an alert is decided by its candle's time, so a
signal parked in the morning and replayed at night is emailed at night, as
the alert it would have been (its subject and body name the candle).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from crypto_advisor.local.runtime import LocalRuntime

#: Where Lambda writes what an event source mapping gave up on (AWS's own key convention).
PARKED_PREFIX = "aws/lambda/"
#: Where a replayed batch is moved, under its original key.
REDRIVEN_PREFIX = "redriven/"

#: Invokes a function (by ARN) with an event and returns what the handler returned; raises :class:`FunctionFailed`.
Invoke = Callable[[str, dict[str, Any]], dict[str, Any]]


class FunctionFailed(Exception):
    """The function raised instead of answering (every record of the batch failed again)."""


class NotAParkedBatch(ValueError):
    """An object under the parked prefix that is not an invocation record with its batch."""

    def __init__(self, key: str, why: str) -> None:
        super().__init__(f"{key}: {why}")
        self.key = key
        self.why = why


@dataclass(frozen=True)
class ParkedBatch:
    """One batch an event source mapping gave up on, as Lambda stored it."""

    key: str
    function_arn: str
    #: why Lambda gave up: ``RetryAttemptsExhausted``, ``RecordAgeExceeded``...
    condition: str
    parked_at: str
    #: the event the function received, ``{"Records": [...]}``
    event: dict[str, Any]

    @property
    def function(self) -> str:
        """The function's name (the ARN may carry a version or alias after it)."""
        return function_name(self.function_arn)

    @property
    def records(self) -> int:
        return len(self.event["Records"])


@dataclass(frozen=True)
class Replayed:
    """What replaying one parked batch did."""

    batch: ParkedBatch
    #: the records that failed again (their sequence numbers), empty when all went through
    failed: tuple[str, ...] = ()
    #: the function raised: the whole batch failed again
    error: str | None = None
    #: the Lambda API refused the invoke (throttled, the function gone, access denied): the function never ran
    refused: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and self.error is None and self.refused is None

    def line(self) -> str:
        where = f"{self.batch.function}, {self.batch.records} record(s) parked {self.batch.parked_at}"
        if self.refused is not None:
            return f"not replayed, the invoke was refused ({self.refused}); left in place: {self.batch.key} [{where}]"
        if self.error is not None:
            return f"failed again ({self.error}); left in place: {self.batch.key} [{where}]"
        if self.failed:
            return (
                f"{len(self.failed)} of {self.batch.records} record(s) failed again ({', '.join(self.failed)}); "
                f"left in place: {self.batch.key} [{where}]"
            )
        return f"replayed, moved to {REDRIVEN_PREFIX}: {self.batch.key} [{where}]"


@dataclass(frozen=True)
class Unreadable:
    """An object under the parked prefix that cannot be replayed, and why; it is skipped, never deleted."""

    key: str
    why: str

    def line(self) -> str:
        return f"skipped {self.key}: {self.why}"


@dataclass(frozen=True)
class Waiting:
    """Everything under the parked prefix, oldest first: the batches to replay and the objects skipped."""

    batches: list[ParkedBatch]
    unreadable: list[Unreadable]


def parse_batch(key: str, body: bytes) -> ParkedBatch:
    """The invocation record Lambda wrote to ``key``; raises :class:`NotAParkedBatch` for anything else."""
    try:
        record = json.loads(body)
        event = record["payload"]
        if not isinstance(event.get("Records"), list):
            raise TypeError("payload.Records is not a list")
        return ParkedBatch(
            key=key,
            function_arn=str(record["requestContext"]["functionArn"]),
            condition=str(record["requestContext"].get("condition", "")),
            parked_at=str(record.get("timestamp", "")),
            event=event,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise NotAParkedBatch(
            key,
            f"not an invocation record with its batch ({type(exc).__name__}: {exc}); an SQS or SNS "
            "destination keeps no records, only an S3 one does",
        ) from exc


class Redrive:
    """The parked batches of one bucket, their replay through ``invoke``, and the notices in ``notice_queues``."""

    def __init__(
        self, s3: Any, bucket: str, invoke: Invoke, *, sqs: Any = None, notice_queues: Sequence[str] = ()
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._invoke = invoke
        self._sqs = sqs
        self._queues = tuple(notice_queues)

    @property
    def bucket(self) -> str:
        return self._bucket

    def keys(self) -> Iterator[str]:
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=PARKED_PREFIX):
            for item in page.get("Contents", []):
                yield str(item["Key"])

    def waiting(self) -> Waiting:
        """What waits under :data:`PARKED_PREFIX`, oldest first (the keys carry the time).

        An object that cannot be read as a parked batch is set aside with why, so
        that one odd object never keeps the others from being replayed.
        """
        batches: list[ParkedBatch] = []
        unreadable: list[Unreadable] = []
        for key in sorted(self.keys(), key=_by_time):
            try:
                batches.append(self.read(key))
            except NotAParkedBatch as exc:
                unreadable.append(Unreadable(key, exc.why))
            except ClientError as exc:  # gone since the listing (another redrive, the lifecycle), or not readable
                unreadable.append(Unreadable(key, f"could not be read: {exc}"))
        return Waiting(batches, unreadable)

    def parked(self) -> list[ParkedBatch]:
        """The batches :meth:`waiting` would replay; the objects it skips are in its ``unreadable``."""
        return self.waiting().batches

    def read(self, key: str) -> ParkedBatch:
        return parse_batch(key, self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read())

    def replay(self, batch: ParkedBatch) -> Replayed:
        """Invoke the batch's function with its event; a batch that went through is moved under ``redriven/``.

        An invoke the Lambda API refuses (throttled, the function deleted,
        AccessDenied) leaves the batch in place, not replayed, with the error's
        code and message: the other batches are still tried, and the command
        exits non-zero.
        """
        try:
            answer = self._invoke(batch.function_arn, batch.event)
        except FunctionFailed as exc:
            return Replayed(batch, error=str(exc) or type(exc).__name__)
        except (ClientError, BotoCoreError) as exc:
            return Replayed(batch, refused=_refusal(exc))
        failed = tuple(str(f.get("itemIdentifier")) for f in (answer or {}).get("batchItemFailures", []))
        if failed:
            return Replayed(batch, failed=failed)
        source = {"Bucket": self._bucket, "Key": batch.key}
        self._s3.copy_object(Bucket=self._bucket, Key=REDRIVEN_PREFIX + batch.key, CopySource=source)
        self._s3.delete_object(Bucket=self._bucket, Key=batch.key)
        return Replayed(batch)

    def run(self) -> list[Replayed]:
        return [self.replay(batch) for batch in self.parked()]

    def clear_notices(self) -> int:
        """Delete the notices of batches no longer waiting (replayed, or expired), so the queues' alarms clear.

        A notice whose batch still waits is left (visible again after 30 s);
        a message that names no object of this bucket is left alone.
        """
        waiting = set(self.keys())
        cleared = 0
        for url in self._queues:
            while messages := self._sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30, WaitTimeSeconds=1
            ).get("Messages", []):
                for message in messages:
                    key = self._notice_key(message["Body"])
                    if key is not None and key not in waiting:
                        self._sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                        cleared += 1
        return cleared

    def _notice_key(self, body: str) -> str | None:
        """The parked object an S3 "Object Created" event names, when it is one of this bucket's."""
        try:
            detail = json.loads(body)["detail"]
            if detail["bucket"]["name"] == self._bucket:
                return str(detail["object"]["key"])
        except (ValueError, KeyError, TypeError):
            pass
        return None


def _refusal(exc: ClientError | BotoCoreError) -> str:
    """``TooManyRequestsException: Rate exceeded``: the API's error code and message (botocore's text otherwise)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'unknown error')}: {error.get('Message', '')}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"


def function_name(arn: str) -> str:
    """``arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`` -> ``<name>``."""
    return arn.split(":function:", 1)[-1].split(":", 1)[0]


def _by_time(key: str) -> tuple[str, str]:
    """Sort key: the date path and time stamp Lambda puts after the mapping and shard, then the whole key."""
    parts = key.split("/")
    return ("/".join(parts[4:]), key)


def lambda_invoker(client: Any) -> Invoke:
    """:data:`Invoke` through the Lambda API (a synchronous invocation, as the event source mapping makes)."""

    def invoke(function_arn: str, event: dict[str, Any]) -> dict[str, Any]:
        answer = client.invoke(
            FunctionName=function_arn, InvocationType="RequestResponse", Payload=json.dumps(event).encode()
        )
        body = json.loads(answer["Payload"].read() or b"null")
        if answer.get("FunctionError"):
            message = body.get("errorMessage") if isinstance(body, dict) else None
            raise FunctionFailed(f"{answer['FunctionError']}: {message or body}")
        return body if isinstance(body, dict) else {}

    return invoke


def local_invoker(runtime: LocalRuntime, **collaborators: Any) -> Invoke:
    """:data:`Invoke` through the local runtime: the stack's handler in-process, with its configuration."""
    logical = {name: logical_id for logical_id, name in runtime.stack.physical_ids.items()}

    def invoke(function_arn: str, event: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = runtime.invoke(logical[function_name(function_arn)], event, **collaborators)
        except Exception as exc:  # a function error, as Lambda reports it
            raise FunctionFailed(f"{type(exc).__name__}: {exc}") from exc
        return answer if isinstance(answer, dict) else {}

    return invoke


#: The stack outputs naming the failure queues that hold a notice per parked batch.
NOTICE_QUEUE_OUTPUTS = ("AnalyzeFailureQueueUrl", "NotifyFailureQueueUrl")


def stack_redrive(session: Any, stack: str, invoke: Invoke | None = None) -> Redrive:
    """The :class:`Redrive` of a deployed stack: its ParkedRecordsBucket and failure queues, from its outputs."""
    described = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    if "ParkedRecordsBucketName" not in outputs:
        raise SystemExit(f"stack {stack} has no ParkedRecordsBucketName output: deploy this version first")
    return Redrive(
        session.client("s3"),
        outputs["ParkedRecordsBucketName"],
        invoke or lambda_invoker(session.client("lambda")),
        sqs=session.client("sqs"),
        notice_queues=[outputs[name] for name in NOTICE_QUEUE_OUTPUTS if name in outputs],
    )


def main(argv: list[str] | None = None, invoke: Invoke | None = None) -> int:
    """Replay (or, with ``--dry-run``, list) what waits; 1 when something still waits that was not replayed.

    ``invoke`` is how a batch's function is called: the Lambda API when ``None``.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True, help="the deployed stack's name (samconfig.toml: crypto-advisor)")
    parser.add_argument("--dry-run", action="store_true", help="list the parked batches, replay nothing")
    args = parser.parse_args(argv)

    import boto3

    redrive = stack_redrive(boto3.session.Session(), args.stack, invoke)
    waiting = redrive.waiting()
    print(f"{len(waiting.batches)} parked batch(es) in s3://{redrive.bucket}/{PARKED_PREFIX}")
    replayed_all = _list(redrive, waiting.batches) if args.dry_run else _replay(redrive, waiting.batches)
    _report_unreadable(redrive, waiting.unreadable)
    return 0 if replayed_all and not waiting.unreadable else 1


def _list(redrive: Redrive, batches: list[ParkedBatch]) -> bool:
    """The dry run: each batch, its function, size and why it was parked; nothing replayed, nothing failed."""
    for batch in batches:
        print(f"  {batch.function}: {batch.records} record(s), {batch.condition}, parked {batch.parked_at}")
        print(f"    s3://{redrive.bucket}/{batch.key}")
    return True


def _replay(redrive: Redrive, batches: list[ParkedBatch]) -> bool:
    """Replay each batch and say what it did; whether every one went through."""
    results = [redrive.replay(batch) for batch in batches]
    for result in results:
        print(f"  {result.line()}")
    print(f"{redrive.clear_notices()} notice(s) of replayed batches cleared from the failure queues")
    return all(r.ok for r in results)


def _report_unreadable(redrive: Redrive, unreadable: list[Unreadable]) -> None:
    """Name each object skipped, and why; it stays where it is (with its notice) for someone to look at."""
    if unreadable:
        print(f"{len(unreadable)} object(s) in s3://{redrive.bucket}/{PARKED_PREFIX} skipped, not replayed:")
    for skipped in unreadable:
        print(f"  {skipped.line()}")


if __name__ == "__main__":
    sys.exit(main())
