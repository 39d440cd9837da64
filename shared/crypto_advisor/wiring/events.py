"""The streams' records as Lambda delivers them, validated at the edge by the partial-batch processor.

Kept out of ``contracts`` so that the contracts (and everything under them) never import Powertools:
only the handlers, the telemetry and this composition root do.

**AnalyzeFunction** reads Kinesis records whose base64 ``data`` is a
:class:`~crypto_advisor.contracts.candle_update.CandleUpdate`
(:class:`CandleUpdateRecord`), so a malformed one fails alone.

**NotifyFunction** reads one DynamoDB stream record of the Signals table per new Signal.

The table's stream carries new images (``StreamViewType: NEW_IMAGE``) of the
items :class:`~crypto_advisor.adapters.signal_store.SignalStore` writes: the
key (``series``, ``ts``) and the whole Signal as JSON in ``body``. The batch
processor validates each record against :class:`SignalStreamRecord`, so
a record without a parseable Signal fails alone, with pydantic's message
naming the field, and never reaches the notifier.

These models are Powertools' parser models (``KinesisDataStreamRecord``,
``DynamoDBStreamRecordModel``) written out with the same fields, types and
decoding (the base64 of a Kinesis record's data, DynamoDB's attribute values
through Powertools' own deserializer), without their descriptions and examples:
importing Powertools' parser cost every cold start about 45 ms of CPU (its
parse function, a module per event source), where these few classes cost a
few. ``tests/unit/test_event_models.py`` validates the event files and
malformed variants with both and asserts the same values and the same errors.
The schedule's event is :mod:`.schedule`'s.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any, Literal

from aws_lambda_powertools.shared.dynamodb_deserializer import TypeDeserializer
from pydantic import BaseModel, ConfigDict, Json, field_validator, model_validator

from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal


class SignalImage(BaseModel):
    """The Signals item as the stream shows it (after Powertools turned attribute values into Python)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    series: str
    ts: int
    body: Json[Signal]

    @model_validator(mode="after")
    def _key_matches_body(self) -> SignalImage:
        if (self.series, self.ts) != (self.body.series, self.body.candle_ts):
            raise ValueError(
                f"item key ({self.series}, {self.ts}) and its signal ({self.body.series}, {self.body.candle_ts}) "
                "disagree"
            )
        return self


_DESERIALIZER = TypeDeserializer()


class SignalChange(BaseModel):
    """A DynamoDB stream record's change, its attribute values made Python (Powertools' deserializer)."""

    ApproximateCreationDateTime: datetime | None = None
    Keys: dict[str, Any]
    NewImage: SignalImage
    OldImage: dict[str, Any] | None = None
    SequenceNumber: str
    SizeBytes: int
    StreamViewType: Literal["NEW_AND_OLD_IMAGES", "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE"]

    @field_validator("Keys", "NewImage", "OldImage", mode="before")
    @classmethod
    def _deserialize(cls, value: Any) -> Any:
        return {k: _DESERIALIZER.deserialize(v) for k, v in value.items()}


class StreamIdentity(BaseModel):
    type: Literal["Service"]
    principalId: Literal["dynamodb.amazonaws.com"]


class SignalStreamRecord(BaseModel):
    """One record of the Signals table's stream (Powertools' ``DynamoDBStreamRecordModel`` fields)."""

    eventID: str
    eventName: Literal["INSERT", "MODIFY", "REMOVE"]
    eventVersion: float
    eventSource: Literal["aws:dynamodb"]
    awsRegion: str
    eventSourceARN: str
    dynamodb: SignalChange
    userIdentity: StreamIdentity | None = None

    @property
    def signal(self) -> Signal:
        return self.dynamodb.NewImage.body


class CandleUpdatePayload(BaseModel):
    kinesisSchemaVersion: str
    partitionKey: str
    sequenceNumber: str
    data: Json[CandleUpdate]
    approximateArrivalTimestamp: float

    @field_validator("data", mode="before")
    @classmethod
    def _base64(cls, value: Any) -> bytes:
        try:
            return base64.b64decode(value)
        except (binascii.Error, TypeError):
            raise ValueError("base64 decode failed - is this base64 encoded string?") from None


class CandleUpdateRecord(BaseModel):
    """A Kinesis event record whose base64 ``data`` is a CandleUpdate (Powertools' ``KinesisDataStreamRecord``)."""

    eventSource: Literal["aws:kinesis"]
    eventVersion: str
    eventID: str
    eventName: Literal["aws:kinesis:record"]
    invokeIdentityArn: str
    awsRegion: str
    eventSourceARN: str
    kinesis: CandleUpdatePayload


def update_coins(event: dict[str, Any]) -> set[str]:
    """The coins (base assets) of a Kinesis batch's updates, read before the records are handled one by one.

    AnalyzeFunction reads the news summaries of all of them in one request. A
    record that does not parse is left out here: the partial-batch processor
    fails it on its own.
    """
    coins: set[str] = set()
    for record in event.get("Records") or ():
        try:
            update = CandleUpdate.model_validate_json(base64.b64decode(record["kinesis"]["data"]))
            coins.add(Series.parse(update.series).base)
        except (KeyError, TypeError, ValueError, binascii.Error):
            continue
    return coins
