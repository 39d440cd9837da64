"""TrainFunction fanned out on the embedded AWS: the scheduled run plans, the queue's mapping trains, one report.

The stack is created with ``TrainInlineSeries=1``, so three watched series fan
out into three tasks on TrainQueue; the local runtime delivers them as the
queue's event source mapping would (``LocalRuntime.deliver_sqs``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from crypto_advisor.adapters.archive import CandleArchive
from crypto_advisor.contracts.series import Series
from crypto_advisor.wiring.models import model_store
from tests.integration.test_train_function import SMALL, simulated

WATCHLIST = """
defaults: {timeframe: 1h}
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD}
  - {source: kraken, symbol: SOL/USD}
"""
BTC, ETH, SOL = (Series.parse(f"kraken:{coin}-USD:1h") for coin in ("BTC", "ETH", "SOL"))


def queue_url(deployed, logical_id: str) -> str:
    return deployed.stack.physical_ids[logical_id]


def visible(deployed, logical_id: str) -> int:
    sqs = deployed.aws.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url(deployed, logical_id), AttributeNames=["All"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_a_large_watchlist_is_trained_task_by_task_and_reported_once(deploy_stack):
    # Given three watched series: BTC with 1,500 archived candles, ETH with 60 (too few), SOL with none
    deployed = deploy_stack(TrainInlineSeries="1")
    deployed.upload_watchlist(WATCHLIST)
    s3 = deployed.aws.client("s3")
    candles = simulated(1_500)
    CandleArchive(s3, deployed.bucket).put(BTC, candles)
    CandleArchive(s3, deployed.bucket).put(ETH, candles[-60:])
    at = datetime.fromtimestamp(candles[-1].ts / 1000, tz=UTC) + timedelta(hours=1, minutes=5)

    # When the daily schedule fires: more series than TrainInlineSeries, so it plans instead of training
    planned = deployed.runtime.tick("TrainFunction", at, config=SMALL)
    run_ms = int(at.timestamp() * 1000)
    assert planned == {"run_ms": run_ms, "mode": "fanned_out", "series": 3, "tasks": 3}
    assert visible(deployed, "TrainQueue") == 3
    plan = json.loads(s3.get_object(Bucket=deployed.bucket, Key=f"reports/train/{run_ms}/plan.json")["Body"].read())
    assert plan["series"] == [["kraken:BTC-USD:1h"], ["kraken:ETH-USD:1h"], ["kraken:SOL-USD:1h"]]

    # And the queue's mapping delivers the tasks, one an invocation
    answers = deployed.runtime.deliver_sqs("TrainFunction", config=SMALL)

    # Then every task succeeded, the queue is empty, and one report says what was trained, skipped and why
    assert answers == [{"batchItemFailures": []}] * 3
    assert visible(deployed, "TrainQueue") == 0
    key = f"reports/train/{run_ms}/report.json"
    report = json.loads(s3.get_object(Bucket=deployed.bucket, Key=key)["Body"].read())
    assert report["trained"] == ["kraken:BTC-USD:1h"]
    assert [(s["series"], s["status"]) for s in report["skipped"]] == [
        ("kraken:ETH-USD:1h", "too_little_history"),
        ("kraken:SOL-USD:1h", "no_candles"),
    ]
    assert report["failed"] == [] and report["chunks"] == 3
    # And BTC's model is served, named by the run's time, as an inline run would have named it
    pointer = model_store(s3, deployed.bucket).latest_pointer(BTC)
    assert pointer is not None and str(run_ms) in json.dumps(pointer)


def test_a_message_that_is_not_a_task_is_retried_then_dead_lettered_and_the_others_are_untouched(deploy_stack):
    deployed = deploy_stack(TrainInlineSeries="1")
    deployed.upload_watchlist(WATCHLIST)
    sqs = deployed.aws.client("sqs")
    # Given a stray message on the training queue
    sqs.send_message(QueueUrl=queue_url(deployed, "TrainQueue"), MessageBody='{"schema": "something else"}')
    # When the mapping delivers it
    answers = deployed.runtime.deliver_sqs("TrainFunction", config=SMALL)
    # Then each delivery reported it failed, and after the queue's three receives it sits in the dead-letter queue
    assert len(answers) == 3 and all(len(a["batchItemFailures"]) == 1 for a in answers)
    assert visible(deployed, "TrainQueue") == 0
    assert visible(deployed, "TrainDeadLetterQueue") == 1
    # And the failure was logged with what is wrong
    lines = [json.loads(line) for line in (deployed.runtime.log_dir / "TrainFunction.log").read_text().splitlines()]
    assert any(
        line.get("message") == "training task failed" and "crypto-advisor/training-task" in line["error"]
        for line in lines
    )


def test_series_an_inline_run_has_no_time_for_are_handed_to_the_queue_and_reported_by_its_tasks(deploy_stack):
    # Given three series, few enough to train inline, in a TrainFunction left 61 s: the 60 s handoff reserve and
    # not twice BTC's estimate (1,500 candles at the first series' guess of 10 ms a candle) - a stand-in for an
    # invocation the scans' fit and grown archives have used up
    deployed = deploy_stack()
    deployed.upload_watchlist(WATCHLIST)
    functions = deployed.aws.client("lambda")
    functions.update_function_configuration(FunctionName=deployed.stack.physical_ids["TrainFunction"], Timeout=61)
    s3 = deployed.aws.client("s3")
    candles = simulated(1_500)
    # BTC with a history to train on; ETH and SOL with too little (their tasks are quick, and say so)
    CandleArchive(s3, deployed.bucket).put(BTC, candles)
    for series in (ETH, SOL):
        CandleArchive(s3, deployed.bucket).put(series, candles[-60:])
    at = datetime.fromtimestamp(candles[-1].ts / 1000, tz=UTC) + timedelta(hours=1, minutes=5)

    # When the daily schedule fires
    answer = deployed.runtime.tick("TrainFunction", at, config=SMALL)
    run_ms = int(at.timestamp() * 1000)

    # Then no series is trained inline: each is handed to the queue, a task each
    assert [s["status"] for s in answer["series"]] == ["deferred"] * 3
    assert answer["handed_to_queue"] == {"run_ms": run_ms, "mode": "fanned_out", "series": 3, "tasks": 3}
    assert visible(deployed, "TrainQueue") == 3
    # And the queue's mapping works the tasks, which train BTC, and the run's report covers them all
    assert deployed.runtime.deliver_sqs("TrainFunction", config=SMALL) == [{"batchItemFailures": []}] * 3
    report = json.loads(s3.get_object(Bucket=deployed.bucket, Key=f"reports/train/{run_ms}/report.json")["Body"].read())
    assert report["trained"] == ["kraken:BTC-USD:1h"] and report["failed"] == []
    assert [(s["series"], s["status"]) for s in report["skipped"]] == [
        ("kraken:ETH-USD:1h", "too_little_history"),
        ("kraken:SOL-USD:1h", "too_little_history"),
    ]
    assert model_store(s3, deployed.bucket).latest_pointer(BTC) is not None
    # And the same scheduled event delivered again hands nothing on a second time (its plan exists)
    again = deployed.runtime.tick("TrainFunction", at, config=SMALL)
    assert "handed_to_queue" not in again and visible(deployed, "TrainQueue") == 0
