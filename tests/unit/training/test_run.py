"""The training run over fakes: gap handling, one series failing alone, and the gate on the latest pointer.

The forecaster is a fake whose losses depend on the configuration, so the
gate's decisions are tested without fitting anything; the real models are
exercised end to end in ``tests/integration/test_train_function.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.forecast.card import BREAKOUT_RF, PATH_LINEAR
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.training.calibration import CALIBRATION_DAYS
from crypto_advisor.training.forecaster import LibraryForecaster
from crypto_advisor.training.ports import Ports
from crypto_advisor.training.service import SeriesTraining, TrainingReport, run_training, trailing_run
from tests.fakes.training import FakeArchive, FakeForecaster, FakeModels, FakeReplayStats

HOUR = 3_600_000
T0 = 1_735_689_600_000
BTC = Series.parse("kraken:BTC-USD:1h")
ETH = Series.parse("kraken:ETH-USD:1h")
WATCHLIST = parse_watchlist(
    "defaults: {timeframe: 1h}\nseries:\n  - {source: kraken, symbol: BTC/USD}\n  - {source: kraken, symbol: ETH/USD}\n"
)
WATCHLIST_OF_THREE = parse_watchlist(
    "defaults: {timeframe: 1h}\nseries:\n  - {source: kraken, symbol: BTC/USD}\n  - {source: kraken, symbol: ETH/USD}\n"
    "  - {source: kraken, symbol: SOL/USD}\n"
)
SOL = Series.parse("kraken:SOL-USD:1h")
GOOD = ForecastConfig()
#: Fewer trees: the fake scores it worse on the breakout model (the real forest would be noisier).
WORSE = replace(GOOD, rf_trees=3)
NOW = T0 + 10_000 * HOUR


def candles(count: int, start: int = T0, price: float = 100.0) -> list[Candle]:
    return [Candle(start + i * HOUR, price, price * 1.01, price * 0.99, price, 10.0) for i in range(count)]


@dataclass
class World:
    archive: FakeArchive
    stats: FakeReplayStats = field(default_factory=FakeReplayStats)
    models: FakeModels = field(default_factory=FakeModels)
    forecaster: FakeForecaster = field(default_factory=FakeForecaster)

    def run(self, config: ForecastConfig, now_ms: int = NOW):
        ports = Ports(archive=self.archive, replay_figures=self.stats, models=self.models, forecaster=self.forecaster)
        return run_training(WATCHLIST, now_ms=now_ms, config=config, rules=[], ports=ports)


def served_then_retrained(spoil: Callable[[FakeModels], None]) -> tuple[World, SeriesTraining]:
    """BTC served on GOOD; then its stored pointer spoiled by ``spoil``; then BTC trained a day later on WORSE (a
    configuration that would lose to a readable GOOD): the world, and BTC's outcome."""
    world = World(FakeArchive({BTC.key: candles(500)}))
    world.run(GOOD)
    spoil(world.models)
    return world, world.run(WORSE, now_ms=NOW + 24 * HOUR).series[0]


def test_trailing_run_keeps_the_consecutive_candles_after_the_last_gap() -> None:
    history = candles(50) + candles(30, start=T0 + 60 * HOUR)
    assert trailing_run(history, HOUR) == history[50:]
    assert trailing_run(candles(5), HOUR) == candles(5)
    assert trailing_run([], HOUR) == []


def test_candles_before_the_last_gap_are_trained_on_and_only_the_replay_starts_after_it() -> None:
    # Given BTC's archive with a 3-hour hole 400 candles before its end
    world = World(FakeArchive({BTC.key: candles(600) + candles(400, start=T0 + 603 * HOUR)}))
    # When trained
    btc = world.run(GOOD).series[0]
    # Then the models used the candles on both sides of the gap, as two runs, and none was dropped
    assert (btc.status, btc.archived, btc.used, btc.dropped, btc.segments) == ("trained", 1000, 1000, 0, 2)
    assert btc.first_ts == T0
    # and the replay, which counts candles ahead, ran on the 400 after the gap
    assert world.stats.written[BTC.key]["candles"] == 400 == btc.replay_candles


def test_too_short_a_history_is_reported_not_failed_and_still_gets_its_replay() -> None:
    world = World(FakeArchive({BTC.key: candles(250), ETH.key: candles(500)}))
    btc, eth = world.run(GOOD).series
    assert btc.status == "too_little_history"
    assert btc.error is not None and btc.error.startswith("too little history: 250 candles")
    assert btc.version is None and BTC.key not in world.models.pointers
    assert btc.replay_key == f"stats/{BTC.key}"
    assert eth.status == "trained"


def test_one_failing_series_affects_only_itself() -> None:
    # Given BTC's archive unreadable
    world = World(FakeArchive({ETH.key: candles(500)}, broken={BTC.key}))
    report = world.run(GOOD)
    btc, eth = report.series
    # Then BTC is reported failed with the reason, and ETH is trained and served
    assert (btc.status, btc.error_kind) == ("failed", "storage")
    assert "AccessDenied" in (btc.error or "")
    assert eth.status == "trained" and eth.pointer == "moved"
    assert report.as_dict()["failed"] == 1


def test_the_first_model_moves_the_pointer() -> None:
    world = World(FakeArchive({BTC.key: candles(500)}))
    btc = world.run(GOOD).series[0]
    assert btc.pointer == "moved" and btc.pointer_reason == "first model of this series"
    assert world.models.pointers[BTC.key]["version"] == str(NOW)


def test_the_same_configuration_moves_the_pointer_as_a_refit_without_rescoring() -> None:
    world = World(FakeArchive({BTC.key: candles(500)}))
    world.run(GOOD)
    world.archive.by_series[BTC.key] = candles(524)
    btc = world.run(GOOD, now_ms=NOW + 24 * HOUR).series[0]
    assert btc.pointer == "moved"
    assert "a refit on more history" in (btc.pointer_reason or "")
    assert world.models.pointers[BTC.key]["version"] == str(NOW + 24 * HOUR)
    assert world.forecaster.evaluated == []


def test_a_worse_configuration_on_the_same_folds_keeps_the_pointer() -> None:
    # Given the default configuration served
    world = World(FakeArchive({BTC.key: candles(500)}))
    world.run(GOOD)
    # When a configuration that scores worse is trained on the same candles
    btc = world.run(WORSE, now_ms=NOW + HOUR).series[0]
    # Then the served configuration was re-scored on the same candles, and the pointer stayed
    assert world.forecaster.evaluated == [GOOD]
    assert btc.status == "trained" and btc.pointer == "kept"
    assert "worse than the served version" in (btc.pointer_reason or "")
    assert BREAKOUT_RF in (btc.pointer_reason or "") and PATH_LINEAR not in (btc.pointer_reason or "")
    assert world.models.pointers[BTC.key]["version"] == str(NOW)
    # and the rejected version is still stored for inspection
    assert [v.version for v in world.models.versions[BTC.key]] == [str(NOW), str(NOW + HOUR)]


def test_a_better_configuration_on_the_same_folds_moves_the_pointer() -> None:
    world = World(FakeArchive({BTC.key: candles(500)}))
    world.run(WORSE)
    btc = world.run(GOOD, now_ms=NOW + HOUR).series[0]
    assert btc.pointer == "moved"
    assert "no worse than the served version" in (btc.pointer_reason or "")
    assert btc.current_losses is not None
    assert btc.current_losses[BREAKOUT_RF] == pytest.approx(0.2 + 1 / 3)


def test_changed_targets_cannot_be_compared_and_the_new_configuration_replaces_the_old() -> None:
    world = World(FakeArchive({BTC.key: candles(500)}))
    world.run(GOOD)
    btc = world.run(replace(WORSE, horizon=12), now_ms=NOW + HOUR).series[0]
    assert btc.pointer == "moved"
    assert "horizon 24 -> 12" in (btc.pointer_reason or "")
    assert world.forecaster.evaluated == []


def test_a_served_pointer_that_is_not_a_pointer_is_replaced_by_the_new_version() -> None:
    # Given BTC served, then its pointer truncated (nothing can be served from it, and it reads the same every day),
    # when the next run trains BTC
    world, btc = served_then_retrained(lambda models: models.corrupt.add(BTC.key))
    # Then the new version is served in its place, with the reason, instead of failing BTC every day
    assert (btc.status, btc.pointer) == ("trained", "moved")
    assert "the served pointer cannot be read" in (btc.pointer_reason or "")
    assert "not JSON" in (btc.pointer_reason or "")
    assert world.models.latest_pointer(BTC) == world.models.versions[BTC.key][-1].pointer()


@pytest.mark.parametrize(
    "served_config",
    [
        pytest.param({**GOOD.as_dict(), "lstm_dropout": 0.1}, id="a-field-this-code-does-not-know"),
        pytest.param({**GOOD.as_dict(), "horizon": 0}, id="a-value-this-code-refuses"),
        pytest.param("horizon=24", id="not-a-mapping"),
        pytest.param(None, id="no-configuration"),
    ],
)
def test_a_served_configuration_this_code_cannot_read_is_replaced_by_the_new_version(served_config: object) -> None:
    # Given BTC served, then its pointer's configuration unreadable by this code (written by another version of it,
    # or edited): the served losses cannot be re-scored, and it reads the same every day
    def spoil(models: FakeModels) -> None:
        pointer = models.pointers[BTC.key]
        if served_config is None:
            del pointer["config"]
        else:
            pointer["config"] = served_config

    # When the next run trains BTC (a configuration that would lose to a readable GOOD)
    world, btc = served_then_retrained(spoil)
    # Then the new version is served in its place, with the reason, instead of the unreadable one being kept for good
    assert (btc.status, btc.pointer) == ("trained", "moved")
    assert "the served configuration cannot be read by this code" in (btc.pointer_reason or "")
    assert world.models.pointers[BTC.key]["version"] == str(NOW + 24 * HOUR)
    assert world.forecaster.evaluated == []


def test_a_pointer_storage_failed_to_return_fails_the_series_and_keeps_it() -> None:
    # Given BTC served, then S3 failing to return its pointer (it may be fine: the gate cannot be skipped on a guess),
    # when the next run trains a worse configuration
    world, btc = served_then_retrained(lambda models: models.unreadable.add(BTC.key))
    # Then BTC fails with the storage error and the served pointer is untouched
    assert (btc.status, btc.error_kind) == ("failed", "storage")
    assert world.models.pointers[BTC.key]["version"] == str(NOW)


def test_the_replay_report_carries_the_series_rarity_bar_for_its_budget() -> None:
    # Given a month and a half of BTC (enough weeks to calibrate) and three weeks of ETH (not enough)
    world = World(FakeArchive({BTC.key: candles(200 + 24 * 7 * 6), ETH.key: candles(200 + 24 * 7 * 3)}))
    world.run(GOOD)
    # Then each report says which bar the notifier applies, for the watchlist's budget (the default 3 a week)
    btc, eth = (world.stats.written[s.key]["alert_bar"] for s in (BTC, ETH))
    assert btc["source"] == "calibrated" and btc["weeks"] == pytest.approx(6, abs=0.01) and btc["max_per_week"] == 3
    assert eth["source"] == "default" and eth["score"] == 336
    # and, per rule that fired, how strong its past firings were (empty here: no rules in this run)
    assert world.stats.written[BTC.key]["strength"] == {}


def test_the_live_bar_is_calibrated_on_the_trailing_year_as_make_alert_quality_calibrates_it() -> None:
    # Given 400 days of daily BTC after the warm-up: more history than the calibration window
    day = 86_400_000
    daily = parse_watchlist("defaults: {timeframe: 1d}\nseries:\n  - {source: kraken, symbol: BTC/USD}\n")
    btc = daily.series[0].series
    history = [Candle(T0 + i * day, 100.0, 101.0, 99.0, 100.0, 10.0) for i in range(200 + 400)]
    world = World(FakeArchive({btc.key: history}))
    ports = Ports(archive=world.archive, replay_figures=world.stats, models=world.models, forecaster=world.forecaster)
    # When the training run calibrates the series' bar
    run_training(daily, now_ms=T0 + 700 * day, config=GOOD, rules=[], ports=ports)
    # Then it looked back over the trailing CALIBRATION_DAYS only (52.14 weeks), not the whole archive (57.14)
    bar = world.stats.written[btc.key]["alert_bar"]
    assert bar["source"] == "calibrated" and bar["weeks"] == pytest.approx(CALIBRATION_DAYS / 7, abs=0.01)


class Invocation:
    """A 900 s invocation on a fake clock, whose series take ``costs`` seconds each, in turn."""

    def __init__(self, *costs: float) -> None:
        self.now, self.costs, self.running = 0.0, iter(costs), False

    def clock(self) -> float:
        """Read at each series' start and end: an end comes its series' cost after its start."""
        if self.running:
            self.now += next(self.costs)
        self.running = not self.running
        return self.now

    def time_left(self) -> float:
        return 900.0 - self.now


def run_in(invocation: Invocation, world: World, watchlist=WATCHLIST_OF_THREE) -> TrainingReport:
    ports = Ports(archive=world.archive, replay_figures=world.stats, models=world.models, forecaster=world.forecaster)
    return run_training(
        watchlist,
        now_ms=NOW,
        config=GOOD,
        rules=[],
        ports=ports,
        time_left=invocation.time_left,
        clock=invocation.clock,
    )


def test_series_the_invocation_time_would_not_cover_are_deferred_not_trained() -> None:
    # Given three series, the first of which takes 500 s of a 900 s invocation (an archive grown over the months)
    world = World(FakeArchive({BTC.key: candles(500), ETH.key: candles(500), SOL.key: candles(500)}))
    # When the inline run trains them
    report = run_in(Invocation(500.0), world)
    # Then BTC is trained; ETH is not (its 500 candles at BTC's 1 s a candle, twice, and the handoff's 60 s need
    # 1,060 s; 400 are left), nor SOL after it, so the queue gets the rest of the watchlist in its order
    assert [(s.series, s.status) for s in report.series] == [
        (BTC.key, "trained"),
        (ETH.key, "deferred"),
        (SOL.key, "deferred"),
    ]
    assert report.deferred == [ETH.key, SOL.key] and report.as_dict()["deferred"] == 2
    assert "500 candles at 1000.0 ms a candle need 1060 s" in (report.series[1].error or "")
    # and nothing of theirs was written
    assert ETH.key not in world.models.pointers and ETH.key not in world.stats.written


def test_a_watchlist_the_invocation_covers_is_trained_whole() -> None:
    world = World(FakeArchive({BTC.key: candles(500), ETH.key: candles(500), SOL.key: candles(500)}))
    # Series of 200 s each (0.4 s a candle): after two, 500 s are left, which covers twice 200 s and the 60 s handoff
    report = run_in(Invocation(200.0, 200.0, 200.0), world)
    assert [s.status for s in report.series] == ["trained"] * 3 and report.deferred == []


def test_a_series_is_judged_by_its_own_archive_not_by_the_last_series_time() -> None:
    # Given a short first series (500 candles in 100 s) and a second with four times its archive
    world = World(FakeArchive({BTC.key: candles(500), ETH.key: candles(2_000), SOL.key: candles(500)}))
    report = run_in(Invocation(100.0), world)
    # Then ETH is not started with 800 s left: its 2,000 candles at 0.2 s need twice 400 s and the handoff
    assert [s.status for s in report.series] == ["trained", "deferred", "deferred"]


def test_a_first_series_too_long_for_the_time_the_scans_left_is_not_started() -> None:
    # Given an invocation the market scans' fit left 200 s of, and a year of hourly candles to train first
    invocation = Invocation()
    invocation.now = 700.0
    report = run_in(invocation, World(FakeArchive({BTC.key: candles(8_760)})))
    # Then nothing is timed yet, and the guess (10 ms a candle, twice, and the handoff: 235 s) defers it and the rest
    assert report.deferred == [BTC.key, ETH.key, SOL.key]
    assert "8,760 candles at 10.0 ms a candle need 235 s" in (report.series[0].error or "")


def test_a_series_with_too_little_history_does_not_make_the_next_large_one_look_cheap() -> None:
    # Given a first series that stops at too little history in half a second (its archive read, nothing trained:
    # 5 ms a candle), then a large one, with 300 s left
    world = World(FakeArchive({BTC.key: candles(100), ETH.key: candles(20_000), SOL.key: candles(500)}))
    invocation = Invocation(0.5)
    invocation.now = 600.0
    report = run_in(invocation, world)
    # Then ETH is judged by the guess (20,000 candles at 10 ms, twice, and the handoff: 460 s), not by BTC's reading
    # (260 s, which 300 s would have covered): it is handed on, not started
    assert [s.status for s in report.series] == ["too_little_history", "deferred", "deferred"]
    assert "20,000 candles at 10.0 ms a candle need 460 s" in (report.series[1].error or "")


def test_a_history_without_volume_says_that_is_why_no_model_trains() -> None:
    # Given 600 hourly candles whose volume is unknown on every one (a price-only history), and the real training stack
    no_volume = [replace(c, volume=None) for c in candles(600)]
    world = World(FakeArchive({BTC.key: no_volume, ETH.key: candles(500)}), forecaster=LibraryForecaster())
    # When the training run reaches it
    btc = world.run(GOOD).series[0]
    # Then it is not trained, and the reason names the missing volume, not the length alone
    assert btc.status == "too_little_history"
    assert btc.error is not None and btc.error.startswith("too little history: 600 candles (0 usable rows")
    assert btc.error.endswith("; no candle has a volume, which the features mfi and volume_ratio need")
