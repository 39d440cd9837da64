"""The daily run's market scan part: the breakout model over the newest scan's coins, its report for the digest."""

from __future__ import annotations

import threading
from typing import Any

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.training.scan import HISTORY_HOURS, READERS, read_coins, train_scans
from tests.fakes.training import CandleArchive as Archive
from tests.fakes.training import FakeScanReports as Reports
from tests.unit.forecast.test_scan_breakout import market

WATCHLIST = parse_watchlist("series:\n  - {source: coingecko-markets, top: 20, vs: usd}\n")
CONFIG = ForecastConfig(horizon=24, threshold_pct=10.0, folds=3, min_train_fraction=0.4, rf_trees=20, rf_min_leaf=40)
NOW = 1_800_000_000_000


def snapshot_of(candles: dict[str, list[Candle]]) -> dict[str, Any]:
    return {"coins": [{"series": key, "name": key.split(":")[1]} for key in candles]}


def test_the_scans_coins_are_trained_together_and_the_report_carries_the_card_and_each_coins_probability():
    # Given 20 coins' history in the archive and the newest scan's snapshot naming them
    candles = market(20, 700, tell=True)
    reports = Reports(snapshot_of(candles))

    # When the daily run trains the scan
    outcomes = train_scans(WATCHLIST, now_ms=NOW, archive=Archive(candles), reports=reports, config=CONFIG)

    # Then one model was trained over the 20 coins, and its report has the card and 20 probabilities
    assert outcomes == [{"scan": "top 20 USD", "status": "trained", "coins": 20, "verdict": outcomes[0]["verdict"]}]
    report = reports.written["USD"]
    assert report["card"]["model"] == "scan_breakout_rf" and report["card"]["verdict"] == outcomes[0]["verdict"]
    assert len(report["latest"]) == 20 and report["trained_at"] == NOW


def test_a_scan_too_young_to_test_writes_a_report_that_says_so():
    # Given a scan stored for only 12 days
    candles = market(5, 300, tell=True)
    reports = Reports(snapshot_of(candles))

    # When the daily run trains it
    outcomes = train_scans(WATCHLIST, now_ms=NOW, archive=Archive(candles), reports=reports, config=CONFIG)

    # Then it is skipped with the reason, and the report says it was not trained (the digest quotes it)
    assert outcomes[0]["status"] == "skipped"
    assert reports.written["USD"]["error"].startswith("not trained:")


def test_before_the_first_scan_nothing_is_trained():
    outcomes = train_scans(WATCHLIST, now_ms=NOW, archive=Archive({}), reports=Reports(None), config=CONFIG)
    assert outcomes == [{"scan": "top 20 USD", "status": "skipped", "reason": "no scan stored yet"}]


def test_the_coins_are_read_readers_at_a_time_each_under_its_own_name():
    # Given 20 coins, and an archive whose reads each wait until READERS of them are under way at once
    candles = market(20, 300, tell=True)
    together = threading.Barrier(READERS, timeout=10)

    class AllAtOnce(Archive):
        def read(self, series: Series) -> list[Candle]:
            together.wait()  # one after the other, the first read would wait here alone and time out
            return super().read(series)

    # When the scan's coins are read: each coin's own last HISTORY_HOURS, under its own name
    got = read_coins(AllAtOnce(candles), list(candles))
    assert list(got) == list(candles)
    assert got == {key: c[-HISTORY_HOURS:] for key, c in candles.items()}


def test_a_coin_that_cannot_be_read_fails_its_scan_with_the_error_naming_it():
    candles = market(20, 300, tell=True)
    broken = sorted(candles)[7]

    class OneUnreadable(Archive):
        def read(self, series: Series) -> list[Candle]:
            if series.key == broken:
                raise StorageError(f"listing the archive of {series.key}: AccessDenied")
            return super().read(series)

    outcomes = train_scans(
        WATCHLIST, now_ms=NOW, archive=OneUnreadable(candles), reports=Reports(snapshot_of(candles)), config=CONFIG
    )
    assert outcomes == [
        {
            "scan": "top 20 USD",
            "status": "failed",
            "error": f"listing the archive of {broken}: AccessDenied",
            "kind": "storage",
        }
    ]
