"""One run's circuit breaker per source (ingest/breaker.py): a source that cannot answer is called for one series.

Kraken is the real :class:`KrakenSource` (its ccxt error mapping and its retries) over a fake ccxt exchange that
raises ccxt's own exceptions; the stores are the in-memory fakes.
"""

from __future__ import annotations

from typing import Any

import ccxt
import pytest

from crypto_advisor.adapters.kraken import KrakenSource
from crypto_advisor.contracts.errors import (
    MalformedResponseError,
    RateLimitedError,
    SourceAuthError,
    SourceError,
    TransientSourceError,
    UnknownSymbolError,
)
from crypto_advisor.contracts.ingest_chunk import IngestChunk
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import WatchedSeries, Watchlist
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.ingest.fan_out import work_chunk
from crypto_advisor.ingest.service import Stores, run_ingest
from tests.fakes.ingest import MemoryArchive, MemoryCandleStore, MemoryStream, ScriptedExchange, price_row
from tests.unit.test_ingest_scan import FakeScanner

H = 3_600_000
T0 = 1_767_268_800_000  # 2026-01-01T12:00Z
NOW = T0 + 20 * 60_000  # 12:20: the 11:00 hour closed
BEHIND = T0 - 3 * H  # every series' cursor: 09:00, so the 10:00 and 11:00 hours are due

KRAKEN = [
    WatchedSeries(series=Series.of("kraken", f"{coin}/USD", "1h"), backfill_candles=24)
    for coin in ("BTC", "ETH", "SOL", "XRP", "ADA", "DOT")
]
HYPE = WatchedSeries(series=Series.of("coingecko", "HYPE/USD", "1h"), backfill_candles=24, coingecko_id="hyperliquid")
WATCHLIST = Watchlist(series=(*KRAKEN, HYPE))
TIMEOUT = "kraken GET https://api.kraken.com/0/public/OHLC request timed out (10000 ms)"


class FakeKrakenExchange:
    """The part of ccxt's ``kraken`` that KrakenSource uses: OHLC rows up to the forming hour, or ccxt's exception
    for a pair in ``fail``. Each call spends ccxt's 10 s timeout (a failure) or 1 s on ``clock``; every call is
    recorded."""

    rateLimit = 1000

    def __init__(self, clock: list[float], fail: dict[str, Exception] | None = None) -> None:
        self.clock = clock
        self.fail = fail or {}
        self.calls: list[str] = []
        self.markets = {"BTC/USD": {}}
        self.currencies = {"BTC": {}}
        self.enableLastJsonResponse = True
        self.last_json_response: Any = None
        self.last_http_response = ""

    def load_markets(self, reload: bool = False) -> dict:
        return self.markets

    def market(self, pair: str) -> dict:
        return {"id": pair.replace("/", "")}

    def fetch_ohlcv(self, pair: str, timeframe: str, since: int, limit: int) -> list[list[Any]]:
        self.calls.append(pair)
        if pair in self.fail:
            self.clock[0] += 10.0
            raise self.fail[pair]
        self.clock[0] += 1.0
        rows = [price_row(ts) for ts in range(since, NOW - NOW % H + 1, H)]
        self.last_json_response = {"error": [], "result": {self.market(pair)["id"]: rows, "last": 0}}
        return rows


def kraken(exchange: FakeKrakenExchange) -> KrakenSource:
    """The production adapter (4 attempts, its backoff) sleeping on the exchange's fake clock."""

    def sleep(seconds: float) -> None:
        exchange.clock[0] += seconds

    return KrakenSource(exchange, sleep=sleep)  # type: ignore[arg-type]


def world() -> tuple[MemoryCandleStore, Stores]:
    candles = MemoryCandleStore()
    candles.cursors = {w.series.key: BEHIND for w in WATCHLIST}
    return candles, Stores(candles=candles, archive=MemoryArchive(), stream=MemoryStream())


def by_series(reports: list) -> dict:
    return {r.series: r for r in reports}


class ReachedAt(ScriptedExchange):
    """The CoinGecko series' source, noting on the fake clock when the run first reached it."""

    def __init__(self, clock: list[float]) -> None:
        super().__init__(name="coingecko")
        self.clock = clock
        self.reached_at: float | None = None

    def fetch_ohlcv(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]:
        if self.reached_at is None:
            self.reached_at = self.clock[0]
        return super().fetch_ohlcv(watched, since_ms=since_ms, now_ms=now_ms)


def test_a_timing_out_source_is_called_for_its_first_series_only_and_the_other_source_is_stored():
    # Given six Kraken series whose every call times out (ccxt's RequestTimeout after its 10 s), then a CoinGecko one
    clock = [0.0]
    exchange = FakeKrakenExchange(clock, fail={w.series.pair: ccxt.RequestTimeout(TIMEOUT) for w in KRAKEN})
    gecko = ReachedAt(clock)
    candles, stores = world()

    # When the run ingests the watchlist
    run = run_ingest(WATCHLIST, now_ms=NOW, sources={"kraken": kraken(exchange), "coingecko": gecko}, stores=stores)

    # Then Kraken was called for the first series only (its 4 attempts), and the CoinGecko series was reached after
    # that one series' retries (under a minute, not six series' worth of the 240 s invocation) and stored
    assert exchange.calls == ["BTC/USD"] * 4
    assert gecko.reached_at is not None and gecko.reached_at < 60
    reports = by_series(run.series)
    assert reports[HYPE.series.key].status == "stored"
    assert candles.cursors[HYPE.series.key] == T0 - H
    # And the first Kraken series failed with its own error; the five others were not fetched, saying why
    first = reports[KRAKEN[0].series.key]
    assert (first.status, first.error_kind) == ("failed", "TransientSourceError")
    for watched in KRAKEN[1:]:
        report = reports[watched.series.key]
        assert (report.status, report.error_kind) == ("failed", "SourceNotCalled")
        assert report.error == (
            f"not fetched: kraken failed kraken:BTC-USD:1h this run ({first.error_kind}: {first.error}); "
            "next tick retries"
        )
        assert report.error.startswith("not fetched: kraken failed kraken:BTC-USD:1h this run (TransientSourceError")
        assert "RequestTimeout" in report.error and report.error.endswith("; next tick retries")
    # And no Kraken cursor moved, so the next tick finds every Kraken series due again
    assert all(candles.cursors[w.series.key] == BEHIND for w in KRAKEN)
    assert [r.series for r in run.failed] == [w.series.key for w in KRAKEN]


def test_the_next_run_calls_the_source_again_and_stores_what_the_tripped_run_did_not():
    # Given a run in which Kraken timed out
    clock = [0.0]
    candles, stores = world()
    down = FakeKrakenExchange(clock, fail={w.series.pair: ccxt.RequestTimeout(TIMEOUT) for w in KRAKEN})
    sources = {"coingecko": ScriptedExchange(name="coingecko")}
    run_ingest(WATCHLIST, now_ms=NOW, sources={**sources, "kraken": kraken(down)}, stores=stores)

    # When the next tick runs with Kraken answering again
    up = FakeKrakenExchange(clock)
    run = run_ingest(WATCHLIST, now_ms=NOW + 5 * 60_000, sources={**sources, "kraken": kraken(up)}, stores=stores)

    # Then every Kraken series is called and stored: the breaker lasts one run
    assert up.calls == [w.series.pair for w in KRAKEN]
    assert all(by_series(run.series)[w.series.key].status == "stored" for w in KRAKEN)
    assert all(candles.cursors[w.series.key] == T0 - H for w in KRAKEN)


@pytest.mark.parametrize(
    "error",
    [
        ccxt.BadSymbol("kraken does not have market symbol ETH/USD"),
        ccxt.ExchangeError('kraken {"error":["EQuery:Unknown asset pair"]}'),
        ccxt.BadResponse("kraken GET https://api.kraken.com/0/public/OHLC <html>502 Bad Gateway</html>"),
    ],
    ids=["unknown-symbol", "unknown-pair", "malformed-answer"],
)
def test_an_error_of_one_series_does_not_trip_the_breaker_for_the_others(error):
    # Given six Kraken series, the second of which Kraken does not list, or answers with something that is not OHLC
    clock = [0.0]
    exchange = FakeKrakenExchange(clock, fail={"ETH/USD": error})
    candles, stores = world()

    # When the run ingests them
    run = run_ingest(Watchlist(series=tuple(KRAKEN)), now_ms=NOW, sources={"kraken": kraken(exchange)}, stores=stores)

    # Then ETH alone failed (asked once: not retried), and every other series was called and stored
    reports = by_series(run.series)
    assert [r.series for r in run.failed] == ["kraken:ETH-USD:1h"]
    assert reports["kraken:ETH-USD:1h"].error_kind in ("UnknownSymbolError", "MalformedResponseError")
    assert exchange.calls == [w.series.pair for w in KRAKEN]
    assert all(candles.cursors[w.series.key] == T0 - H for w in KRAKEN if w.series.symbol != "ETH-USD")


@pytest.mark.parametrize(
    ("error", "trips"),
    [
        (TransientSourceError("kraken ETH/USD: ExchangeNotAvailable: kraken is down for maintenance"), True),
        (RateLimitedError("kraken ETH/USD: the allowance is used up"), True),
        (UnknownSymbolError("kraken ETH/USD: unknown market"), False),
        (MalformedResponseError("kraken ETH/USD: OHLC answer is not JSON"), False),
        (SourceAuthError("kraken ETH/USD: PermissionDenied"), False),
        (SourceError("kraken ETH/USD: ExchangeError: something else"), False),
        (KeyError("close"), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_only_an_error_saying_the_source_cannot_answer_trips_it(error, trips):
    # Given ETH, BTC and SOL on one source, where ETH (the first) fails in one way
    eth, btc, sol = KRAKEN[1], KRAKEN[0], KRAKEN[2]
    source = ScriptedExchange(fail={"ETH-USD": error})
    _, stores = world()

    # When the run ingests them
    run = run_ingest(Watchlist(series=(eth, btc, sol)), now_ms=NOW, sources={"kraken": source}, stores=stores)

    # Then the source is asked for BTC and SOL only if the error concerned ETH alone
    asked = [call[0] for call in source.calls]
    statuses = [r.status for r in run.series]
    if trips:
        assert asked == [eth.series.key]
        assert statuses == ["failed", "failed", "failed"]
        assert {r.error_kind for r in run.series[1:]} == {"SourceNotCalled"}
    else:
        assert asked == [eth.series.key, btc.series.key, sol.series.key]
        assert statuses == ["failed", "stored", "stored"]


def test_a_tripped_source_s_series_that_are_not_due_are_still_up_to_date():
    # Given Kraken timing out for BTC (due) while ETH is caught up to the newest closed hour
    clock = [0.0]
    exchange = FakeKrakenExchange(clock, fail={"BTC/USD": ccxt.RequestTimeout(TIMEOUT)})
    candles, stores = world()
    candles.cursors[KRAKEN[1].series.key] = T0 - H

    # When the run ingests both
    watchlist = Watchlist(series=tuple(KRAKEN[:2]))
    run = run_ingest(watchlist, now_ms=NOW, sources={"kraken": kraken(exchange)}, stores=stores)

    # Then ETH, which would have asked nothing anyway, is up to date, not failed
    assert [r.status for r in run.series] == ["failed", "up_to_date"]


def test_a_worker_s_chunk_calls_a_timing_out_source_for_its_first_series_only():
    # Given a fanned-out chunk of four Kraken series, every call timing out
    clock = [0.0]
    exchange = FakeKrakenExchange(clock, fail={w.series.pair: ccxt.RequestTimeout(TIMEOUT) for w in KRAKEN})
    candles, stores = world()
    chunk = IngestChunk(NOW, "kraken", 0, 1, tuple(w.series.key for w in KRAKEN[:4]))

    # When a worker works it
    outcome = work_chunk(chunk, WATCHLIST, sources={"kraken": kraken(exchange)}, stores=stores)

    # Then Kraken was asked for the first series only, so the worker ends in about one series' retries, well
    # inside its timeout (the chunk is not left invisible on its queue), and the three others say why they waited
    assert exchange.calls == ["BTC/USD"] * 4
    assert clock[0] < 60
    assert [r.error_kind for r in outcome.report.series] == ["TransientSourceError"] + ["SourceNotCalled"] * 3
    assert all(r.error and r.error.startswith("not fetched: kraken failed") for r in outcome.report.series[1:])
    assert all(candles.cursors[key] == BEHIND for key in chunk.series)


SCAN_WATCHLIST = parse_watchlist(
    """
series:
  - {source: kraken, symbol: BTC/USD, timeframe: 1h}
  - {source: coingecko, symbol: HYPE/USD, timeframe: 1h, coingecko_id: hyperliquid}
  - {source: coingecko, symbol: PEPE/USD, timeframe: 1h, coingecko_id: pepe}
  - {source: coingecko-markets, top: 3, vs: usd}
"""
)


def test_the_market_scan_is_made_after_kraken_tripped():
    # Given Kraken timing out
    clock = [0.0]
    exchange = FakeKrakenExchange(clock, fail={"BTC/USD": ccxt.RequestTimeout(TIMEOUT)})
    scanner = FakeScanner()
    _, stores = world()

    # When the run ingests the watchlist, its scan last
    gecko = ScriptedExchange(name="coingecko")
    sources = {"kraken": kraken(exchange), "coingecko": gecko, "coingecko-markets": scanner}
    run = run_ingest(SCAN_WATCHLIST, now_ms=NOW, sources=sources, stores=stores)

    # Then the scan (on CoinGecko) is made and stored
    assert scanner.calls == 1
    assert by_series(run.series)["coingecko-markets:USD:scan"].status == "stored"


def test_a_scan_on_a_source_that_tripped_is_not_made_and_the_next_tick_makes_it():
    # Given CoinGecko failing the first CoinGecko series with a 503 after its retries
    gecko = ScriptedExchange(name="coingecko", fail={"HYPE-USD": TransientSourceError("coingecko hyperliquid: 503")})
    scanner = FakeScanner()
    candles, stores = world()
    sources = {"kraken": ScriptedExchange(), "coingecko": gecko, "coingecko-markets": scanner}

    # When the run ingests the watchlist
    run = run_ingest(SCAN_WATCHLIST, now_ms=NOW, sources=sources, stores=stores)

    # Then Kraken's series is stored; CoinGecko's second series and the scan (CoinGecko's calls too) are not made
    reports = by_series(run.series)
    assert reports["kraken:BTC-USD:1h"].status == "stored"
    assert [call[0] for call in gecko.calls] == ["coingecko:HYPE-USD:1h"]
    assert scanner.calls == 0
    scan = reports["coingecko-markets:USD:scan"]
    assert (scan.status, scan.error_kind) == ("failed", "SourceNotCalled")
    assert scan.error == (
        "not fetched: coingecko failed coingecko:HYPE-USD:1h this run "
        "(TransientSourceError: coingecko hyperliquid: 503); next tick retries"
    )
    assert "coingecko-markets:USD:scan" not in candles.cursors
    # And the next tick, CoinGecko answering, makes the scan
    gecko.fail.clear()
    run_ingest(SCAN_WATCHLIST, now_ms=NOW + 5 * 60_000, sources=sources, stores=stores)
    assert scanner.calls == 1
