"""AnalyzeFunction against the embedded AWS: Kinesis batches in, one Signal per (series, candle) out."""

from __future__ import annotations

import base64
import copy
import json

import pytest

from crypto_advisor.contracts.signal import Signal
from crypto_advisor.local.market import SimulatedMarket, simulated_sources
from tests.conftest import REPO
from tests.integration.test_ingest_function import EVENT, EVENT_MS, EVENT_TIME, HOUR, WATCHLIST

KINESIS_EVENT = json.loads((REPO / "events" / "analyze-kinesis.json").read_text())


def signals(deployed) -> list[dict]:
    table = deployed.aws.resource("dynamodb").Table(deployed.stack.outputs["SignalsTableName"])
    return sorted(table.scan()["Items"], key=lambda i: (i["series"], int(i["ts"])))


@pytest.fixture
def ingested(deployed):
    """A stack whose Candles table holds the backfill of the three watched series (48 hours)."""
    deployed.upload_watchlist(WATCHLIST)
    deployed.runtime.invoke("IngestFunction", EVENT, sources=simulated_sources(SimulatedMarket(seed=11)))
    return deployed


def test_the_events_file_produces_one_signal_for_its_candle(ingested):
    # When AnalyzeFunction receives events/analyze-kinesis.json
    response = ingested.runtime.invoke("AnalyzeFunction", KINESIS_EVENT)
    # Then no record failed and one signal exists for that series and candle, with its indicator snapshot
    assert response == {"batchItemFailures": []}
    items = signals(ingested)
    assert [(i["series"], int(i["ts"])) for i in items] == [("kraken:BTC-USD:1h", EVENT_MS // HOUR * HOUR - HOUR)]
    signal = Signal.from_json(items[0]["body"])
    assert signal.indicators["sma_20"] is not None and signal.close > 0


def test_redelivering_a_batch_leaves_the_signals_table_unchanged(ingested):
    # Given a batch analysed once
    ingested.runtime.invoke("AnalyzeFunction", KINESIS_EVENT)
    before = signals(ingested)
    # When Kinesis delivers the same batch again
    response = ingested.runtime.invoke("AnalyzeFunction", KINESIS_EVENT)
    # Then it succeeds and nothing changes
    assert response == {"batchItemFailures": []}
    assert signals(ingested) == before


def test_a_poison_record_fails_alone(ingested):
    # Given a batch of the good record and one whose data is not a CandleUpdate
    event = copy.deepcopy(KINESIS_EVENT)
    poison = copy.deepcopy(event["Records"][0])
    poison["kinesis"]["sequenceNumber"] = "49656138339385327445622340134937036483539936311380299999"
    poison["kinesis"]["data"] = base64.b64encode(b'{"schema": "something else"}').decode()
    event["Records"].append(poison)
    # When the batch is handled
    response = ingested.runtime.invoke("AnalyzeFunction", event)
    # Then only the poison record's sequence number is reported, and the good one was stored
    assert response == {"batchItemFailures": [{"itemIdentifier": poison["kinesis"]["sequenceNumber"]}]}
    assert len(signals(ingested)) == 1


def test_the_event_source_mapping_delivers_every_update_once(ingested):
    # When the runtime feeds the stream to AnalyzeFunction as the event source mapping does, twice
    ingested.runtime.deliver_kinesis("AnalyzeFunction")
    again = ingested.runtime.deliver_kinesis("AnalyzeFunction")
    # Then each series got one signal (for its newest candle), and the second delivery had nothing new
    assert {i["series"] for i in signals(ingested)} == {
        "kraken:BTC-USD:1h",
        "kraken:ETH-USD:1h",
        "coingecko:HYPE-USD:1h",
    }
    assert again == [] and ingested.runtime.parked == []


def test_a_window_with_a_gap_gives_an_unhealthy_signal(ingested):
    # Given an update reporting a stretch the source could not fill inside the window
    event = copy.deepcopy(KINESIS_EVENT)
    update = json.loads(base64.b64decode(event["Records"][0]["kinesis"]["data"]))
    update["gaps"] = [[update["candle_ts"][0] - 10 * HOUR, update["candle_ts"][0] - 8 * HOUR]]
    event["Records"][0]["kinesis"]["data"] = base64.b64encode(json.dumps(update).encode()).decode()
    # When it is analysed
    ingested.runtime.invoke("AnalyzeFunction", event)
    # Then the signal is stored, flagged unhealthy with the reason, and any firing is suppressed, not dropped
    signal = Signal.from_json(signals(ingested)[0]["body"])
    assert not signal.health.healthy
    assert any("3 candles missing" in r for r in signal.health.reasons)
    assert all(f.suppressed for f in signal.firings)


def test_every_signal_but_btcs_is_read_against_btcs_candle_of_the_same_hour(ingested):
    # When the stream is delivered: BTC's window is read through the same Candles table for the other series
    ingested.runtime.deliver_kinesis("AnalyzeFunction")
    by_series = {i["series"]: Signal.from_json(i["body"]) for i in signals(ingested)}
    # Then ETH's and HYPE's contexts carry a beta against the watchlist's BTC, and BTC's own carries none
    for key in ("kraken:ETH-USD:1h", "coingecko:HYPE-USD:1h"):
        market = by_series[key].market
        assert market is not None and market.reference == "kraken:BTC-USD:1h"
        assert market.beta is not None and market.beta.returns >= 20, market.beta_note
    btc = by_series["kraken:BTC-USD:1h"].market
    assert btc is not None and btc.reference is None and btc.beta is None
    assert [t.timeframe for t in btc.trends] == ["4h", "1d"]


def _record(update: dict, sequence_number: str) -> dict:
    record = copy.deepcopy(KINESIS_EVENT["Records"][0])
    record["kinesis"]["sequenceNumber"] = sequence_number
    record["kinesis"]["data"] = base64.b64encode(json.dumps(update).encode()).decode()
    return record


def test_an_update_whose_candle_is_not_stored_fails_alone_stores_nothing_and_is_logged(ingested):
    # Given the events file's record and an update naming the next candle, which the Candles table does not hold yet
    good = KINESIS_EVENT["Records"][0]
    update = json.loads(base64.b64decode(good["kinesis"]["data"]))
    ahead = {**update, "candle_ts": [update["candle_ts"][-1] + HOUR], "ingested_at": update["ingested_at"] + HOUR}
    early = _record(ahead, "49656138339385327445622340134937036483539936311380299991")
    # And a record that is not a CandleUpdate at all
    poison = _record({"schema": "something else"}, "49656138339385327445622340134937036483539936311380299992")
    # When the batch is handled
    response = ingested.runtime.invoke("AnalyzeFunction", {"Records": [good, early, poison]})
    # Then both fail alone (the stream retries them), only the good update's Signal is stored
    assert response == {
        "batchItemFailures": [
            {"itemIdentifier": early["kinesis"]["sequenceNumber"]},
            {"itemIdentifier": poison["kinesis"]["sequenceNumber"]},
        ]
    }
    assert [int(i["ts"]) for i in signals(ingested)] == update["candle_ts"]
    # And each failure is logged at error level, with the series and candle or the stream position, and the reason
    log = (ingested.runtime.log_dir / "AnalyzeFunction.log").read_text()
    failed = [json.loads(line) for line in log.splitlines() if '"update failed' in line]
    assert [f["level"] for f in failed] == ["ERROR", "ERROR"]
    assert (failed[0]["series"], failed[0]["candle_ts"]) == (update["series"], ahead["candle_ts"][0])
    assert failed[0]["error_type"] == "CandleNotInWindow" and "is not stored" in failed[0]["error"]
    assert failed[1]["sequence_number"] == poison["kinesis"]["sequenceNumber"]
    assert failed[1]["partition_key"] == "BTC-USD" and "schema" in failed[1]["error"]


def _analyze_requests(deployed) -> list[dict[str, dict[str, int]]]:
    """Each AnalyzeFunction invocation's DynamoDB requests by table (its logical name) and operation."""
    names = {deployed.stack.outputs[f"{t}TableName"]: t for t in ("Candles", "Signals", "News")}
    lines = [json.loads(x) for x in (deployed.runtime.log_dir / "invocations.jsonl").read_text().splitlines()]
    return [
        {names.get(table, table): ops for table, ops in line["aws"]["dynamodb_requests"].items()}
        for line in lines
        if line["function"] == "AnalyzeFunction"
    ]


def test_the_hot_path_reads_once_per_update_and_once_per_batch_and_writes_once_per_update(ingested):
    # Given NewsFunction's scheduled run wrote the watched coins' news summaries (news off: what the table holds)
    ingested.runtime.tick("NewsFunction", EVENT_TIME)
    # When the tick's three updates (BTC's among them) are delivered in one batch
    ingested.runtime.deliver_kinesis("AnalyzeFunction")
    # Then each update made one read (its window from Candles) and one write (the conditional put of its Signal),
    # and the batch one read more: its coins' news summaries in one BatchGetItem (no Query of a coin's articles);
    # BTC's window, which the other two read against, was read once, as BTC's own
    [requests] = _analyze_requests(ingested)
    assert requests == {"Candles": {"Query": 3}, "News": {"BatchGetItem": 1}, "Signals": {"PutItem": 3}}


def test_before_newsfunction_wrote_the_summaries_each_update_reads_its_coins_articles(ingested):
    # Given a stack whose News table has no summaries yet (deployed before them, NewsFunction not run since)
    # When the tick's three updates are delivered in one batch
    ingested.runtime.deliver_kinesis("AnalyzeFunction")
    # Then the batch looked for its coins' summaries once, and each update read its coin's articles as before
    [requests] = _analyze_requests(ingested)
    assert requests == {"Candles": {"Query": 3}, "News": {"BatchGetItem": 1, "Query": 3}, "Signals": {"PutItem": 3}}


def test_an_invocation_without_btcs_update_reads_btcs_window_once_more(ingested):
    # Given the coins' news summaries written and the tick analysed once
    ingested.runtime.tick("NewsFunction", EVENT_TIME)
    ingested.runtime.deliver_kinesis("AnalyzeFunction")
    updates = [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in KINESIS_EVENT["Records"]]
    eth = {**updates[0], "series": "kraken:ETH-USD:1h"}
    # When ETH's update arrives alone (its signal already stored: a redelivery reads the same)
    ingested.runtime.invoke(
        "AnalyzeFunction", {"Records": [_record(eth, "49656138339385327445622340134937036483539936311380299993")]}
    )
    # Then its window, its coin's summary (the batch's BatchGetItem), its write, and one Query of BTC's window: the
    # invocation's, shared by all its updates
    assert _analyze_requests(ingested)[-1] == {
        "Candles": {"Query": 2},
        "News": {"BatchGetItem": 1},
        "Signals": {"PutItem": 1},
    }
