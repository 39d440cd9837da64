"""The market scan's ingest: one scan per closed hour, each coin stored as its own series."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from crypto_advisor.contracts.errors import TransientSourceError
from crypto_advisor.contracts.market_scan import MarketScan, ScanAnswer, ScanCoin
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.ingest.service import Stores, run_ingest
from tests.fakes.ingest import MemoryArchive, MemoryCandleStore, MemoryStream

H = 3_600_000
T0 = 1_767_225_600_000  # 2026-01-01T00:00Z
NOW = T0 + 13 * H + 4 * 60_000

WATCHLIST = parse_watchlist("series:\n  - {source: coingecko-markets, top: 3, vs: usd}\n")


@dataclass
class FakeScanner:
    """ScanSource: each coin's hourly closes up to the forming hour of the call; can fail or count calls."""

    name: str = "coingecko-markets"
    calls: int = 0
    fail: bool = False
    coins: tuple[str, ...] = ("BTC", "ETH", "SOL")
    refused: list[tuple[str, str]] = field(default_factory=list)

    def scan(self, scan: MarketScan, *, now_ms: int) -> ScanAnswer:
        self.calls += 1
        if self.fail:
            raise TransientSourceError("coingecko markets page 1: HTTPError: 429")
        forming = now_ms - now_ms % H
        coins = []
        for rank, symbol in enumerate(self.coins, start=1):
            rows = [[forming - k * H, 10.0 + k, 10.0 + k, 10.0 + k, 10.0 + k, None] for k in range(167, -1, -1)]
            rows[-2][5] = 1e6
            coins.append(ScanCoin(scan.series_of(symbol), symbol.lower(), symbol, rank, rows, 1e6, 2.5))
        return ScanAnswer(coins=coins, refused=list(self.refused), calls=1)


def world() -> tuple[MemoryCandleStore, Stores]:
    candles = MemoryCandleStore()
    return candles, Stores(candles=candles, archive=MemoryArchive(), stream=MemoryStream())


def test_a_first_scan_stores_seven_days_of_each_coin_and_reports_the_scan_first():
    # Given a watchlist with a top-3 scan and nothing stored
    candles, stores = world()
    scanner = FakeScanner(refused=[("usdt0", "symbol 'usd₮0' cannot be a series symbol (A-Z, 0-9)")])

    # When the ingest runs
    report = run_ingest(WATCHLIST, now_ms=NOW, sources={"coingecko-markets": scanner}, stores=stores)

    # Then one scan was made, each coin has its 167 closed hours, and the refused coin is reported with its reason
    assert scanner.calls == 1
    scan_report, *coins = report.series
    assert scan_report.series == "coingecko-markets:USD:scan" and scan_report.status == "stored"
    assert "usdt0: symbol" in scan_report.rejected[0].reason
    assert [c.series for c in coins] == [f"coingecko-markets:{s}-USD:1h" for s in ("BTC", "ETH", "SOL")]
    assert all(c.status == "stored" and c.stored == 167 for c in coins)
    assert candles.cursors["coingecko-markets:BTC-USD:1h"] == T0 + 12 * H


def test_the_scan_runs_once_per_closed_hour_whatever_the_schedule():
    # Given a scan made at 13:04
    _, stores = world()
    scanner = FakeScanner()
    run_ingest(WATCHLIST, now_ms=NOW, sources={"coingecko-markets": scanner}, stores=stores)

    # When the five-minute schedule runs again at 13:09 and 13:59, then at 14:04
    later = [
        run_ingest(WATCHLIST, now_ms=NOW + m * 60_000, sources={"coingecko-markets": scanner}, stores=stores)
        for m in (5, 55)
    ]
    next_hour = run_ingest(WATCHLIST, now_ms=NOW + H, sources={"coingecko-markets": scanner}, stores=stores)

    # Then the runs within the hour made no call, and the next hour's scan stored one new candle per coin
    assert [r.series[0].status for r in later] == ["up_to_date", "up_to_date"]
    assert scanner.calls == 2
    assert [c.stored for c in next_hour.series[1:]] == [1, 1, 1]


def test_a_coin_that_fails_to_store_is_reported_and_the_others_are_stored():
    # Given the table refuses SOL's candles
    candles, stores = world()
    candles.fail_for.add("coingecko-markets:SOL-USD:1h")

    # When the scan is ingested
    report = run_ingest(WATCHLIST, now_ms=NOW, sources={"coingecko-markets": FakeScanner()}, stores=stores)

    # Then SOL failed with the reason, and BTC and ETH were stored
    statuses = {r.series: r.status for r in report.series[1:]}
    assert statuses == {
        "coingecko-markets:BTC-USD:1h": "stored",
        "coingecko-markets:ETH-USD:1h": "stored",
        "coingecko-markets:SOL-USD:1h": "failed",
    }
    assert "ProvisionedThroughputExceeded" in (report.series[3].error or "")


def test_a_failed_scan_moves_no_cursor_and_the_next_run_asks_again():
    # Given CoinGecko rate-limits the scan
    _, stores = world()
    scanner = FakeScanner(fail=True)

    # When the ingest runs, then runs again five minutes later with CoinGecko answering
    first = run_ingest(WATCHLIST, now_ms=NOW, sources={"coingecko-markets": scanner}, stores=stores)
    scanner.fail = False
    second = run_ingest(WATCHLIST, now_ms=NOW + 5 * 60_000, sources={"coingecko-markets": scanner}, stores=stores)

    # Then the first run reports the scan failed, naming why, and the second one scans and stores
    assert first.series[0].status == "failed" and "429" in (first.series[0].error or "")
    assert first.failed[0].series == "coingecko-markets:USD:scan"
    assert second.series[0].status == "stored" and scanner.calls == 2


class MemoryScanReports:
    def __init__(self) -> None:
        self.snapshots: dict[str, dict] = {}

    def put_snapshot(self, vs: str, snapshot: dict) -> str:
        self.snapshots[vs] = snapshot
        return f"reports/scan/vs={vs}/latest.json"


def test_each_scan_writes_its_snapshot_with_the_24h_change_of_the_stored_candles():
    # Given stores that keep the scan's snapshot
    candles = MemoryCandleStore()
    reports = MemoryScanReports()
    stores = Stores(candles=candles, archive=MemoryArchive(), stream=MemoryStream(), scans=reports)

    # When the scan is ingested
    run_ingest(WATCHLIST, now_ms=NOW, sources={"coingecko-markets": FakeScanner()}, stores=stores)

    # Then the snapshot lists the coins in rank order, each with the change of its newest closed candle over 24 h
    snap = reports.snapshots["USD"]
    assert [c["series"] for c in snap["coins"]] == [f"coingecko-markets:{s}-USD:1h" for s in ("BTC", "ETH", "SOL")]
    assert snap["candle_ts"] == T0 + 12 * H
    # the fake's close k hours before the forming hour is 10 + k: the newest closed (k=1) 11, a day before it 35
    assert snap["coins"][0]["close"] == 11.0
    assert snap["coins"][0]["change_24h_pct"] == pytest.approx((11.0 / 35.0 - 1) * 100)
