"""Calls the real handlers in-process, wired exactly as the embedded stack says.

For each function the runtime reads, from the embedded Lambda API, the
configuration CloudFormation gave it (environment variables with every
``!Ref`` resolved) and, from the embedded EventBridge, the schedule rules that
target it. A scheduled invocation gets the event EventBridge would deliver.
The handler module is loaded from the function's ``CodeUri`` folder (an image
function's: its ``Metadata.Dockerfile`` folder) and called
with exactly that environment (plus ``AWS_ENDPOINT_URL`` for the embedded AWS),
so the local wiring is the deployed wiring.
"""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import json
import logging
import os
import sys
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from crypto_advisor.local.stack import REGION, Stack

ACCOUNT = "123456789012"


@dataclass
class LocalContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_s: int
    function_version: str = "$LATEST"
    aws_request_id: str = ""
    log_group_name: str = ""
    log_stream_name: str = "local"

    def __post_init__(self) -> None:
        self.aws_request_id = self.aws_request_id or str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_s * 1000


@contextlib.contextmanager
def environment(variables: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(variables)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class LocalRuntime:
    def __init__(self, stack: Stack, *, repo_root: Path, log_dir: Path | None = None) -> None:
        self.stack = stack
        self.repo_root = repo_root
        self.log_dir = log_dir
        self._lambda = stack.aws.client("lambda")
        self._events = stack.aws.client("events")
        self._modules: dict[str, ModuleType] = {}
        self._checkpoints: dict[tuple[str, str], str] = {}
        self._retries_left: dict[tuple[str, str], int] = {}
        #: Batches an event source mapping gave up on (also sent to its on-failure queue), as in Lambda.
        self.parked: list[dict[str, Any]] = []

    # ------------------------------------------------------------- configuration
    def function_name(self, logical_id: str) -> str:
        return self.stack.physical_ids[logical_id]

    def configuration(self, logical_id: str) -> dict[str, Any]:
        return self._lambda.get_function_configuration(FunctionName=self.function_name(logical_id))

    def function_environment(self, logical_id: str) -> dict[str, str]:
        variables = self.configuration(logical_id).get("Environment", {}).get("Variables", {})
        return {k: str(v) for k, v in variables.items()}

    def schedule_rules(self, logical_id: str) -> list[dict[str, Any]]:
        arn = self.configuration(logical_id)["FunctionArn"]
        names = self._events.list_rule_names_by_target(TargetArn=arn)["RuleNames"]
        return [self._events.describe_rule(Name=n) for n in names]

    def scheduled_event(self, logical_id: str, at: datetime) -> dict[str, Any]:
        """The envelope an EventBridge ``Schedule`` rule delivers at time ``at``."""
        rules = [r for r in self.schedule_rules(logical_id) if r.get("State") == "ENABLED"]
        if not rules:
            raise LookupError(f"{logical_id} has no enabled schedule rule in the stack")
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT,
            "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [rules[0]["Arn"]],
            "detail": {},
        }

    # ------------------------------------------------------------- invocation
    def _handler(self, logical_id: str) -> Any:
        resource = self.stack.sam_template["Resources"][logical_id]
        props = resource["Properties"]
        module_name, _, attribute = props.get("Handler", "app.lambda_handler").rpartition(".")
        module = self._modules.get(logical_id)
        if module is None:
            # An image function has no CodeUri: its handler sits beside its Dockerfile (which copies it in).
            folder = props.get("CodeUri") or str(Path(resource.get("Metadata", {})["Dockerfile"]).parent)
            path = self.repo_root / folder / f"{module_name.replace('.', '/')}.py"
            spec = importlib.util.spec_from_file_location(f"local_function_{logical_id}", path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
            self._modules[logical_id] = module
        return getattr(module, attribute)

    def invoke(self, logical_id: str, event: dict[str, Any], **collaborators: Any) -> Any:
        """Call the handler as Lambda would; ``collaborators`` are passed through (e.g. ``sources=``)."""
        config = self.configuration(logical_id)
        variables = {
            **self.function_environment(logical_id),
            **self.stack.aws.environment(),
            "POWERTOOLS_TRACE_DISABLED": "true",
            "AWS_LAMBDA_FUNCTION_NAME": config["FunctionName"],
        }
        context = LocalContext(config["FunctionName"], config.get("MemorySize", 128), config.get("Timeout", 3))
        with environment(variables):
            handler = self._handler(logical_id)  # imported outside the capture: loggers bind stdout at import
            with self._captured_output(logical_id):
                return handler(event, context, **collaborators)

    # ------------------------------------------------------------- stream sources
    def event_source_mappings(self, logical_id: str) -> list[dict[str, Any]]:
        answer = self._lambda.list_event_source_mappings(FunctionName=self.function_name(logical_id))
        return answer["EventSourceMappings"]

    def deliver_kinesis(
        self, logical_id: str, *, max_invocations: int | None = None, **collaborators: Any
    ) -> list[dict[str, Any]]:
        """Feed every new Kinesis record to the function as its event source mapping would.

        See :meth:`_drain` for the delivery semantics. Returns what each invocation returned.
        """
        kinesis = self.stack.aws.client("kinesis")
        shards = [
            _KinesisShard(kinesis, mapping, shard["ShardId"])
            for mapping in self.event_source_mappings(logical_id)
            if ":kinesis:" in mapping["EventSourceArn"]
            for shard in kinesis.describe_stream(StreamName=mapping["EventSourceArn"].rsplit("/", 1)[-1])[
                "StreamDescription"
            ]["Shards"]
        ]
        return self._drain_all(logical_id, shards, max_invocations, collaborators)

    def deliver_dynamodb_streams(
        self, logical_id: str, *, max_invocations: int | None = None, **collaborators: Any
    ) -> list[dict[str, Any]]:
        """Feed every new record of the DynamoDB streams the function is mapped to, as Lambda would.

        The table is the one the event source mapping names; records are read
        through the DynamoDB Streams API and delivered in Lambda's DynamoDB
        event shape, after the mapping's ``FilterCriteria``. See :meth:`_drain`
        for batching, checkpoints and retries. Returns what each invocation returned.
        """
        streams = self.stack.aws.client("dynamodbstreams")
        shards = [
            _DynamoDBStreamShard(streams, mapping, shard["ShardId"])
            for mapping in self.event_source_mappings(logical_id)
            if ":dynamodb:" in mapping["EventSourceArn"]
            for shard in streams.describe_stream(StreamArn=mapping["EventSourceArn"])["StreamDescription"]["Shards"]
        ]
        return self._drain_all(logical_id, shards, max_invocations, collaborators)

    def _drain_all(
        self, logical_id: str, shards: list[_Shard], max_invocations: int | None, collaborators: dict[str, Any]
    ) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for shard in shards:
            budget = None if max_invocations is None else max_invocations - len(results)
            if budget is not None and budget <= 0:
                break
            results.extend(self._drain(logical_id, shard, budget, collaborators))
        return results

    def _drain(
        self, logical_id: str, shard: _Shard, budget: int | None, collaborators: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Deliver one shard from its checkpoint on, as the event source mapping does.

        Records that do not match the mapping's ``FilterCriteria`` are skipped
        (and checkpointed), as Lambda drops them before invoking. Batches hold
        up to ``BatchSize`` records; with ``ReportBatchItemFailures`` the
        checkpoint stops before the first failed record and the batch is
        retried from there (a function error retries the whole batch), at most
        ``MaximumRetryAttempts`` times, after which those records are recorded
        in :attr:`parked`, sent to the on-failure destination, and skipped.
        ``budget`` caps the invocations of this call (None: until the shard is
        drained); the checkpoint and the retries left are kept, so the next
        call resumes where this one stopped, as a later retry would.
        ``MaximumRecordAgeInSeconds`` and ``BisectBatchOnFunctionError`` are not
        reproduced: local records are never old, and the handlers report
        partial failures rather than raising.
        """
        mapping = shard.mapping
        key = (mapping["UUID"], shard.shard_id)
        max_retries = mapping.get("MaximumRetryAttempts", 10_000)
        report_failures = "ReportBatchItemFailures" in mapping.get("FunctionResponseTypes", [])
        filters = _filter_patterns(mapping)
        results: list[dict[str, Any]] = []
        while budget is None or len(results) < budget:
            raw = shard.read(self._checkpoints.get(key), mapping.get("BatchSize", 100))
            if not raw:
                break
            numbers = [shard.sequence_number(r) for r in raw]
            kept = [(n, r) for n, r in zip(numbers, raw, strict=True) if _passes(filters, shard.filter_view(r))]
            if not kept:
                self._checkpoints[key] = numbers[-1]
                continue
            event = {"Records": [shard.event_record(r) for _, r in kept]}
            try:
                response = self.invoke(logical_id, event, **collaborators) or {}
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
                self._park(logical_id, shard, raw[first_failed:])
                self._checkpoints[key] = numbers[-1]
                self._retries_left.pop(key, None)
            else:
                self._retries_left[key] = retries_left - 1
        return results

    def _park(self, logical_id: str, shard: _Shard, records: list[dict[str, Any]]) -> None:
        """What Lambda sends to the on-failure destination: which records of which shard were given up."""
        mapping = shard.mapping
        note = {
            "requestContext": {"condition": "RetryAttemptsExhausted", "functionArn": mapping["FunctionArn"]},
            **shard.batch_info(records),
        }
        self.parked.append({"function": logical_id, **note})
        destination = mapping.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination", "")
        if ":sqs:" in destination:
            sqs = self.stack.aws.client("sqs")
            url = sqs.get_queue_url(QueueName=destination.rsplit(":", 1)[-1])["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(note))

    def tick(self, logical_id: str, at: datetime, **collaborators: Any) -> Any:
        """One scheduled invocation at ``at``, as EventBridge would make it."""
        return self.invoke(logical_id, self.scheduled_event(logical_id, at), **collaborators)

    @contextlib.contextmanager
    def _captured_output(self, logical_id: str) -> Iterator[None]:
        """Function output (structured logs, EMF metrics) goes to a log file per function, as to CloudWatch."""
        if self.log_dir is None:
            yield
            return
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"{logical_id}.log", "a", encoding="utf-8") as sink:
            service = os.environ.get("POWERTOOLS_SERVICE_NAME", "crypto-advisor")
            handlers = {id(h): h for h in logging.getLogger(service).handlers if isinstance(h, logging.StreamHandler)}
            streams = [(h, h.setStream(sink)) for h in handlers.values()]
            try:
                with contextlib.redirect_stdout(sink):
                    yield
            finally:
                for handler, previous in streams:
                    if previous is not None:
                        handler.setStream(previous)


class _Shard(Protocol):
    """One shard of a stream an event source mapping reads: how to read it and how Lambda shows its records."""

    mapping: dict[str, Any]
    shard_id: str

    def read(self, after: str | None, limit: int) -> list[dict[str, Any]]: ...
    def sequence_number(self, record: dict[str, Any]) -> str: ...
    def event_record(self, record: dict[str, Any]) -> dict[str, Any]: ...
    def filter_view(self, record: dict[str, Any]) -> dict[str, Any]: ...
    def batch_info(self, records: list[dict[str, Any]]) -> dict[str, Any]: ...


@dataclass
class _KinesisShard:
    client: Any
    mapping: dict[str, Any]
    shard_id: str

    @property
    def stream(self) -> str:
        return self.mapping["EventSourceArn"].rsplit("/", 1)[-1]

    def read(self, after: str | None, limit: int) -> list[dict[str, Any]]:
        position = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": after}
            if after
            else {"ShardIteratorType": self.mapping.get("StartingPosition", "TRIM_HORIZON")}
        )
        iterator = self.client.get_shard_iterator(StreamName=self.stream, ShardId=self.shard_id, **position)
        return self.client.get_records(ShardIterator=iterator["ShardIterator"], Limit=limit)["Records"]

    def sequence_number(self, record: dict[str, Any]) -> str:
        return record["SequenceNumber"]

    def event_record(self, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": record["PartitionKey"],
                "sequenceNumber": record["SequenceNumber"],
                "data": base64.b64encode(record["Data"]).decode(),
                "approximateArrivalTimestamp": record["ApproximateArrivalTimestamp"].timestamp(),
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{self.shard_id}:{record['SequenceNumber']}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/local",
            "awsRegion": REGION,
            "eventSourceARN": self.mapping["EventSourceArn"],
        }

    def filter_view(self, record: dict[str, Any]) -> dict[str, Any]:
        """Lambda matches Kinesis filter patterns against the data decoded as JSON (when it is JSON)."""
        view = self.event_record(record)
        with contextlib.suppress(ValueError):
            view["data"] = json.loads(record["Data"])
        return view

    def batch_info(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "KinesisBatchInfo": {
                "shardId": self.shard_id,
                "startSequenceNumber": records[0]["SequenceNumber"],
                "endSequenceNumber": records[-1]["SequenceNumber"],
                "batchSize": len(records),
                "streamArn": self.mapping["EventSourceArn"],
            }
        }


@dataclass
class _DynamoDBStreamShard:
    client: Any
    mapping: dict[str, Any]
    shard_id: str

    def read(self, after: str | None, limit: int) -> list[dict[str, Any]]:
        position = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
            if after
            else {"ShardIteratorType": self.mapping.get("StartingPosition", "TRIM_HORIZON")}
        )
        iterator = self.client.get_shard_iterator(
            StreamArn=self.mapping["EventSourceArn"], ShardId=self.shard_id, **position
        )
        return self.client.get_records(ShardIterator=iterator["ShardIterator"], Limit=limit)["Records"]

    def sequence_number(self, record: dict[str, Any]) -> str:
        return record["dynamodb"]["SequenceNumber"]

    def event_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record as Lambda delivers it: the Streams API record on the wire, plus ``eventSourceARN``."""
        change = record["dynamodb"]
        dynamodb: dict[str, Any] = {
            "ApproximateCreationDateTime": int(change["ApproximateCreationDateTime"].timestamp())
        }
        for image in ("Keys", "NewImage", "OldImage"):
            if image in change:
                dynamodb[image] = {name: _wire_value(value) for name, value in change[image].items()}
        dynamodb.update(
            SequenceNumber=change["SequenceNumber"],
            SizeBytes=change["SizeBytes"],
            StreamViewType=change["StreamViewType"],
        )
        return {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": record["eventVersion"],
            "eventSource": record["eventSource"],
            "awsRegion": record["awsRegion"],
            "dynamodb": dynamodb,
            "eventSourceARN": self.mapping["EventSourceArn"],
        }

    def filter_view(self, record: dict[str, Any]) -> dict[str, Any]:
        return self.event_record(record)

    def batch_info(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        arrivals = [r["dynamodb"]["ApproximateCreationDateTime"].astimezone(UTC).isoformat() for r in records]
        return {
            "DDBStreamBatchInfo": {
                "shardId": self.shard_id,
                "startSequenceNumber": self.sequence_number(records[0]),
                "endSequenceNumber": self.sequence_number(records[-1]),
                "approximateArrivalOfFirstRecord": arrivals[0],
                "approximateArrivalOfLastRecord": arrivals[-1],
                "batchSize": len(records),
                "streamArn": self.mapping["EventSourceArn"],
            }
        }


def _wire_value(value: dict[str, Any]) -> dict[str, Any]:
    """An attribute value as JSON carries it (boto3 hands binary values over decoded; the event has base64)."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(v).decode() for v in inner]}
    if kind == "M":
        return {"M": {k: _wire_value(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_wire_value(v) for v in inner]}
    return {kind: inner}


_ABSENT = object()


def _filter_patterns(mapping: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(f["Pattern"]) for f in mapping.get("FilterCriteria", {}).get("Filters", [])]


def _passes(patterns: list[dict[str, Any]], record: dict[str, Any]) -> bool:
    """Lambda event filtering: no pattern lets everything through; otherwise any one pattern must match."""
    return not patterns or any(_matches(pattern, record) for pattern in patterns)


def _matches(pattern: dict[str, Any], data: Any) -> bool:
    for key, expected in pattern.items():
        value = data.get(key, _ABSENT) if isinstance(data, dict) else _ABSENT
        if isinstance(expected, dict):
            if not _matches(expected, value):
                return False
        elif isinstance(expected, list):
            if not any(_matches_rule(rule, value) for rule in expected):
                return False
        else:
            raise ValueError(f"filter pattern {pattern}: {key!r} must map to a list or an object")
    return True


def _matches_rule(rule: Any, value: Any) -> bool:
    """Equality with a value, or with any element of an array: the patterns this project's mappings use."""
    if isinstance(rule, dict):
        raise NotImplementedError(f"filter rule {rule} is not reproduced locally (only equality is)")
    if isinstance(value, list):
        return rule in value
    return value is not _ABSENT and value == rule


def read_stream(aws_client: Any, stream_name: str) -> list[dict[str, Any]]:
    """Every record in a Kinesis stream, oldest first per shard (for reports and tests)."""
    records: list[dict[str, Any]] = []
    for shard in aws_client.describe_stream(StreamName=stream_name)["StreamDescription"]["Shards"]:
        iterator = aws_client.get_shard_iterator(
            StreamName=stream_name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = aws_client.get_records(ShardIterator=iterator, Limit=1000)
            records.extend(page["Records"])
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    return records


def decode_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(r["Data"]) for r in records]
