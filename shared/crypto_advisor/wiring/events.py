"""The events as Lambda delivers them, validated at the edge by Powertools' batch processor.

Kept out of ``contracts`` so that the contracts (and everything under them) never import Powertools:
only the handlers, the telemetry and this composition root do.

**AnalyzeFunction** reads Kinesis records whose base64 ``data`` is a
:class:`~crypto_advisor.contracts.candle_update.CandleUpdate`
(:class:`CandleUpdateRecord`), so a malformed one fails alone.

**NotifyFunction** reads one DynamoDB stream record of the Signals table per new Signal.

The table's stream carries new images (``StreamViewType: NEW_IMAGE``) of the
items :class:`~crypto_advisor.adapters.signal_store.SignalStore` writes: the
key (``series``, ``ts``) and the whole Signal as JSON in ``body``. Powertools'
batch processor validates each record against :class:`SignalStreamRecord`, so
a record without a parseable Signal fails alone, with pydantic's message
naming the field, and never reaches the notifier.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser.models import (
    DynamoDBStreamChangedRecordModel,
    DynamoDBStreamRecordModel,
    KinesisDataStreamRecord,
    KinesisDataStreamRecordPayload,
)
from pydantic import BaseModel, ConfigDict, Json, model_validator

from crypto_advisor.contracts.candle_update import CandleUpdate
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


class SignalChange(DynamoDBStreamChangedRecordModel):
    NewImage: SignalImage


class SignalStreamRecord(DynamoDBStreamRecordModel):
    dynamodb: SignalChange

    @property
    def signal(self) -> Signal:
        return self.dynamodb.NewImage.body


class CandleUpdatePayload(KinesisDataStreamRecordPayload):
    data: Json[CandleUpdate]


class CandleUpdateRecord(KinesisDataStreamRecord):
    """A Kinesis event record whose base64 ``data`` is a CandleUpdate (Powertools decodes and validates it)."""

    kinesis: CandleUpdatePayload
