"""The event models read every event as Powertools' parser models do: the same values, the same errors.

:mod:`crypto_advisor.wiring.events` and :mod:`crypto_advisor.wiring.schedule`
write out Powertools' ``KinesisDataStreamRecord``, ``DynamoDBStreamRecordModel``
and ``EventBridgeModel`` so that the functions do not import Powertools' parser
at their cold start. Each case validates one event with the models as they
were (subclasses of Powertools' models, as ``wiring/events.py`` had them) and
with ours, and asserts equal values, or equal errors.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import (
    DynamoDBStreamChangedRecordModel,
    DynamoDBStreamRecordModel,
    EventBridgeModel,
    KinesisDataStreamRecord,
    KinesisDataStreamRecordPayload,
)
from pydantic import BaseModel, Json, ValidationError

from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.wiring import events
from crypto_advisor.wiring.schedule import ScheduledEvent

EVENTS = Path(__file__).resolve().parents[2] / "events"


class _Powertools:
    """The record models as they were: Powertools' parser models with our payloads."""

    class CandleUpdatePayload(KinesisDataStreamRecordPayload):
        data: Json[CandleUpdate]

    class CandleUpdateRecord(KinesisDataStreamRecord):
        kinesis: _Powertools.CandleUpdatePayload

    class SignalChange(DynamoDBStreamChangedRecordModel):
        NewImage: events.SignalImage

    class SignalStreamRecord(DynamoDBStreamRecordModel):
        dynamodb: _Powertools.SignalChange


_Powertools.CandleUpdateRecord.model_rebuild(_types_namespace={"_Powertools": _Powertools})
_Powertools.SignalStreamRecord.model_rebuild(_types_namespace={"_Powertools": _Powertools})


def _outcome(model: type[BaseModel], event: Any, *, title: bool = True) -> Any:
    """The validated values, or the error: its message (naming the model) or, ``title=False``, its items."""
    try:
        return ("ok", model.model_validate(event).model_dump(by_alias=True))
    except ValidationError as error:
        if title:
            return ("invalid", str(error))
        return ("invalid", [(e["type"], e["loc"], e["msg"]) for e in error.errors()])
    except Exception as error:  # noqa: BLE001 - an error a validator raises unwrapped is an answer too
        return ("raised", type(error).__name__, str(error))


def _load(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


KINESIS = _load("analyze-kinesis.json")["Records"][0]
STREAM = _load("notify-dynamodb-stream.json")["Records"][0]


def _changed(record: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy with the value at ``path`` replaced (``...`` removes the key)."""
    changed = copy.deepcopy(record)
    *parents, last = path
    target = changed
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return changed


def _data(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


KINESIS_CASES = {
    "the events file": KINESIS,
    "not a CandleUpdate": _changed(KINESIS, ("kinesis", "data"), _data(b'{"schema": "something else"}')),
    "not JSON": _changed(KINESIS, ("kinesis", "data"), _data(b"{not json")),
    "not base64": _changed(KINESIS, ("kinesis", "data"), "%%%not base64%%%"),
    "data not a string": _changed(KINESIS, ("kinesis", "data"), 12),
    "no eventID": _changed(KINESIS, ("eventID",), ...),
    "another source": _changed(KINESIS, ("eventSource",), "aws:sqs"),
    "no sequence number": _changed(KINESIS, ("kinesis", "sequenceNumber"), ...),
}
_BODY = STREAM["dynamodb"]["NewImage"]["body"]["S"]
STREAM_CASES = {
    "the events file": STREAM,
    "an unparseable signal": _changed(STREAM, ("dynamodb", "NewImage", "body", "S"), "{not a signal"),
    "key and body disagree": _changed(STREAM, ("dynamodb", "NewImage", "series", "S"), "kraken:SOL-USD:1h"),
    "no new image": _changed(STREAM, ("dynamodb", "NewImage"), ...),
    "an unknown attribute type": _changed(STREAM, ("dynamodb", "NewImage", "ts"), {"X": "1"}),
    "a removal": _changed(STREAM, ("eventName",), "REMOVE"),
    "an unknown event name": _changed(STREAM, ("eventName",), "UPSERT"),
    "with the stream's identity": _changed(
        STREAM, ("userIdentity",), {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    ),
    "a bad identity": STREAM | {"userIdentity": {"type": "User", "principalId": "me"}},
    "with an old image": _changed(STREAM, ("dynamodb", "OldImage"), STREAM["dynamodb"]["NewImage"]),
}
SCHEDULE = _load("ingest-schedule.json")
SCHEDULE_CASES = {
    "ingest-schedule.json": SCHEDULE,
    "news-schedule.json": _load("news-schedule.json"),
    "digest-schedule.json": _load("digest-schedule.json"),
    "EventBridge Scheduler's empty detail": SCHEDULE | {"source": "aws.scheduler", "detail": "{}"},
    "a replay": SCHEDULE | {"replay-name": "replay-1"},
    "no time": _changed(SCHEDULE, ("time",), ...),
    "a time that is not one": SCHEDULE | {"time": "yesterday"},
    "no detail-type": _changed(SCHEDULE, ("detail-type",), ...),
}


@pytest.mark.parametrize("record", KINESIS_CASES.values(), ids=KINESIS_CASES.keys())
def test_a_kinesis_record_reads_as_with_powertools_models(record):
    assert _outcome(events.CandleUpdateRecord, record) == _outcome(_Powertools.CandleUpdateRecord, record)


@pytest.mark.parametrize("record", STREAM_CASES.values(), ids=STREAM_CASES.keys())
def test_a_signals_stream_record_reads_as_with_powertools_models(record):
    assert _outcome(events.SignalStreamRecord, record) == _outcome(_Powertools.SignalStreamRecord, record)


@pytest.mark.parametrize("event", SCHEDULE_CASES.values(), ids=SCHEDULE_CASES.keys())
def test_a_schedule_event_reads_as_with_powertools_eventbridge_model(event):
    # The model's name differs (it is in pydantic's message), so the errors are compared item by item.
    assert _outcome(ScheduledEvent, event, title=False) == _outcome(EventBridgeModel, event, title=False)


def test_the_cases_exercise_what_they_name():
    """Guards the comparisons above against passing vacuously."""
    assert _outcome(events.CandleUpdateRecord, KINESIS)[0] == "ok"
    assert "base64 decode failed" in _outcome(events.CandleUpdateRecord, KINESIS_CASES["not base64"])[1]
    assert "Invalid JSON" in _outcome(events.CandleUpdateRecord, KINESIS_CASES["not JSON"])[1]
    assert _outcome(events.SignalStreamRecord, STREAM)[1]["dynamodb"]["NewImage"]["ts"] == 1793394000000
    assert "disagree" in _outcome(events.SignalStreamRecord, STREAM_CASES["key and body disagree"])[1]
    assert _outcome(events.SignalStreamRecord, STREAM_CASES["an unknown attribute type"])[0] == "raised"
    scheduled = ScheduledEvent.model_validate(SCHEDULE)
    assert scheduled.detail_type == "Scheduled Event" and scheduled.time.tzinfo is not None
    assert _outcome(ScheduledEvent, SCHEDULE_CASES["no time"], title=False)[1][0][:2] == ("missing", ("time",))
