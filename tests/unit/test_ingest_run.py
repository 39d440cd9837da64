"""One ingest run, against in-memory stores and sources that implement the ports of ``ingest/ports.py``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from crypto_advisor.contracts.errors import TransientSourceError, UnknownSymbolError
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import WatchedSeries, Watchlist
from crypto_advisor.ingest.service import Stores, ingest_series, run_ingest
from crypto_advisor.local.market import SimulatedMarket, SimulatedSource
from tests.fakes.ingest import MemoryArchive, MemoryCandleStore, MemoryStream, RecordingSource, ScriptedExchange

H = 3_600_000
MINUTE = 60_000
T0 = 1_740_787_200_000  # 2025-03-01T00:00Z
NOW = T0 + 20 * MINUTE  # the candle opened at T0 is forming; the last closed one opened at T0 - H
LAST_CLOSED = T0 - H

BTC = WatchedSeries(series=Series.of("kraken", "BTC/USD", "1h"), backfill_candles=24)
ETH = WatchedSeries(series=Series.of("kraken", "ETH/USD", "1h"), backfill_candles=24)


@dataclass
class World:
    candles: MemoryCandleStore = field(default_factory=MemoryCandleStore)
    archive: MemoryArchive = field(default_factory=MemoryArchive)
    stream: MemoryStream = field(default_factory=MemoryStream)

    @property
    def stores(self) -> Stores:
        return Stores(candles=self.candles, archive=self.archive, stream=self.stream)


def simulated(**market: Any) -> RecordingSource:
    return RecordingSource(SimulatedSource("kraken", SimulatedMarket(**market), max_candles=720))


def hours(first: int, last: int) -> list[int]:
    return list(range(first, last + 1, H))


# --- first run ---------------------------------------------------------------------------


def test_first_run_backfills_the_configured_number_of_closed_candles():
    # Given a series seen for the first time, asking for 24 candles of backfill
    world, source = World(), simulated()

    # When it is ingested 20 minutes into an hour
    report = ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)

    # Then the 24 candles closed by now are stored, the newest being the one that closed at the hour
    assert report.status == "stored"
    assert report.stored == 24
    assert world.candles.ts(BTC) == hours(LAST_CLOSED - 23 * H, LAST_CLOSED)
    assert (report.first_ts, report.last_ts) == (LAST_CLOSED - 23 * H, LAST_CLOSED)


def test_first_run_moves_the_cursor_to_the_last_closed_candle():
    # Given a series seen for the first time
    world, source = World(), simulated()

    # When it is ingested
    ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)

    # Then its cursor is the open time of the last closed candle
    assert world.candles.cursor(BTC.series) == LAST_CLOSED


def test_first_run_archives_the_candles_it_stores():
    # Given a series seen for the first time, at 05:20 UTC, so that its 24-candle backfill spans two UTC days
    world, source = World(), simulated()

    # When it is ingested
    report = ingest_series(BTC, now_ms=NOW + 5 * H, source=source, stores=world.stores)

    # Then the archive holds exactly the stored candles, one object per day, and the report names the objects
    archived = [c for key in report.archive_keys for c in world.archive.objects[key]]
    assert archived == [world.candles.candles[BTC.series.key][ts] for ts in world.candles.ts(BTC)]
    assert [k.split("/")[-2] for k in report.archive_keys] == ["date=2025-02-28", "date=2025-03-01"]
    assert all(k.startswith("raw/ohlcv/source=kraken/symbol=BTC-USD/timeframe=1h/") for k in report.archive_keys)


def test_first_run_publishes_one_update_naming_the_stored_candles():
    # Given a series seen for the first time
    world, source = World(), simulated()

    # When it is ingested
    report = ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)

    # Then one update is published, naming the series, every stored candle and the run's clock
    [update] = world.stream.updates
    assert update.series == "kraken:BTC-USD:1h"
    assert update.candle_ts == world.candles.ts(BTC)
    assert update.gaps == []
    assert update.ingested_at == NOW
    assert report.sequence_number == "seq-1"


def test_first_run_stores_only_the_backfill_even_when_the_source_sends_more():
    # Given a series seen for the first time and a source that sends 5 candles older than asked for
    world, source = World(), ScriptedExchange(overlap=5)

    # When it is ingested
    report = ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)

    # Then only the 24 asked for are stored and published; the older ones are counted, not stored
    assert world.candles.ts(BTC) == hours(LAST_CLOSED - 23 * H, LAST_CLOSED)
    assert world.stream.updates[0].candle_ts == world.candles.ts(BTC)
    assert report.already_stored == 5


def test_the_forming_candle_is_never_stored():
    # Given an exchange that sends the candle still forming last, as exchanges do
    world, source = World(), ScriptedExchange()

    # When the series is ingested mid-candle
    report = ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)

    # Then the forming candle is counted, and neither stored, published, nor the cursor
    assert report.forming == 1
    assert T0 not in world.candles.ts(BTC)
    assert T0 not in world.stream.updates[0].candle_ts
    assert world.candles.cursor(BTC.series) == LAST_CLOSED


# --- later runs --------------------------------------------------------------------------


def test_a_repeated_tick_stores_nothing_and_publishes_nothing():
    # Given a series ingested at NOW
    world, source = World(), simulated()
    ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)
    puts, records = world.candles.puts, len(world.stream.records)

    # When the same tick runs again (a retried invocation)
    report = ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)

    # Then nothing is written or published, and the report says the series is up to date
    assert report.status == "up_to_date"
    assert report.stored == 0
    assert (world.candles.puts, len(world.stream.records)) == (puts, records)


def test_a_tick_before_the_next_candle_closes_does_not_call_the_source():
    # Given a series ingested at NOW, 20 minutes into the hour
    world, source = World(), simulated()
    ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)
    calls = source.calls

    # When the next 5-minute ticks run, up to one millisecond before the hour ends
    reports = [
        ingest_series(BTC, now_ms=now, source=source, stores=world.stores)
        for now in (NOW + 5 * MINUTE, NOW + 35 * MINUTE, T0 + H - 1)
    ]

    # Then the source is not asked at all, and each report says up to date at the same cursor
    assert source.calls == calls
    assert {(r.status, r.last_ts) for r in reports} == {("up_to_date", LAST_CLOSED)}


def test_a_tick_at_the_moment_the_next_candle_closes_stores_it():
    # Given a series ingested at NOW
    world, source = World(), simulated()
    ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)

    # When a tick runs exactly when the candle opened at T0 closes
    report = ingest_series(BTC, now_ms=T0 + H, source=source, stores=world.stores)

    # Then that candle, and only it, is stored and published
    assert report.status == "stored"
    assert world.stream.updates[-1].candle_ts == [T0]
    assert world.candles.cursor(BTC.series) == T0


def test_the_published_update_names_exactly_the_newly_stored_candles():
    # Given a series ingested at NOW, and an exchange that repeats 5 old candles and sends the forming one
    world, source = World(), ScriptedExchange()
    ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)
    source.overlap = 5
    before = set(world.candles.ts(BTC))

    # When the series is ingested three hours later
    report = ingest_series(BTC, now_ms=NOW + 3 * H, source=source, stores=world.stores)

    # Then the update names the three candles that closed since, no old one and not the forming one
    new = sorted(set(world.candles.ts(BTC)) - before)
    assert new == [T0, T0 + H, T0 + 2 * H]
    assert world.stream.updates[-1].candle_ts == new
    assert (report.already_stored, report.forming) == (5, 1)


def test_after_downtime_the_next_run_backfills_the_whole_gap():
    # Given a series ingested at NOW, then ten hours with no run
    world, source = World(), simulated()
    ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)

    # When the next run comes, and the source still holds those hours
    report = ingest_series(BTC, now_ms=NOW + 10 * H, source=source, stores=world.stores)

    # Then all ten candles are stored, the series has no hole, and no gap is reported
    assert report.stored == 10
    assert world.candles.ts(BTC) == hours(LAST_CLOSED - 23 * H, T0 + 9 * H)
    assert report.gaps == []
    assert world.stream.updates[-1].gaps == []


def test_downtime_longer_than_the_source_history_is_reported_as_a_gap():
    # Given a series ingested at NOW, then ten hours with no run, and a source that keeps only 5 candles
    world, source = World(), ScriptedExchange()
    ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)
    source.max_candles = 5

    # When the next run comes
    report = ingest_series(BTC, now_ms=NOW + 10 * H, source=source, stores=world.stores)

    # Then what the source had is stored, and the hours it no longer had are a gap in the report and the update
    assert world.candles.ts(BTC)[-4:] == hours(T0 + 6 * H, T0 + 9 * H)
    assert report.gaps == [(T0, T0 + 5 * H)]
    assert world.stream.updates[-1].gaps == [(T0, T0 + 5 * H)]
    assert world.candles.cursor(BTC.series) == T0 + 9 * H


def test_a_lagging_source_is_reported_as_lagging_not_as_a_gap():
    # Given a series ingested at NOW, and two hours later a source that has not yet published the last closed candle
    world, source = World(), ScriptedExchange()
    ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)
    source.lag = 1

    # When the series is ingested
    report = ingest_series(BTC, now_ms=NOW + 2 * H, source=source, stores=world.stores)

    # Then the candle it had is stored, the missing newest one is reported as lagging, and there is no gap
    assert report.stored == 1
    assert report.lagging == (T0 + H, T0 + H)
    assert report.gaps == []
    assert world.stream.updates[-1].gaps == []
    assert world.candles.cursor(BTC.series) == T0


def test_a_lagging_candle_is_fetched_again_on_the_next_run():
    # Given a run that found the source lagging by one candle
    world, source = World(), ScriptedExchange()
    ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)
    source.lag = 1
    ingest_series(BTC, now_ms=NOW + 2 * H, source=source, stores=world.stores)

    # When the next tick (same hour) runs and the source has caught up
    source.lag = 0
    report = ingest_series(BTC, now_ms=NOW + 2 * H + 5 * MINUTE, source=source, stores=world.stores)

    # Then the source is asked again from the missing candle, which is stored; nothing is lagging now
    assert source.calls[-1][1] == T0 + H
    assert report.stored == 1
    assert report.lagging is None
    assert world.candles.cursor(BTC.series) == T0 + H
    assert world.candles.ts(BTC)[-3:] == [LAST_CLOSED, T0, T0 + H]


def test_a_source_with_nothing_new_leaves_the_cursor_and_publishes_nothing():
    # Given a series ingested at NOW, and an hour later a source still lagging behind that hour
    world, source = World(), ScriptedExchange()
    ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)
    source.lag = 1
    records = len(world.stream.records)

    # When the series is ingested
    report = ingest_series(BTC, now_ms=NOW + H, source=source, stores=world.stores)

    # Then nothing is stored or published, the cursor stays, and the missing candle is reported as lagging
    assert report.status == "no_new_candles"
    assert report.lagging == (T0, T0)
    assert len(world.stream.records) == records
    assert world.candles.cursor(BTC.series) == LAST_CLOSED


# --- bad data ----------------------------------------------------------------------------


def test_invalid_candles_are_rejected_with_a_reason_and_the_valid_ones_stored():
    # Given a market whose candles at T0-5h and T0-3h come corrupted
    glitches = {("BTC-USD", T0 - 5 * H): "negative_volume", ("BTC-USD", T0 - 3 * H): "high_below_low"}
    world, source = World(), simulated(glitches=glitches)

    # When the series is ingested
    report = ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)

    # Then both are rejected, each with its ts and what is wrong; the other 22 are stored
    assert [(r.ts, r.reason.split(" ")[0]) for r in report.rejected] == [
        (T0 - 5 * H, "volume"),
        (T0 - 3 * H, "inconsistent"),
    ]
    assert "negative" in report.rejected[0].reason
    assert "low <=" in report.rejected[1].reason
    assert report.stored == 22
    assert T0 - 5 * H not in world.candles.ts(BTC)
    assert T0 - 3 * H not in world.candles.ts(BTC)


def test_a_rejected_candle_inside_the_new_run_is_reported_as_a_gap():
    # Given an exchange whose candle at T0+H has a negative price, between two good ones
    world, source = World(), ScriptedExchange()
    ingest_series(BTC, now_ms=NOW, source=source, stores=world.stores)
    source.replace[T0 + H] = [T0 + H, -1.0, 2.0, -2.0, 1.0, 10.0]

    # When the series is ingested three hours later
    report = ingest_series(BTC, now_ms=NOW + 3 * H, source=source, stores=world.stores)

    # Then the hole it leaves is told to the analysis, so the window can be flagged rather than silently skipped
    assert report.gaps == [(T0 + H, T0 + H)]
    assert world.stream.updates[-1].gaps == [(T0 + H, T0 + H)]
    assert world.stream.updates[-1].candle_ts == [T0, T0 + 2 * H]


# --- failures ----------------------------------------------------------------------------


FAILURES = {
    "unknown-symbol": (
        "source",
        UnknownSymbolError("kraken ETH/USD: unknown market"),
        ("UnknownSymbolError", "kraken ETH/USD: unknown market"),
    ),
    "storage": (
        "storage",
        None,
        ("StorageError", "dynamodb: writing 24 candles of kraken:ETH-USD:1h: ProvisionedThroughputExceeded"),
    ),
    "unexpected": ("source", ZeroDivisionError("division by zero"), ("Bug", "ZeroDivisionError: division by zero")),
}


@pytest.mark.parametrize("failure", FAILURES, ids=str)
def test_one_failing_series_leaves_the_others_stored(failure):
    # Given a watchlist of ETH then BTC, where ETH fails in one way
    where, error, (kind, message) = FAILURES[failure]
    world, source = World(), ScriptedExchange()
    if where == "source":
        source.fail["ETH-USD"] = error
    else:
        world.candles.fail_for.add(ETH.series.key)

    # When the run ingests the watchlist
    run = run_ingest(Watchlist(series=(ETH, BTC)), now_ms=NOW, sources={"kraken": source}, stores=world.stores)

    # Then BTC is stored and published; ETH is reported failed with its error, and its cursor did not move
    by_series = {r.series: r for r in run.series}
    assert by_series["kraken:BTC-USD:1h"].status == "stored"
    assert len(world.candles.ts(BTC)) == 24
    assert [u.series for u in world.stream.updates] == ["kraken:BTC-USD:1h"]
    eth = by_series["kraken:ETH-USD:1h"]
    assert (eth.status, eth.error_kind, eth.error) == ("failed", kind, message)
    assert [r.series for r in run.failed] == ["kraken:ETH-USD:1h"]
    assert world.candles.cursor(ETH.series) is None


def test_a_transient_source_failure_leaves_the_other_sources_series_stored():
    # Given ETH then BTC on Kraken, where ETH fails for Kraken's own reason (throttled after its retries), and a
    # series on another source
    world, kraken, other = World(), ScriptedExchange(), ScriptedExchange(name="coingecko")
    kraken.fail["ETH-USD"] = TransientSourceError("kraken ETH/USD: 429 rate limited")
    hype = WatchedSeries(series=Series.of("coingecko", "HYPE/USD", "1h"), backfill_candles=24, coingecko_id="hype")

    # When the run ingests the watchlist
    run = run_ingest(
        Watchlist(series=(ETH, BTC, hype)),
        now_ms=NOW + 15 * MINUTE,
        sources={"kraken": kraken, "coingecko": other},
        stores=world.stores,
    )

    # Then the other source's series is stored; ETH failed with its error and BTC was not fetched (Kraken is not
    # called again this run: ingest/breaker.py), their cursors unmoved for the next tick
    by_series = {r.series: r for r in run.series}
    assert by_series["coingecko:HYPE-USD:1h"].status == "stored"
    eth, btc = by_series["kraken:ETH-USD:1h"], by_series["kraken:BTC-USD:1h"]
    assert (eth.status, eth.error_kind, eth.error) == (
        "failed",
        "TransientSourceError",
        "kraken ETH/USD: 429 rate limited",
    )
    assert (btc.status, btc.error_kind) == ("failed", "SourceNotCalled")
    assert [c[0] for c in kraken.calls] == ["kraken:ETH-USD:1h"]
    assert world.candles.cursor(ETH.series) is None and world.candles.cursor(BTC.series) is None


def test_an_unexpected_exception_is_reported_with_its_type():
    # Given a source with a bug for ETH
    world, source = World(), ScriptedExchange(fail={"ETH-USD": KeyError("close")})

    # When the run ingests ETH
    run = run_ingest(Watchlist(series=(ETH,)), now_ms=NOW, sources={"kraken": source}, stores=world.stores)

    # Then the report names the exception type and message, so the log line says what broke
    [eth] = run.series
    assert (eth.status, eth.error_kind, eth.error) == ("failed", "Bug", "KeyError: 'close'")


def test_a_failed_publish_leaves_the_cursor_where_it_was():
    # Given a stream that refuses the next record
    world, source = World(), ScriptedExchange()
    world.stream.refuse_next = 1

    # When the series is ingested
    run = run_ingest(Watchlist(series=(BTC,)), now_ms=NOW, sources={"kraken": source}, stores=world.stores)

    # Then the series is reported failed on storage, and its cursor has not moved
    [report] = run.series
    assert (report.status, report.error_kind) == ("failed", "StorageError")
    assert world.candles.cursor(BTC.series) is None
    assert world.stream.records == []


def test_after_a_failed_publish_the_next_run_publishes_the_same_candles():
    # Given a run whose publish failed after the candles were written
    world, source = World(), ScriptedExchange()
    world.stream.refuse_next = 1
    watchlist = Watchlist(series=(BTC,))
    run_ingest(watchlist, now_ms=NOW, sources={"kraken": source}, stores=world.stores)
    written = world.candles.ts(BTC)

    # When the next tick runs (the stream accepts again)
    run = run_ingest(watchlist, now_ms=NOW + 5 * MINUTE, sources={"kraken": source}, stores=world.stores)

    # Then the same candles are published, nothing is lost, and the cursor moves
    assert run.series[0].status == "stored"
    assert [u.candle_ts for u in world.stream.updates] == [written]
    assert world.candles.ts(BTC) == written
    assert world.candles.cursor(BTC.series) == LAST_CLOSED


def test_the_run_report_adds_up_the_series_and_is_loggable_as_json():
    # Given two series, one of which the source does not list
    world, source = World(), ScriptedExchange(fail={"ETH-USD": UnknownSymbolError("kraken ETH/USD: unknown market")})

    # When the run ingests them
    run = run_ingest(Watchlist(series=(BTC, ETH)), now_ms=NOW, sources={"kraken": source}, stores=world.stores)

    # Then the totals are those of the series, and the report serializes for a structured log line
    summary = json.loads(json.dumps(run.as_dict()))
    assert (summary["stored"], summary["rejected"], summary["failed"]) == (24, 0, ["kraken:ETH-USD:1h"])
    assert [s["status"] for s in summary["series"]] == ["stored", "failed"]
