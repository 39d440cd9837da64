"""One ingest chunk worked as IngestWorkerFunction works it, against the in-memory ports."""

from __future__ import annotations

from crypto_advisor.contracts.errors import UnknownSymbolError
from crypto_advisor.contracts.ingest_chunk import IngestChunk
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import WatchedSeries, Watchlist
from crypto_advisor.ingest.fan_out import work_chunk
from crypto_advisor.ingest.service import Stores, run_ingest
from tests.fakes.ingest import MemoryArchive, MemoryCandleStore, MemoryStream, ScriptedExchange

H = 3_600_000
T0 = 1_740_787_200_000
TICK = T0 + 60_000

SERIES = [
    WatchedSeries(series=Series.of("kraken", f"{coin}/USD", "1h"), backfill_candles=24)
    for coin in ("BTC", "ETH", "LUNA", "SOL")
]
WATCHLIST = Watchlist(series=tuple(SERIES))
BTC, ETH, LUNA, SOL = (w.series.key for w in SERIES)


def stores() -> tuple[Stores, MemoryCandleStore, MemoryStream]:
    candles, stream = MemoryCandleStore(), MemoryStream()
    return Stores(candles=candles, archive=MemoryArchive(), stream=stream), candles, stream


def test_a_chunk_stores_its_series_and_a_failing_one_stops_none_of_the_others():
    # Given a chunk of three series, one of which the exchange does not list
    chunk = IngestChunk(TICK, "kraken", 0, 2, (BTC, LUNA, ETH))
    exchange = ScriptedExchange(fail={"LUNA-USD": UnknownSymbolError("kraken LUNA/USD: unknown pair")})
    world, candles, stream = stores()
    # When a worker works it
    outcome = work_chunk(chunk, WATCHLIST, sources={"kraken": exchange}, stores=world)
    # Then BTC and ETH are stored with their cursors at the last closed hour, LUNA is reported failed with why
    assert [r.series for r in outcome.report.failed] == [LUNA]
    assert outcome.report.failed[0].error_kind == "UnknownSymbolError"
    assert candles.cursors == {BTC: T0 - H, ETH: T0 - H}
    assert {u.series for u in stream.updates} == {BTC, ETH}
    # And only the chunk's series were asked for (SOL is another chunk's), their cursors in one batch read
    assert sorted(call[0] for call in exchange.calls) == sorted([BTC, LUNA, ETH])
    assert candles.batch_reads == 1


def test_a_chunk_stores_exactly_what_the_inline_run_would_have_stored():
    # Given the same three series, once inline and once as a chunk
    inline_world, inline_candles, inline_stream = stores()
    run_ingest(
        Watchlist(series=(SERIES[0], SERIES[1])),
        now_ms=TICK,
        sources={"kraken": ScriptedExchange()},
        stores=inline_world,
    )
    chunk_world, chunk_candles, chunk_stream = stores()
    chunk = IngestChunk(TICK, "kraken", 0, 1, (BTC, ETH))
    work_chunk(chunk, WATCHLIST, sources={"kraken": ScriptedExchange()}, stores=chunk_world)
    # Then the candles, the cursors and the updates are the same
    assert chunk_candles.candles == inline_candles.candles
    assert chunk_candles.cursors == inline_candles.cursors
    assert chunk_stream.records == inline_stream.records


def test_a_redelivered_chunk_calls_no_exchange_and_stores_nothing_new():
    # Given a chunk worked once
    world, _, stream = stores()
    chunk = IngestChunk(TICK, "kraken", 0, 1, (BTC, ETH))
    work_chunk(chunk, WATCHLIST, sources={"kraken": ScriptedExchange()}, stores=world)
    # When SQS delivers it again (at least once)
    again = ScriptedExchange()
    outcome = work_chunk(chunk, WATCHLIST, sources={"kraken": again}, stores=world)
    # Then the cursors say both are up to date: no call, no record
    assert again.calls == [] and outcome.report.stored == 0
    assert len(stream.records) == 2


def test_a_series_no_longer_watched_is_skipped_and_reported():
    world, _, _ = stores()
    chunk = IngestChunk(TICK, "kraken", 0, 1, (BTC, "kraken:DOGE-USD:1h"))
    exchange = ScriptedExchange()
    outcome = work_chunk(chunk, WATCHLIST, sources={"kraken": exchange}, stores=world)
    assert outcome.no_longer_watched == ["kraken:DOGE-USD:1h"]
    assert [call[0] for call in exchange.calls] == [BTC]
