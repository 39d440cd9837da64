"""The partial-batch processor gives Powertools' answers: the same events through both, the same results and logs.

:mod:`crypto_advisor.wiring.batch` replaces Powertools' ``BatchProcessor`` in
AnalyzeFunction and NotifyFunction for their cold start. Each case here runs
the library's processor, set up as the handlers had it (a subclass whose
``failure_handler`` calls the telemetry's ``record_failure``), and ours on the
same event with the same record handler, and asserts the same
``batchItemFailures`` (or the same exception), the same failure log lines and
the same metrics.
"""

from __future__ import annotations

import base64
import copy
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError as PowertoolsBatchError

from crypto_advisor.telemetry import analysis as analysis_telemetry
from crypto_advisor.telemetry import notify as notify_telemetry
from crypto_advisor.telemetry.observability import logger, metrics
from crypto_advisor.wiring.batch import BatchProcessingError, EmptyBatchError, EventSource, PartialBatch
from crypto_advisor.wiring.events import CandleUpdateRecord, SignalStreamRecord

EVENTS = Path(__file__).resolve().parents[2] / "events"
KINESIS = json.loads((EVENTS / "analyze-kinesis.json").read_text())
STREAM = json.loads((EVENTS / "notify-dynamodb-stream.json").read_text())


class _Failing(Exception):
    """What a record handler raises for the records a case marks as failing."""


def _kinesis(data: bytes | str, sequence: str) -> dict[str, Any]:
    record = copy.deepcopy(KINESIS["Records"][0])
    record["kinesis"]["sequenceNumber"] = sequence
    record["eventID"] = f"shardId-000000000000:{sequence}"
    record["kinesis"]["data"] = data if isinstance(data, str) else base64.b64encode(data).decode()
    return record


def _update(**changes: Any) -> bytes:
    update = json.loads(base64.b64decode(KINESIS["Records"][0]["kinesis"]["data"]))
    return json.dumps(update | changes).encode()


def _stream(sequence: str, body: str | None = None, series: str | None = None) -> dict[str, Any]:
    record = copy.deepcopy(STREAM["Records"][0])
    record["dynamodb"]["SequenceNumber"] = sequence
    record["eventID"] = f"event-{sequence}"
    image = record["dynamodb"]["NewImage"]
    if body is not None:
        image["body"]["S"] = body
    if series is not None:
        image["series"]["S"] = series
    return record


GOOD_UPDATE = _kinesis(_update(), "101")
FAILING_UPDATE = _kinesis(_update(series="kraken:ETH-USD:1h"), "102")  # the handler raises on ETH
NOT_AN_UPDATE = _kinesis(json.dumps({"schema": "something else"}).encode(), "103")
NOT_JSON = _kinesis(b"{not json", "104")
NOT_BASE64 = _kinesis("%%%not base64%%%", "105")

GOOD_SIGNAL = _stream("201")
FAILING_SIGNAL = _stream("202", body=STREAM["Records"][0]["dynamodb"]["NewImage"]["body"]["S"].replace("BTC", "ETH"))
FAILING_SIGNAL["dynamodb"]["NewImage"]["series"]["S"] = "kraken:ETH-USD:1h"
UNPARSEABLE_SIGNAL = _stream("203", body="{not a signal")
KEY_MISMATCH = _stream("204", series="kraken:SOL-USD:1h")


def _fail_on_eth_update(record: CandleUpdateRecord) -> None:
    if record.kinesis.data.series.startswith("kraken:ETH"):
        raise _Failing(f"storage down for {record.kinesis.data.series}")


def _fail_on_eth_signal(record: SignalStreamRecord) -> None:
    if record.signal.series.startswith("kraken:ETH"):
        raise _Failing(f"SES refused {record.signal.series}")


def _powertools(
    event_type: EventType, model: type, on_failure: Callable[[Any, BaseException | None], None], **options: Any
) -> Callable[[dict[str, Any], Callable[[Any], None]], Any]:
    """The processor as the handlers had it before: Powertools' with a failure_handler that logs."""

    class Reporting(BatchProcessor):
        def failure_handler(self, record, exception):  # type: ignore[no-untyped-def]
            on_failure(record, exception[1])
            return super().failure_handler(record, exception)

    processor = Reporting(event_type=event_type, model=model, **options)
    return lambda event, handler: process_partial_response(event=event, record_handler=handler, processor=processor)


def _ours(
    source: EventSource, model: type, on_failure: Callable[[Any, BaseException], None], **options: Any
) -> Callable[[dict[str, Any], Callable[[Any], None]], Any]:
    processor = PartialBatch(source, model, on_failure=on_failure, **options)
    return processor.process


ANALYZE = {
    "powertools": _powertools(EventType.KinesisDataStreams, CandleUpdateRecord, analysis_telemetry.record_failure),
    "ours": _ours(EventSource.KINESIS, CandleUpdateRecord, analysis_telemetry.record_failure),
}
NOTIFY = {
    "powertools": _powertools(
        EventType.DynamoDBStreams,
        SignalStreamRecord,
        notify_telemetry.record_failure,
        raise_on_entire_batch_failure=False,
    ),
    "ours": _ours(
        EventSource.DYNAMODB_STREAMS,
        SignalStreamRecord,
        notify_telemetry.record_failure,
        raise_on_entire_batch_failure=False,
    ),
}


def _run(process: Callable, event: dict, handler: Callable) -> dict[str, Any]:
    """The processor's answer (or its exception's type and first line), its log lines and its metrics."""
    metrics.clear_metrics()
    # The functions' log lines as Powertools writes them (JSON, one a line), taken from its own handler.
    out = io.StringIO()
    stream = logger.registered_handler.setStream(out)  # type: ignore[attr-defined]
    try:
        answer: Any = process(copy.deepcopy(event), handler)
    except Exception as error:  # noqa: BLE001 - the exception is the answer being compared
        answer = ("raised", type(error).__name__, str(error).splitlines()[0])
    finally:
        logger.registered_handler.setStream(stream)  # type: ignore[attr-defined]
    logged = [json.loads(line) for line in out.getvalue().splitlines()]
    for line in logged:
        line.pop("timestamp", None)
    published = copy.deepcopy(metrics.metric_set)
    metrics.clear_metrics()
    return {"answer": answer, "log": logged, "metrics": published}


ANALYZE_CASES = {
    "all good": [GOOD_UPDATE],
    "handler raises on one": [GOOD_UPDATE, FAILING_UPDATE, GOOD_UPDATE | {"eventID": "x"}],
    "not a CandleUpdate": [GOOD_UPDATE, NOT_AN_UPDATE],
    "malformed JSON and base64": [NOT_JSON, GOOD_UPDATE, NOT_BASE64],
    "every record fails": [FAILING_UPDATE, NOT_AN_UPDATE, NOT_JSON],
}
NOTIFY_CASES = {
    "all good": [GOOD_SIGNAL],
    "handler raises on one": [GOOD_SIGNAL, FAILING_SIGNAL],
    "unparseable signal, key and body disagree": [UNPARSEABLE_SIGNAL, GOOD_SIGNAL, KEY_MISMATCH],
    "every record fails, reported not raised": [FAILING_SIGNAL, UNPARSEABLE_SIGNAL],
}


COMPARED = [
    *((f"kinesis: {name}", ANALYZE, _fail_on_eth_update, records) for name, records in ANALYZE_CASES.items()),
    *((f"dynamodb: {name}", NOTIFY, _fail_on_eth_signal, records) for name, records in NOTIFY_CASES.items()),
]


@pytest.mark.parametrize(("processors", "handler", "records"), [c[1:] for c in COMPARED], ids=[c[0] for c in COMPARED])
def test_batches_get_powertools_answers_logs_and_metrics(processors, handler, records):
    event = {"Records": records}
    assert _run(processors["ours"], event, handler) == _run(processors["powertools"], event, handler)


def test_the_cases_exercise_what_they_name():
    """Guards the comparison above against passing vacuously (both processors failing nothing, logging nothing)."""
    mixed = _run(ANALYZE["ours"], {"Records": ANALYZE_CASES["malformed JSON and base64"]}, _fail_on_eth_update)
    assert mixed["answer"] == {"batchItemFailures": [{"itemIdentifier": "104"}, {"itemIdentifier": "105"}]}
    assert [(line["message"], line["sequence_number"]) for line in mixed["log"]] == [
        ("update failed; the stream will retry the record", "104"),
        ("update failed; the stream will retry the record", "105"),
    ]
    raised = _run(ANALYZE["ours"], {"Records": ANALYZE_CASES["handler raises on one"]}, _fail_on_eth_update)
    assert raised["answer"] == {"batchItemFailures": [{"itemIdentifier": "102"}]}
    assert raised["log"][0]["series"] == "kraken:ETH-USD:1h" and raised["log"][0]["error_type"] == "_Failing"
    signals = _run(NOTIFY["ours"], {"Records": NOTIFY_CASES["unparseable signal, key and body disagree"]}, print)
    assert signals["answer"] == {"batchItemFailures": [{"itemIdentifier": "203"}, {"itemIdentifier": "204"}]}
    assert [line["event_id"] for line in signals["log"]] == ["event-203", "event-204"]
    assert "disagree" in signals["log"][1]["error"]
    assert signals["metrics"]["AlertsFailed"]["Value"] == [1.0, 1.0]


def test_a_kinesis_batch_that_fails_entirely_raises_as_powertools_does():
    records = {"Records": ANALYZE_CASES["every record fails"]}
    with pytest.raises(PowertoolsBatchError) as theirs:
        ANALYZE["powertools"](copy.deepcopy(records), _fail_on_eth_update)
    with pytest.raises(BatchProcessingError) as ours:
        ANALYZE["ours"](copy.deepcopy(records), _fail_on_eth_update)
    assert type(ours.value).__name__ == type(theirs.value).__name__
    assert str(ours.value).splitlines()[0] == str(theirs.value).splitlines()[0]
    assert "All records failed processing. 3 individual errors" in str(ours.value)
    assert "storage down for kraken:ETH-USD:1h" in str(ours.value)


@pytest.mark.parametrize("event", [{"Records": []}, {}, {"Records": "not a list"}], ids=["empty", "none", "not a list"])
def test_an_event_without_records_is_refused_by_both(event):
    with pytest.raises(PowertoolsBatchError):
        ANALYZE["powertools"](event, _fail_on_eth_update)
    with pytest.raises(EmptyBatchError, match="non-empty 'Records' list"):
        ANALYZE["ours"](event, _fail_on_eth_update)
    with pytest.raises(EmptyBatchError):
        NOTIFY["ours"](event, _fail_on_eth_signal)
