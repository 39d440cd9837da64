"""IngestFunction end to end against the embedded AWS, invoked with the event in events/."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta

import pytest
from boto3.dynamodb.conditions import Key

from crypto_advisor.adapters.candle_store import CURSOR_TS
from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.contracts.series import Series
from crypto_advisor.local.market import SimulatedMarket, simulated_sources
from crypto_advisor.local.runtime import decode_records, read_stream
from tests.conftest import REPO
from tests.fakes.ingest import RefusingSource

HOUR = 3_600_000
EVENT = json.loads((REPO / "events" / "ingest-schedule.json").read_text())
EVENT_TIME = datetime.fromisoformat(EVENT["time"].replace("Z", "+00:00"))
EVENT_MS = int(EVENT_TIME.timestamp() * 1000)

WATCHLIST = """
defaults: {timeframe: 1h, backfill_candles: 48}
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD}
  - {source: coingecko, symbol: HYPE/USD, coingecko_id: hyperliquid}
"""


def stored_ts(deployed, series_key: str) -> list[int]:
    items = deployed.table.query(KeyConditionExpression=Key("series").eq(series_key) & Key("ts").gt(CURSOR_TS))["Items"]
    return [int(i["ts"]) for i in items]


def s3_keys(deployed) -> list[str]:
    answer = deployed.aws.client("s3").list_objects_v2(Bucket=deployed.bucket, Prefix="raw/ohlcv/")
    return [o["Key"] for o in answer.get("Contents", [])]


def kinesis_updates(deployed) -> list[dict]:
    return decode_records(read_stream(deployed.aws.client("kinesis"), deployed.stream))


def event_at(at: datetime) -> dict:
    return {**EVENT, "time": at.strftime("%Y-%m-%dT%H:%M:%SZ")}


@pytest.fixture
def market() -> SimulatedMarket:
    return SimulatedMarket(seed=11)


def test_the_events_file_drives_a_run_that_stores_closed_candles_everywhere(deployed, market):
    # Given a stack whose watchlist lists three series
    deployed.upload_watchlist(WATCHLIST)
    # When IngestFunction is invoked with events/ingest-schedule.json
    result = deployed.runtime.invoke("IngestFunction", EVENT, sources=simulated_sources(market))
    # Then each series has its backfill in DynamoDB, the S3 archive and one Kinesis record
    assert result["failed"] == []
    last_closed = EVENT_MS // HOUR * HOUR - HOUR
    # (CoinGecko's two days of history include the forming candle: 47 closed hours)
    for key, count in (("kraken:BTC-USD:1h", 48), ("kraken:ETH-USD:1h", 48), ("coingecko:HYPE-USD:1h", 47)):
        ts = stored_ts(deployed, key)
        assert len(ts) == count and ts[-1] == last_closed, key
    keys = s3_keys(deployed)
    assert any("source=kraken/symbol=BTC-USD/timeframe=1h/date=2026-10-31/" in k for k in keys)
    assert {u["series"] for u in kinesis_updates(deployed)} == {
        "kraken:BTC-USD:1h",
        "kraken:ETH-USD:1h",
        "coingecko:HYPE-USD:1h",
    }


def test_every_kinesis_record_matches_the_candle_update_schema(deployed, market):
    # Given one run
    deployed.upload_watchlist(WATCHLIST)
    deployed.runtime.invoke("IngestFunction", EVENT, sources=simulated_sources(market))
    records = read_stream(deployed.aws.client("kinesis"), deployed.stream)
    # Then every record parses as CandleUpdate v1, is partitioned by symbol and names the stored candles
    assert len(records) == 3
    for record in records:
        update = CandleUpdate.from_json(record["Data"])
        assert update.version == 1
        assert record["PartitionKey"] == Series.parse(update.series).symbol
        assert update.candle_ts == stored_ts(deployed, update.series)


def test_repeating_the_same_tick_stores_and_sends_nothing_new(deployed, market):
    # Given a first run
    deployed.upload_watchlist(WATCHLIST)
    sources = simulated_sources(market)
    deployed.runtime.invoke("IngestFunction", EVENT, sources=sources)
    before = (stored_ts(deployed, "kraken:BTC-USD:1h"), sorted(s3_keys(deployed)), len(kinesis_updates(deployed)))
    # When the very same scheduled event is delivered again (EventBridge delivers at least once)
    result = deployed.runtime.invoke("IngestFunction", EVENT, sources=sources)
    # Then nothing new is stored or sent
    assert result["stored"] == 0
    after = (stored_ts(deployed, "kraken:BTC-USD:1h"), sorted(s3_keys(deployed)), len(kinesis_updates(deployed)))
    assert after == before


def test_the_forming_candle_is_never_stored(deployed, market):
    # Given a tick 40 minutes into an hour: the source's last candle is still forming
    deployed.upload_watchlist(WATCHLIST)
    at = EVENT_TIME.replace(minute=40)
    sources = simulated_sources(market)
    answer = sources["kraken"].fetch_ohlcv(next(iter(_watchlist())), since_ms=0, now_ms=int(at.timestamp() * 1000))
    forming_ts = answer[-1][0]
    assert forming_ts + HOUR > int(at.timestamp() * 1000)
    # When the function runs at that moment
    result = deployed.runtime.invoke("IngestFunction", event_at(at), sources=sources)
    # Then the forming candle is counted as forming and is nowhere in storage
    btc = next(s for s in result["series"] if s["series"] == "kraken:BTC-USD:1h")
    assert btc["forming"] == 1
    assert forming_ts not in stored_ts(deployed, "kraken:BTC-USD:1h")
    assert all(forming_ts not in u["candle_ts"] for u in kinesis_updates(deployed))


def test_one_failing_series_leaves_the_others_stored(deployed, market):
    # Given a watchlist with a pair the exchange does not list
    deployed.upload_watchlist(WATCHLIST + "  - {source: kraken, symbol: LUNA/USD}\n")
    # When the function runs
    result = deployed.runtime.invoke("IngestFunction", EVENT, sources=simulated_sources(market))
    # Then the run reports that series failed, with the reason, and the others are stored
    assert result["failed"] == ["kraken:LUNA-USD:1h"]
    luna = next(s for s in result["series"] if s["series"] == "kraken:LUNA-USD:1h")
    assert luna["error_kind"] == "UnknownSymbolError" and "LUNA-USD" in luna["error"]
    assert len(stored_ts(deployed, "kraken:BTC-USD:1h")) == 48
    assert stored_ts(deployed, "kraken:LUNA-USD:1h") == []


def test_invalid_candles_are_rejected_with_a_reason_and_the_rest_stored(deployed):
    # Given a market whose ETH candle at one hour is corrupt (high below low)
    deployed.upload_watchlist(WATCHLIST)
    bad_ts = EVENT_MS // HOUR * HOUR - 5 * HOUR
    market = SimulatedMarket(seed=11, glitches={("ETH-USD", bad_ts): "high_below_low"})
    # When the function runs
    result = deployed.runtime.invoke("IngestFunction", EVENT, sources=simulated_sources(market))
    # Then that candle is rejected with its reason, and every other candle is stored
    eth = next(s for s in result["series"] if s["series"] == "kraken:ETH-USD:1h")
    assert [r["ts"] for r in eth["rejected"]] == [bad_ts]
    assert "inconsistent range" in eth["rejected"][0]["reason"]
    stored = stored_ts(deployed, "kraken:ETH-USD:1h")
    assert bad_ts not in stored and len(stored) == 47


def test_after_downtime_the_gap_is_backfilled_and_what_cannot_be_is_reported(deployed, market):
    # Given a first run, then three days without runs
    deployed.upload_watchlist(WATCHLIST)
    sources = simulated_sources(market)
    deployed.runtime.invoke("IngestFunction", EVENT, sources=sources)
    later = EVENT_TIME + timedelta(days=3)
    # When the next run happens
    result = deployed.runtime.invoke("IngestFunction", event_at(later), sources=sources)
    # Then Kraken series are continuous (72 more candles, no hole) ...
    btc = stored_ts(deployed, "kraken:BTC-USD:1h")
    assert len(btc) == 48 + 72
    assert all(b - a == HOUR for a, b in itertools.pairwise(btc))
    # ... and the CoinGecko series, whose history stops at two days, reports the day it cannot fill
    hype = next(s for s in result["series"] if s["series"] == "coingecko:HYPE-USD:1h")
    # (72 hours missed, 47 closed hours within reach: the first 25 are lost)
    first_missing = EVENT_MS // HOUR * HOUR
    assert hype["gaps"] == [[first_missing, first_missing + 24 * HOUR]]
    update = [u for u in kinesis_updates(deployed) if u["series"] == "coingecko:HYPE-USD:1h"][-1]
    assert update["gaps"] == hype["gaps"]


def test_a_tick_before_the_next_close_does_not_call_the_source(deployed, market):
    # Given a first run
    deployed.upload_watchlist(WATCHLIST)
    deployed.runtime.invoke("IngestFunction", EVENT, sources=simulated_sources(market))

    # When the schedule fires again five minutes later
    result = deployed.runtime.invoke(
        "IngestFunction",
        event_at(EVENT_TIME + timedelta(minutes=5)),
        sources={"kraken": RefusingSource(), "coingecko": RefusingSource()},
    )
    # Then every series is up to date without a single source call
    assert {s["status"] for s in result["series"]} == {"up_to_date"}


def _watchlist():
    from crypto_advisor.contracts.watchlist_file import parse_watchlist

    return parse_watchlist(WATCHLIST)
