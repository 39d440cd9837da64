"""IngestFunction fanned out on the embedded AWS: the tick plans, the per-source queues' mappings fetch, isolated.

The stack is created with ``IngestInlineSeconds=0`` (no due work fits inline, so every source with due
series fans out) and ``IngestKrakenConcurrency=60`` (each Kraken worker then waits 60 s between calls, so a
chunk of 120 s holds two series): four Kraken series make two chunks. The local runtime delivers the
queues as their event source mappings would (``LocalRuntime.deliver_sqs``).
"""

from __future__ import annotations

import json
from datetime import timedelta

from crypto_advisor.contracts.ingest_chunk import IngestChunk
from crypto_advisor.local.market import SimulatedMarket, simulated_sources
from tests.conftest import REPO
from tests.integration.test_ingest_function import EVENT, EVENT_MS, EVENT_TIME, HOUR, event_at, stored_ts
from tests.integration.test_train_fan_out import visible

WATCHLIST = """
defaults: {timeframe: 1h, backfill_candles: 48}
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: LUNA/USD}
  - {source: kraken, symbol: ETH/USD}
  - {source: kraken, symbol: SOL/USD}
  - {source: coingecko, symbol: HYPE/USD, coingecko_id: hyperliquid}
"""
FAN_OUT = {"IngestInlineSeconds": "0", "IngestKrakenConcurrency": "60"}
QUEUES = ("IngestKrakenQueue", "IngestCoingeckoQueue", "IngestDeadLetterQueue")


def log_lines(deployed, logical_id: str) -> list[dict]:
    path = deployed.runtime.log_dir / f"{logical_id}.log"
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def invocations(deployed) -> list[dict]:
    path = deployed.runtime.log_dir / "invocations.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def queued(deployed) -> dict[str, int]:
    return {q: visible(deployed, q) for q in QUEUES}


def test_a_tick_too_large_to_run_inline_is_fetched_chunk_by_chunk_and_a_failing_series_stops_no_other(deploy_stack):
    # Given five due series, one of them (LUNA) a pair the exchange does not list
    deployed = deploy_stack(**FAN_OUT)
    deployed.upload_watchlist(WATCHLIST)
    sources = simulated_sources(SimulatedMarket(seed=11))

    # When the schedule fires: nothing fits inline, so the run plans and queues instead of fetching
    planned = deployed.runtime.invoke("IngestFunction", EVENT, sources=sources)
    assert planned["series"] == [] and planned["stored"] == 0
    assert planned["plan"]["sources"]["kraken"] == {
        "mode": "fan_out",
        "watched": 4,
        "due": 4,
        "seconds": 4.0,
        "chunks": 2,
    }
    assert planned["plan"]["sources"]["coingecko"]["chunks"] == 1
    assert queued(deployed) == {"IngestKrakenQueue": 2, "IngestCoingeckoQueue": 1, "IngestDeadLetterQueue": 0}

    # And both queues' mappings deliver their chunks to the worker, one a invocation
    answers = deployed.runtime.deliver_sqs("IngestWorkerFunction", sources=sources)

    # Then every chunk was taken (LUNA's failure is its own, not its chunk's), and the queues are empty
    assert answers == [{"batchItemFailures": []}] * 3
    assert queued(deployed) == dict.fromkeys(QUEUES, 0)
    # And every other series holds its backfill up to the last closed hour, LUNA nothing
    last_closed = EVENT_MS // HOUR * HOUR - HOUR
    for key in ("kraken:BTC-USD:1h", "kraken:ETH-USD:1h", "kraken:SOL-USD:1h", "coingecko:HYPE-USD:1h"):
        assert stored_ts(deployed, key)[-1] == last_closed, key
    assert stored_ts(deployed, "kraken:LUNA-USD:1h") == []
    # And the worker's log names the failed series, why, and the chunk that held it
    lines = log_lines(deployed, "IngestWorkerFunction")
    assert any(line.get("message") == "series failed" and line["series"] == "kraken:LUNA-USD:1h" for line in lines)
    chunks = [line for line in lines if line.get("message") == "ingest chunk"]
    assert sorted((c["source"], c["chunk"], c["failed"]) for c in chunks) == [
        ("coingecko", 0, []),
        ("kraken", 0, ["kraken:LUNA-USD:1h"]),
        ("kraken", 1, []),
    ]

    # When the next tick comes: LUNA's cursor did not move, so it is planned again (the tick is its retry)
    replanned = deployed.runtime.invoke("IngestFunction", event_at_minutes(5), sources=sources)
    assert replanned["plan"]["sources"]["kraken"]["due"] == 1
    assert queued(deployed)["IngestKrakenQueue"] == 1
    assert json.loads(_peek(deployed, "IngestKrakenQueue"))["series"] == ["kraken:LUNA-USD:1h"]


def test_a_source_whose_chunks_are_still_queued_is_not_planned_again(deploy_stack):
    # Given a fanned-out tick whose chunks no worker has taken yet
    deployed = deploy_stack(**FAN_OUT)
    deployed.upload_watchlist(WATCHLIST)
    sources = simulated_sources(SimulatedMarket(seed=11))
    deployed.runtime.invoke("IngestFunction", EVENT, sources=sources)
    # When the next tick finds the same series still due
    again = deployed.runtime.invoke("IngestFunction", event_at_minutes(5), sources=sources)
    # Then it leaves them to the queued chunks: nothing fetched inline, nothing queued twice
    assert {s: p["mode"] for s, p in again["plan"]["sources"].items()} == {"kraken": "busy", "coingecko": "busy"}
    assert again["series"] == []
    assert queued(deployed) == {"IngestKrakenQueue": 2, "IngestCoingeckoQueue": 1, "IngestDeadLetterQueue": 0}


def test_a_message_that_is_not_a_chunk_is_retried_then_dead_lettered_naming_its_series(deploy_stack):
    deployed = deploy_stack(**FAN_OUT)
    deployed.upload_watchlist(WATCHLIST)
    sqs = deployed.aws.client("sqs")
    # Given a chunk of another source on the Kraken queue (a mistake a person redriving by hand could make)
    stray = IngestChunk(EVENT_MS, "kraken", 0, 1, ("kraken:BTC-USD:1h",)).to_json().replace("kraken", "coingecko", 1)
    sqs.send_message(QueueUrl=deployed.stack.physical_ids["IngestKrakenQueue"], MessageBody=stray)
    # When the mapping delivers it
    answers = deployed.runtime.deliver_sqs("IngestWorkerFunction", sources=simulated_sources(SimulatedMarket(seed=11)))
    # Then each delivery reported it failed, and after the queue's three receives it sits in the dead-letter queue
    assert len(answers) == 3 and all(len(a["batchItemFailures"]) == 1 for a in answers)
    assert queued(deployed) == {"IngestKrakenQueue": 0, "IngestCoingeckoQueue": 0, "IngestDeadLetterQueue": 1}
    # And each failure was logged with what is wrong and the series the message held
    lines = log_lines(deployed, "IngestWorkerFunction")
    failures = [line for line in lines if line.get("message") == "ingest chunk failed"]
    assert len(failures) == 3
    assert failures[0]["series"] == ["kraken:BTC-USD:1h"] and "another source than coingecko" in failures[0]["error"]


def test_a_20_series_watchlist_keeps_the_single_inline_run_its_requests_and_its_cost(deploy_stack):
    # Given a stack at its defaults and 20 watched series (the simulated market lists eight coins: each on 1h
    # and 4h, four on 1d too), each ingested once an hour before
    deployed = deploy_stack()
    coins = ["BTC", "ETH", "SOL", "XRP", "HYPE", "ADA", "DOGE", "LINK"]
    entries = [(c, tf) for tf in ("1h", "4h") for c in coins] + [(c, "1d") for c in coins[:4]]
    deployed.upload_watchlist(
        "defaults: {backfill_candles: 48}\nseries:\n"
        + "".join(f"  - {{source: kraken, symbol: {c}/USD, timeframe: {tf}}}\n" for c, tf in entries)
    )
    sources = simulated_sources(SimulatedMarket(seed=11))
    deployed.runtime.invoke("IngestFunction", event_at_minutes(-60), sources=sources)
    # When the next hour's tick fires, every series due (a minute past midnight: each one's candle just closed)
    result = deployed.runtime.invoke("IngestFunction", EVENT, sources=sources)
    # Then the run fetched all 20 itself and queued nothing
    assert len(result["series"]) == 20 and result["failed"] == [] and result["stored"] == 20
    assert {p["mode"] for p in result["plan"]["sources"].values()} == {"inline"}
    assert queued(deployed) == dict.fromkeys(QUEUES, 0)
    # And its AWS requests are today's: the cursors in one batch read (20 read units, as 20 GetItems were), one
    # table write batch, one record and one cursor write a series, no queue consulted
    tick = [line for line in invocations(deployed) if line["function"] == "IngestFunction"][-1]
    requests = tick["aws"]["requests"]
    assert requests["dynamodb:BatchGetItem"] == 1 and "dynamodb:GetItem" not in requests
    assert not any(name.startswith("sqs:") for name in requests)
    assert sum(tick["aws"]["dynamodb_read_units"].values()) == 20
    assert requests["kinesis:PutRecord"] == 20 and requests["dynamodb:PutItem"] == 20
    assert not any(line["function"] == "IngestWorkerFunction" for line in invocations(deployed))


def test_the_events_file_drives_a_worker_that_stores_its_chunk(deployed):
    # Given a stack whose watchlist lists the chunk's series
    deployed.upload_watchlist(WATCHLIST)
    event = json.loads((REPO / "events" / "ingest-worker-sqs.json").read_text())
    chunk = IngestChunk.from_json(event["Records"][0]["body"])
    assert chunk.tick_ms == EVENT_MS
    # When IngestWorkerFunction is invoked with events/ingest-worker-sqs.json
    answer = deployed.runtime.invoke("IngestWorkerFunction", event, sources=simulated_sources(SimulatedMarket(seed=11)))
    # Then the record succeeded and both series hold their backfill up to the tick's last closed hour
    assert answer == {"batchItemFailures": []}
    for key in chunk.series:
        assert stored_ts(deployed, key)[-1] == EVENT_MS // HOUR * HOUR - HOUR


def event_at_minutes(minutes: int) -> dict:
    return event_at(EVENT_TIME + timedelta(minutes=minutes))


def _peek(deployed, logical_id: str) -> str:
    sqs = deployed.aws.client("sqs")
    url = deployed.stack.physical_ids[logical_id]
    message = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=0)["Messages"][0]
    return message["Body"]


def move_messages(deployed, source: str, target: str) -> list[str]:
    """Every message of one queue sent to another and deleted from the first: what SQS's redrive policy does with a
    chunk after its third receive, and what ``aws sqs start-message-move-task`` does back (the README's redrive),
    which the embedded AWS does not implement. Returns the bodies moved."""
    sqs = deployed.aws.client("sqs")
    source_url, target_url = (deployed.stack.physical_ids[q] for q in (source, target))
    bodies = []
    while messages := sqs.receive_message(QueueUrl=source_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            sqs.send_message(QueueUrl=target_url, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])
            bodies.append(message["Body"])
    return bodies


def test_a_parked_chunk_redriven_stores_its_series_at_its_tick_and_a_second_redrive_stores_nothing(deploy_stack):
    # Given a fanned-out tick whose two Kraken chunks were parked in the dead-letter queue (say the Candles table was
    # throttled through their three receives), while CoinGecko's chunk went through
    deployed = deploy_stack(**FAN_OUT)
    deployed.upload_watchlist(WATCHLIST)
    sources = simulated_sources(SimulatedMarket(seed=11))
    deployed.runtime.invoke("IngestFunction", EVENT, sources=sources)
    parked = move_messages(deployed, "IngestKrakenQueue", "IngestDeadLetterQueue")
    deployed.runtime.deliver_sqs("IngestWorkerFunction", sources=sources)
    assert len(parked) == 2 and stored_ts(deployed, "kraken:BTC-USD:1h") == []
    assert queued(deployed) == {"IngestKrakenQueue": 0, "IngestCoingeckoQueue": 0, "IngestDeadLetterQueue": 2}

    # When, the cause fixed, they are redriven back to their queue and its mapping delivers them
    assert sorted(move_messages(deployed, "IngestDeadLetterQueue", "IngestKrakenQueue")) == sorted(parked)
    answers = deployed.runtime.deliver_sqs("IngestWorkerFunction", sources=sources)

    # Then each chunk is taken and its series hold their backfill up to the tick's last closed hour (the chunk's
    # clock, not the redrive's), LUNA failing alone as on its first delivery
    assert answers == [{"batchItemFailures": []}] * 2 and queued(deployed) == dict.fromkeys(QUEUES, 0)
    last_closed = EVENT_MS // HOUR * HOUR - HOUR
    held = {key: stored_ts(deployed, key) for key in ("kraken:BTC-USD:1h", "kraken:ETH-USD:1h", "kraken:SOL-USD:1h")}
    assert all(times[-1] == last_closed for times in held.values()), held

    # When the same chunks are redriven once more (the command run twice) / Then nothing is stored twice
    sqs = deployed.aws.client("sqs")
    for body in parked:
        sqs.send_message(QueueUrl=deployed.stack.physical_ids["IngestKrakenQueue"], MessageBody=body)
    assert deployed.runtime.deliver_sqs("IngestWorkerFunction", sources=sources) == [{"batchItemFailures": []}] * 2
    assert {key: stored_ts(deployed, key) for key in held} == held
    # And the worker says so: the redriven chunks stored their series' candles once, the repeat none, at one tick
    chunks = [line for line in log_lines(deployed, "IngestWorkerFunction") if line.get("message") == "ingest chunk"]
    kraken = [(c["tick_ms"], c["stored"]) for c in chunks if c["source"] == "kraken"]
    assert [t for t, _ in kraken] == [EVENT_MS] * 4
    assert (
        sum(n for _, n in kraken[:2]) == sum(len(times) for times in held.values())
        and kraken[2:] == [(EVENT_MS, 0)] * 2
    )
