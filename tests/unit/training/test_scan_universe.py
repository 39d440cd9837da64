"""The scan's breakout model is trained on the coins the scan held at each hour, not on today's coins only.

Survivorship: a model fitted on the newest snapshot's coins learns only from the coins that stayed in the top N
(or climbed into it), and never from those that fell out, so its base rate comes out too high. These tests store
an archive as the scan's ingest does (a coin's candles only while the scan holds it, the scan's 24 h volume on the
hours it was held, the sparkline's week before an entry filled in without volume) and check what is trained on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import crypto_advisor.training.scan as training_scan
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.scan_breakout import build_scan_dataset
from crypto_advisor.telemetry.catalog import TRAIN_SERIES_FAILED
from crypto_advisor.telemetry.observability import metrics
from crypto_advisor.telemetry.training import record_scans
from crypto_advisor.training.scan import HISTORY_HOURS, POINT_IN_TIME, read_universe, train_scans
from tests.fakes.training import CandleArchive as Archive
from tests.fakes.training import FakeScanReports as Reports

T0 = 1_767_225_600_000
#: The sparkline's week: the hours an entering coin's first scan stores without a volume reading.
SPARKLINE_HOURS = 7 * 24
WATCHLIST = "series:\n  - {source: coingecko-markets, top: 20, vs: usd}\n"
CONFIG = ForecastConfig(horizon=24, threshold_pct=15.0, folds=3, min_train_fraction=0.4, rf_trees=10, rf_min_leaf=40)


def key(coin: int) -> str:
    return f"coingecko-markets:C{coin}-USD:1h"


def as_scanned(close: np.ndarray, volume: np.ndarray, held: np.ndarray) -> list[Candle]:
    """One coin's candles as the scan archives them: the hours it was held with the scan's volume reading, and on
    each entry the sparkline's week before it (the hours not stored yet) without one; nothing after it left."""
    stored: dict[int, Candle] = {}
    last = -1
    for hour in np.flatnonzero(held):
        for before in range(max(last + 1, hour - SPARKLINE_HOURS), hour):
            stored[before] = Candle(T0 + before * HOUR_MS, *[float(close[before])] * 4, None)
        stored[hour] = Candle(T0 + hour * HOUR_MS, *[float(close[hour])] * 4, float(volume[hour]))
        last = hour
    return [stored[hour] for hour in sorted(stored)]


class ScanArchive(Reports):
    """The scan's reports over an archive: every coin archived is a coin the scan held once, as in S3."""

    def __init__(self, snapshot: dict[str, Any] | None, archive: Archive) -> None:
        super().__init__(snapshot)
        self.archive = archive
        self.asked: list[str] = []

    def archived_coins(self, vs: str) -> list[Series]:
        return [Series.parse(k) for k in self.archive.candles if Series.parse(k).quote == vs]

    def archived_since(self, series: Series, since_ms: int) -> bool:
        self.asked.append(series.key)
        day = since_ms - since_ms % DAY_MS  # the archive's partitions are UTC days
        return any(c.ts >= day for c in self.archive.candles.get(series.key, []))


class CountingArchive(Archive):
    def __init__(self, candles: dict[str, list[Candle]]) -> None:
        super().__init__(candles)
        self.read_keys: list[str] = []

    def read(self, series: Series) -> list[Candle]:
        self.read_keys.append(series.key)
        return super().read(series)


def snapshot(keys: list[str]) -> dict[str, Any]:
    return {"coins": [{"series": k, "name": k.split(":")[1]} for k in keys]}


@pytest.fixture
def trained_on(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What ``train_scans`` hands the model (the real model still runs): ``candles`` of the last scan trained."""
    seen: dict[str, Any] = {}
    real = training_scan.evaluate_scan

    def spy(candles: Any, **kwargs: Any) -> Any:
        seen["candles"] = dict(candles)
        return real(candles, **kwargs)

    monkeypatch.setattr(training_scan, "evaluate_scan", spy)
    return seen


@dataclass
class Churn:
    """Eight coins held throughout, one that left at hour 400, one that entered at hour 400 (of 700)."""

    archive: Archive
    snapshot: dict[str, Any]
    leaver: str = key(8)
    entrant: str = key(9)
    moved_at: int = 400


def churn() -> Churn:
    rng = np.random.default_rng(3)
    hours = 700
    held = np.ones((10, hours), dtype=bool)
    held[8, 400:] = False  # the leaver
    held[9, :400] = False  # the entrant
    close = 10 * np.exp(np.cumsum(rng.normal(0, 0.02, (10, hours)), axis=1))
    volume = 1e6 * np.exp(rng.normal(0, 0.3, (10, hours)))
    candles = {key(c): as_scanned(close[c], volume[c], held[c]) for c in range(10)}
    return Churn(Archive(candles), snapshot([key(c) for c in range(10) if c != 8]))


def rows_of(candles: dict[str, list[Candle]], coin: str) -> np.ndarray:
    """The hours (from T0) of ``coin``'s training rows: those with a known outcome."""
    data = build_scan_dataset(candles, CONFIG)
    if coin not in data.coins:
        return np.zeros(0, dtype=np.int64)
    index = data.coins.index(coin)
    mine = (data.coin == index) & ~np.isnan(data.y)
    return (data.ts[mine] - T0) // HOUR_MS


def test_a_coin_that_left_the_scan_is_trained_on_for_its_hours_in_it_and_an_entrant_only_from_its_entry(trained_on):
    # Given a scan whose coin C8 fell out at hour 400 and whose coin C9 entered then (the snapshot holds C9, not C8)
    market = churn()
    reports = ScanArchive(market.snapshot, market.archive)

    # When the daily run trains the scan
    outcomes = train_scans(
        parse_watchlist(WATCHLIST), now_ms=T0 + 700 * HOUR_MS, archive=market.archive, reports=reports, config=CONFIG
    )

    # Then the leaver's hours in the scan are rows (the model learns what became of it), none after it left,
    left = rows_of(trained_on["candles"], market.leaver)
    assert outcomes[0]["status"] == "trained"
    assert len(left) > 100 and left.max() < market.moved_at
    # and the entrant's rows start at its entry: its week filled in from the sparkline is no row
    entered = rows_of(trained_on["candles"], market.entrant)
    assert len(entered) > 100 and entered.min() >= market.moved_at


def test_the_report_ranks_the_scans_coins_only_and_says_what_the_model_was_trained_on():
    # Given the same scan: C8 left at hour 400
    market = churn()
    reports = ScanArchive(market.snapshot, market.archive)

    # When the daily run trains it
    train_scans(
        parse_watchlist(WATCHLIST), now_ms=T0 + 700 * HOUR_MS, archive=market.archive, reports=reports, config=CONFIG
    )

    # Then the coins ranked are the snapshot's (C8 has no probability "now": it is not in the scan),
    report = reports.written["USD"]
    assert sorted(report["latest"]) == sorted(c["series"] for c in market.snapshot["coins"])
    # and the report says the universe was point in time, with the one coin that left
    assert report["universe"] == {
        "rule": POINT_IN_TIME,
        "from": T0 + (699 - (HISTORY_HOURS - 1)) * HOUR_MS,
        "to": T0 + 699 * HOUR_MS,
        "first_candle": T0,
        "coins": 10,
        "left_the_scan": 1,
    }


def test_a_coin_that_left_before_the_window_is_asked_about_once_and_not_read():
    # Given 120 days of a scan: C8 left after its 10th day, before the window (the last 90 days); C9 on day 100
    hours = HISTORY_HOURS + 30 * 24
    rng = np.random.default_rng(4)
    held = np.ones((10, hours), dtype=bool)
    held[8, 10 * 24 :] = False
    held[9, 100 * 24 :] = False
    close = 10 * np.exp(np.cumsum(rng.normal(0, 0.02, (10, hours)), axis=1))
    volume = np.full(hours, 1e6)
    archive = CountingArchive({key(c): as_scanned(close[c], volume, held[c]) for c in range(10)})
    reports = ScanArchive(snapshot([key(c) for c in range(8)]), archive)

    # When the universe is read
    universe = read_universe(archive, reports, "USD", [key(c) for c in range(8)])

    # Then the archive was asked once about each coin not in the snapshot, and only C9 was read and kept
    assert sorted(reports.asked) == [key(8), key(9)]
    assert key(8) not in archive.read_keys and key(9) in archive.read_keys
    assert sorted(universe.candles) == sorted(key(c) for c in range(10) if c != 8)
    assert universe.left == (key(9),)
    # each coin cut to the window
    assert min(c.ts for c in universe.candles[key(9)]) == universe.since_ms == T0 + 30 * 24 * HOUR_MS


def base_rate(candles: dict[str, list[Candle]], config: ForecastConfig) -> float:
    """The share of the rows with a known outcome that broke out: the base rate a model of these rows learns."""
    data = build_scan_dataset(candles, config)
    return float(np.nanmean(data.y))


def test_on_a_null_market_the_base_rate_trained_on_is_the_true_one_not_the_survivors(trained_on):
    # Given a null market: 120 coins, each a driftless random walk, market caps close enough that the top 20 churns
    # (a coin's rank at an hour says nothing of its next hours), archived as the scan stores them
    rng = np.random.default_rng(0)
    coins, top, hours = 120, 20, 800
    log_close = np.cumsum(rng.normal(0, 0.02, (coins, hours)), axis=1)
    rank = np.argsort(np.argsort(-(rng.normal(0, 0.2, coins)[:, None] + log_close), axis=0), axis=0)
    held = rank < top
    close, volume = 10 * np.exp(log_close), 1e6 * np.exp(rng.normal(0, 0.3, (coins, hours)))
    archive = Archive({key(c): as_scanned(close[c], volume[c], held[c]) for c in range(coins) if held[c].any()})
    now = [key(c) for c in np.flatnonzero(held[:, -1])]
    # the true base rate of the scan's hours: the same coin-hours (held then) with every outcome known, as if the
    # archive had kept each coin's prices after it left; an unbiased sample of the rate every coin has, since
    # membership at an hour is independent of what follows
    known = {
        key(c): [
            Candle(T0 + h * HOUR_MS, *[float(close[c, h])] * 4, float(volume[c, h]) if held[c, h] else None)
            for h in range(hours)
        ]
        for c in range(coins)
    }
    config = ForecastConfig(horizon=6, threshold_pct=5.0, folds=3, min_train_fraction=0.4, rf_trees=10, rf_min_leaf=40)
    true = base_rate(known, config)
    tolerance = 0.005
    # (today's coins alone, the survivors, would read it too high: the test can fail)
    assert base_rate({k: archive.candles[k] for k in now}, config) > true + 2 * tolerance

    # When the daily run trains the scan whose newest snapshot holds today's top 20
    train_scans(
        parse_watchlist(WATCHLIST),
        now_ms=T0 + hours * HOUR_MS,
        archive=archive,
        reports=ScanArchive(snapshot(now), archive),
        config=config,
    )

    # Then the rows it trained on break out at the true rate (what is left: the outcomes of a coin's last hours
    # before it fell out are unknown, and those rows are not used)
    assert base_rate(trained_on["candles"], config) == pytest.approx(true, abs=tolerance)


class SnapshotsByCurrency(Reports):
    """Each scan's stored snapshot by its currency."""

    def __init__(self, by_vs: dict[str, dict[str, Any] | None]) -> None:
        super().__init__(None)
        self.by_vs = by_vs

    def snapshot(self, vs: str) -> dict[str, Any] | None:
        return self.by_vs[vs]


def test_a_scans_bug_fails_that_scan_alone_and_is_counted_for_the_training_alarm():
    # Given two scans: USD's stored snapshot has a coin without its series (a bug's, or a hand edit's), EUR has none
    watchlist = parse_watchlist(WATCHLIST + "  - {source: coingecko-markets, top: 20, vs: eur}\n")
    reports = SnapshotsByCurrency({"USD": {"coins": [{"name": "Bitcoin"}]}, "EUR": None})

    # When the daily run trains the scans (before every series)
    outcomes = train_scans(watchlist, now_ms=T0, archive=Archive({}), reports=reports, config=CONFIG)

    # Then USD's failure is reported with its kind, and EUR is still handled: nothing raised to stop the series
    usd, eur = outcomes
    assert (usd["status"], usd["kind"]) == ("failed", "bug") and usd["error"].startswith("KeyError")
    assert eur["status"] == "skipped"
    # and the failure counts where the training alarm reads it
    metrics.clear_metrics()
    record_scans(outcomes)
    assert metrics.metric_set[TRAIN_SERIES_FAILED.name]["Value"] == [1.0]
    metrics.clear_metrics()
