"""The shards an event source mapping reads: how to read each kind of stream, and how Lambda shows its records.

The delivery loop (:mod:`crypto_advisor.local.event_sources`) is the same for
Kinesis and DynamoDB streams; what differs is the read API, the sequence
number, the event record shape, what filter patterns see and what goes to the
on-failure destination. Each :class:`Shard` holds those differences, so the
handlers receive exactly the event shape Lambda delivers.
"""

from __future__ import annotations

import base64
import contextlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any, ClassVar, Protocol

from crypto_advisor.local.stack import ACCOUNT, REGION


class Shard(Protocol):
    """One shard of a stream an event source mapping reads: how to read it and how Lambda shows its records."""

    #: The boto3 client that reads this kind of stream.
    service: ClassVar[str]
    #: What names this kind of stream in an event source ARN.
    arn_marker: ClassVar[str]

    mapping: dict[str, Any]
    shard_id: str

    @classmethod
    def all_of(cls, client: Any, mapping: dict[str, Any]) -> list[Shard]:
        """Every shard of the stream ``mapping`` reads."""
        ...

    def read(self, after: str | None, limit: int) -> list[dict[str, Any]]: ...
    def sequence_number(self, record: dict[str, Any]) -> str: ...
    def event_record(self, record: dict[str, Any]) -> dict[str, Any]: ...
    def filter_view(self, record: dict[str, Any]) -> dict[str, Any]: ...
    def batch_info(self, records: list[dict[str, Any]]) -> dict[str, Any]: ...


@dataclass
class StreamShard(Shard):
    """What reading a shard takes on either API: the two differ only in how they name the stream and a position."""

    #: The ``GetShardIterator`` argument that carries the sequence number to read after.
    after_argument: ClassVar[str]

    client: Any
    mapping: dict[str, Any]
    shard_id: str

    @staticmethod
    def stream_argument(mapping: dict[str, Any]) -> dict[str, str]:
        """How this API names the stream of ``mapping`` (``StreamName`` or ``StreamArn``)."""
        raise NotImplementedError

    @classmethod
    def all_of(cls, client: Any, mapping: dict[str, Any]) -> list[Shard]:
        stream = client.describe_stream(**cls.stream_argument(mapping))
        return [cls(client, mapping, shard["ShardId"]) for shard in stream["StreamDescription"]["Shards"]]

    def read(self, after: str | None, limit: int) -> list[dict[str, Any]]:
        position = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", self.after_argument: after}
            if after
            else {"ShardIteratorType": self.mapping.get("StartingPosition", "TRIM_HORIZON")}
        )
        iterator = self.client.get_shard_iterator(
            **self.stream_argument(self.mapping), ShardId=self.shard_id, **position
        )
        return self.client.get_records(ShardIterator=iterator["ShardIterator"], Limit=limit)["Records"]


class KinesisShard(StreamShard):
    service: ClassVar[str] = "kinesis"
    arn_marker: ClassVar[str] = ":kinesis:"
    after_argument: ClassVar[str] = "StartingSequenceNumber"

    @staticmethod
    def stream_argument(mapping: dict[str, Any]) -> dict[str, str]:
        return {"StreamName": mapping["EventSourceArn"].rsplit("/", 1)[-1]}

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


class DynamoDBStreamShard(StreamShard):
    service: ClassVar[str] = "dynamodbstreams"
    arn_marker: ClassVar[str] = ":dynamodb:"
    after_argument: ClassVar[str] = "SequenceNumber"

    @staticmethod
    def stream_argument(mapping: dict[str, Any]) -> dict[str, str]:
        return {"StreamArn": mapping["EventSourceArn"]}

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
                dynamodb[image] = {name: wire_value(value) for name, value in change[image].items()}
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


def wire_value(value: dict[str, Any]) -> dict[str, Any]:
    """An attribute value as JSON carries it (boto3 hands binary values over decoded; the event has base64)."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(v).decode() for v in inner]}
    if kind == "M":
        return {"M": {k: wire_value(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [wire_value(v) for v in inner]}
    return {kind: inner}
