"""The training run over an archive with holes: the models get every gap-free run long enough to hold a row.

A forecaster that records the candles it is given stands in for the models
(tests/unit/forecast/test_dataset_gaps.py checks what the dataset makes of
them); the summary's ``used``, ``dropped`` and ``segments`` must say exactly
what the models were given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.forecast.artifacts import Artifacts
from crypto_advisor.forecast.card import ModelCard
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.dataset import min_run_candles
from crypto_advisor.training.ports import Ports
from crypto_advisor.training.service import SeriesTraining, run_training
from tests.fakes.training import FakeArchive, FakeForecaster, FakeModels, FakeReplayStats

HOUR = 3_600_000
T0 = 1_735_689_600_000
BTC = Series.parse("kraken:BTC-USD:1h")
WATCHLIST = parse_watchlist("series:\n  - {source: kraken, symbol: BTC/USD, timeframe: 1h}\n")
CONFIG = ForecastConfig()
#: The shortest gap-free run that can hold a usable row (97 candles with the defaults).
NEED = min_run_candles(CONFIG)


def run_of(count: int, start: int) -> list[Candle]:
    """``count`` consecutive hourly candles from hour ``start``."""
    return [Candle(T0 + (start + i) * HOUR, 100.0 + i % 7, 102.0, 98.0, 100.0, 10.0) for i in range(count)]


@dataclass
class RecordingForecaster:
    """The fake forecaster, remembering the candles each call was given."""

    inner: FakeForecaster = field(default_factory=FakeForecaster)
    trained: list[list[Candle]] = field(default_factory=list)
    evaluated: list[list[Candle]] = field(default_factory=list)

    def train(
        self, candles: Sequence[Candle], config: ForecastConfig, *, series: str
    ) -> tuple[list[ModelCard], Artifacts]:
        self.trained.append(list(candles))
        return self.inner.train(candles, config, series=series)

    def evaluate(self, candles: Sequence[Candle], config: ForecastConfig, *, series: str) -> list[ModelCard]:
        self.evaluated.append(list(candles))
        return self.inner.evaluate(candles, config, series=series)


def train(archive: list[Candle], forecaster: RecordingForecaster, config: ForecastConfig = CONFIG) -> SeriesTraining:
    ports = Ports(
        archive=FakeArchive({BTC.key: archive}),
        replay_figures=FakeReplayStats(),
        models=FakeModels(),
        forecaster=forecaster,
    )
    return run_training(WATCHLIST, now_ms=T0 + 10_000 * HOUR, config=config, rules=[], ports=ports).series[0]


def test_a_one_candle_hole_in_the_middle_trains_on_both_sides() -> None:
    # Given an archive with one candle missing in its middle (hour 500)
    before, after = run_of(500, 0), run_of(500, 501)
    forecaster = RecordingForecaster()
    # When trained
    btc = train(before + after, forecaster)
    # Then the models were given every candle, the ones before the hole too, and the summary says so
    assert forecaster.trained == [before + after]
    assert (btc.status, btc.archived, btc.used, btc.dropped, btc.segments) == ("trained", 1000, 1000, 0, 2)
    assert (btc.first_ts, btc.last_ts) == (before[0].ts, after[-1].ts)
    assert btc.as_dict()["segments"] == 2


def test_the_gate_rescores_the_served_configuration_on_the_same_candles() -> None:
    # Given a model served, trained on an archive with a hole
    archive = run_of(500, 0) + run_of(500, 501)
    forecaster = RecordingForecaster()
    ports = Ports(FakeArchive({BTC.key: archive}), FakeReplayStats(), FakeModels(), forecaster)
    run_training(WATCHLIST, now_ms=T0 + 10_000 * HOUR, config=CONFIG, rules=[], ports=ports)
    # When another configuration is trained on it (fewer trees: the gate re-scores the served one)
    run_training(WATCHLIST, now_ms=T0 + 10_001 * HOUR, config=replace(CONFIG, rf_trees=3), rules=[], ports=ports)
    # Then the served configuration was scored on the very candles the new one was trained on
    assert forecaster.evaluated == [forecaster.trained[-1]] == [archive]


def test_runs_too_short_for_the_features_are_dropped_and_counted() -> None:
    # Given runs of 50 (too short), 500, NEED - 1 (one candle too short), NEED (just enough) and 400 candles
    short, long, almost, enough, last = (
        run_of(50, 0),
        run_of(500, 60),
        run_of(NEED - 1, 600),
        run_of(NEED, 800),
        run_of(400, 1000),
    )
    forecaster = RecordingForecaster()
    # When trained
    btc = train(short + long + almost + enough + last, forecaster)
    # Then the models were given the three runs that can hold a row, oldest first, and the others were counted
    assert forecaster.trained == [long + enough + last]
    assert (btc.used, btc.dropped, btc.segments) == (500 + NEED + 400, 50 + NEED - 1, 3)
    assert btc.first_ts == long[0].ts
    # and the replay ran on the run at the end, as before
    assert btc.replay_candles == 400


def test_an_archive_without_a_run_long_enough_is_too_little_history_not_a_failure() -> None:
    # Given two runs of 60 candles
    forecaster = RecordingForecaster()
    btc = train(run_of(60, 0) + run_of(60, 70), forecaster)
    # Then no model was trained, and the summary says why
    assert forecaster.trained == []
    assert (btc.status, btc.used, btc.dropped, btc.segments) == ("too_little_history", 0, 120, 0)
    assert btc.error == f"too little history: 120 candles, no gap-free run of the {NEED} a usable row needs"


def test_a_gap_free_archive_is_trained_whole_as_before() -> None:
    # Given a gap-free archive
    archive = run_of(700, 0)
    forecaster = RecordingForecaster()
    # When trained
    btc = train(archive, forecaster)
    # Then the models and the replay got every candle, as when only the run after the last gap was kept
    assert forecaster.trained == [archive]
    assert (btc.used, btc.dropped, btc.segments, btc.replay_candles) == (700, 0, 1, 700)
