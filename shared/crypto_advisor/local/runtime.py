"""Calls the real handlers in-process, wired exactly as the embedded stack says.

For each function the runtime reads, from the embedded Lambda API, the
configuration CloudFormation gave it and its event source mappings, and, from
the embedded EventBridge, the schedule rules that target it; then it plays the
part of the Lambda service: a scheduled invocation gets the event EventBridge
would deliver, and stream records reach the function in the batches Lambda's
pollers would make. The parts live beside it: :mod:`.invoker` (loading and
calling a handler), :mod:`.schedules`, :mod:`.event_sources` with
:mod:`.shards` and :mod:`.filters`, and :mod:`.stream_records`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from crypto_advisor.local.custom_resources import create_custom_resource
from crypto_advisor.local.event_sources import EventSources
from crypto_advisor.local.invoker import FunctionInvoker, LocalContext, environment
from crypto_advisor.local.schedules import rules_targeting, scheduled_event
from crypto_advisor.local.shards import DynamoDBStreamShard, KinesisShard
from crypto_advisor.local.stack import ACCOUNT, Stack
from crypto_advisor.local.stream_records import decode_records, read_stream

__all__ = ["ACCOUNT", "LocalContext", "LocalRuntime", "decode_records", "environment", "read_stream"]


class LocalRuntime:
    """The Lambda service of the embedded stack: invocations, schedules and stream event sources."""

    def __init__(self, stack: Stack, *, repo_root: Path, log_dir: Path | None = None) -> None:
        self.stack = stack
        self._functions = FunctionInvoker(stack, repo_root=repo_root, log_dir=log_dir)
        self._sources = EventSources(stack, self.invoke)
        self._events = stack.aws.client("events")
        for resource in stack.custom_resources:
            create_custom_resource(self, resource)

    @property
    def repo_root(self) -> Path:
        return self._functions.repo_root

    @property
    def log_dir(self) -> Path | None:
        return self._functions.log_dir

    @property
    def parked(self) -> list[dict[str, Any]]:
        """Batches an event source mapping gave up on (also sent to its on-failure queue), as in Lambda."""
        return self._sources.parked

    def function_name(self, logical_id: str) -> str:
        return self.stack.physical_ids[logical_id]

    def configuration(self, logical_id: str) -> dict[str, Any]:
        return self._functions.configuration(logical_id)

    def function_environment(self, logical_id: str) -> dict[str, str]:
        return self._functions.function_environment(logical_id)

    def invoke(self, logical_id: str, event: dict[str, Any], **collaborators: Any) -> Any:
        """Call the handler as Lambda would; ``collaborators`` are passed through (e.g. ``sources=``)."""
        return self._functions.invoke(logical_id, event, **collaborators)

    def schedule_rules(self, logical_id: str) -> list[dict[str, Any]]:
        return rules_targeting(self._events, self.configuration(logical_id)["FunctionArn"])

    def scheduled_event(self, logical_id: str, at: datetime) -> dict[str, Any]:
        """The envelope an EventBridge ``Schedule`` rule delivers at time ``at``."""
        return scheduled_event(logical_id, self.schedule_rules(logical_id), at)

    def tick(self, logical_id: str, at: datetime, **collaborators: Any) -> Any:
        """One scheduled invocation at ``at``, as EventBridge would make it."""
        return self.invoke(logical_id, self.scheduled_event(logical_id, at), **collaborators)

    def event_source_mappings(self, logical_id: str) -> list[dict[str, Any]]:
        return self._sources.mappings(logical_id)

    def deliver_kinesis(
        self, logical_id: str, *, max_invocations: int | None = None, **collaborators: Any
    ) -> list[dict[str, Any]]:
        """Feed every new Kinesis record to the function as its event source mapping would.

        See :class:`~crypto_advisor.local.event_sources.EventSources` for the delivery semantics.
        Returns what each invocation returned.
        """
        return self._sources.deliver(logical_id, KinesisShard, max_invocations, collaborators)

    def deliver_sqs(
        self, logical_id: str, *, max_invocations: int | None = None, **collaborators: Any
    ) -> list[dict[str, Any]]:
        """Feed the SQS queues the function is mapped to until they are empty (see ``EventSources.deliver_queue``)."""
        return self._sources.deliver_queue(logical_id, max_invocations, collaborators)

    def deliver_dynamodb_streams(
        self, logical_id: str, *, max_invocations: int | None = None, **collaborators: Any
    ) -> list[dict[str, Any]]:
        """Feed every new record of the DynamoDB streams the function is mapped to, as Lambda would.

        The table is the one the event source mapping names; records are read
        through the DynamoDB Streams API and delivered in Lambda's DynamoDB
        event shape, after the mapping's ``FilterCriteria``. Returns what each invocation returned.
        """
        return self._sources.deliver(logical_id, DynamoDBStreamShard, max_invocations, collaborators)
