"""Calls the real handlers in-process, wired exactly as the embedded stack says.

For each function the runtime reads, from the embedded Lambda API, the
configuration CloudFormation gave it (environment variables with every
``!Ref`` resolved) and, from the embedded EventBridge, the schedule rules that
target it. A scheduled invocation gets the event EventBridge would deliver.
The handler module is loaded from the function's ``CodeUri`` folder and called
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
from typing import Any

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
        props = self.stack.sam_template["Resources"][logical_id]["Properties"]
        module_name, _, attribute = props.get("Handler", "app.lambda_handler").rpartition(".")
        module = self._modules.get(logical_id)
        if module is None:
            path = self.repo_root / props["CodeUri"] / f"{module_name.replace('.', '/')}.py"
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

    def deliver_kinesis(self, logical_id: str, **collaborators: Any) -> list[dict[str, Any]]:
        """Feed every new Kinesis record to the function as its event source mapping would.

        Batches of ``BatchSize`` records in the exact event shape Lambda
        delivers; with ``ReportBatchItemFailures`` the checkpoint stops at the
        first failed record and the batch is retried from there, at most
        ``MaximumRetryAttempts`` times, after which the batch's records are
        recorded in :attr:`parked` (the on-failure destination) and skipped.
        Returns what each invocation returned.
        """
        results = []
        for mapping in self.event_source_mappings(logical_id):
            arn = mapping["EventSourceArn"]
            if ":kinesis:" not in arn:
                continue
            stream = arn.rsplit("/", 1)[-1]
            kinesis = self.stack.aws.client("kinesis")
            for shard in kinesis.describe_stream(StreamName=stream)["StreamDescription"]["Shards"]:
                results.extend(self._drain_shard(logical_id, mapping, kinesis, stream, shard["ShardId"], collaborators))
        return results

    def _drain_shard(self, logical_id, mapping, kinesis, stream, shard_id, collaborators) -> list[dict[str, Any]]:
        key = (mapping["UUID"], shard_id)
        results = []
        retries_left = mapping.get("MaximumRetryAttempts", 10_000)
        report_failures = "ReportBatchItemFailures" in mapping.get("FunctionResponseTypes", [])
        while True:
            after = self._checkpoints.get(key)
            position = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": after}
                if after
                else {"ShardIteratorType": mapping.get("StartingPosition", "TRIM_HORIZON")}
            )
            iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard_id, **position)["ShardIterator"]
            records = kinesis.get_records(ShardIterator=iterator, Limit=mapping.get("BatchSize", 100))["Records"]
            if not records:
                return results
            event = {"Records": [self._kinesis_record(mapping, shard_id, r) for r in records]}
            try:
                response = self.invoke(logical_id, event, **collaborators) or {}
                failed = [f["itemIdentifier"] for f in response.get("batchItemFailures", [])] if report_failures else []
            except Exception:  # noqa: BLE001 - a function error fails the whole batch, as in Lambda
                response, failed = {"error": "function error"}, [r["SequenceNumber"] for r in records]
            results.append(response)
            sequence_numbers = [r["SequenceNumber"] for r in records]
            if not failed:
                self._checkpoints[key] = sequence_numbers[-1]
                retries_left = mapping.get("MaximumRetryAttempts", 10_000)
                continue
            first_failed = min(sequence_numbers.index(s) for s in failed if s in sequence_numbers)
            if first_failed > 0:
                self._checkpoints[key] = sequence_numbers[first_failed - 1]
            if retries_left <= 0:
                self._park(mapping, logical_id, shard_id, sequence_numbers[first_failed:])
                self._checkpoints[key] = sequence_numbers[-1]
                retries_left = mapping.get("MaximumRetryAttempts", 10_000)
            else:
                retries_left -= 1

    def _park(self, mapping: dict[str, Any], logical_id: str, shard_id: str, sequence_numbers: list[str]) -> None:
        """What Lambda sends to the on-failure destination: which records of which shard were given up."""
        note = {
            "requestContext": {"condition": "RetryAttemptsExhausted", "functionArn": mapping["FunctionArn"]},
            "KinesisBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": sequence_numbers[0],
                "endSequenceNumber": sequence_numbers[-1],
                "batchSize": len(sequence_numbers),
                "streamArn": mapping["EventSourceArn"],
            },
        }
        self.parked.append({"function": logical_id, **note})
        destination = mapping.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination", "")
        if ":sqs:" in destination:
            sqs = self.stack.aws.client("sqs")
            url = sqs.get_queue_url(QueueName=destination.rsplit(":", 1)[-1])["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(note))

    def _kinesis_record(self, mapping: dict[str, Any], shard_id: str, record: dict[str, Any]) -> dict[str, Any]:
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
            "eventID": f"{shard_id}:{record['SequenceNumber']}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/local",
            "awsRegion": REGION,
            "eventSourceARN": mapping["EventSourceArn"],
        }

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
