"""Each timeframe's default forecast: a daily series is asked about a week ahead, and the trainers use it.

The hourly defaults (24 candles, +3%) on daily candles asked "+3% within 24
days", true on about 4 days in 5 of every real daily series: a probability
near 0.8 that tells a trader nothing. The handler and ``make train`` are run
here up to the point where they hand the configuration to the training run.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from crypto_advisor.cli import train as train_cli
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import SeriesError
from crypto_advisor.contracts.training_task import TrainingTask
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.local.invoker import LocalContext
from crypto_advisor.training.ports import Ports
from crypto_advisor.training.service import TrainingReport, run_training
from tests.fakes.training import FakeArchive, FakeForecaster, FakeModels, FakeReplayStats

TRAIN_APP = Path(__file__).resolve().parents[3] / "functions" / "train" / "app.py"
SCHEDULE = {
    "version": "0",
    "id": "0d1c2b3a-0000-4000-8000-000000000000",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2024-04-01T00:05:00Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {},
}
DAY_S = 86_400


def test_a_daily_series_defaults_to_a_week_ahead_and_a_plus_8_percent_breakout() -> None:
    # When / Then: a week of daily candles, +8% (about a third of the weeks on the real daily series, not 4 in 5)
    daily = ForecastConfig.for_timeframe("1d")
    assert (daily.horizon, daily.threshold_pct) == (7, 8.0)
    assert ForecastConfig.for_series("kraken:SOL-USD:1d") == daily
    # and everything else as the hourly defaults
    assert daily == ForecastConfig(horizon=7, threshold_pct=8.0)
    # 4h: about 3 days, +6%
    four = ForecastConfig.for_timeframe("4h")
    assert (four.horizon, four.threshold_pct) == (18, 6.0)


def test_the_hourly_defaults_are_unchanged() -> None:
    hourly = ForecastConfig.for_timeframe("1h")
    assert hourly == ForecastConfig() and (hourly.horizon, hourly.threshold_pct) == (24, 3.0)
    assert ForecastConfig.for_series("kraken:BTC-USD:1h") == hourly
    # timeframes with no data to measure them on keep the hourly defaults
    assert ForecastConfig.for_timeframe("15m") == hourly


def test_an_unknown_timeframe_is_an_error_naming_it() -> None:
    with pytest.raises(SeriesError, match="'2d'"):
        ForecastConfig.for_timeframe("2d")


# --- TrainFunction ---------------------------------------------------------------------------------------------


@pytest.fixture
def train_app(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """TrainFunction's module, loaded as the runtime loads it (from its folder)."""
    spec = importlib.util.spec_from_file_location("train_app_under_test", TRAIN_APP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def _run_handler(
    app: ModuleType, monkeypatch: pytest.MonkeyPatch, watchlist: str, event: dict[str, Any], **kwargs: Any
) -> list[ForecastConfig | None]:
    """The configurations the handler trains with, its settings, stores and training replaced by fakes."""
    trained: list[ForecastConfig | None] = []

    def run_training(watched: Any, *, now_ms: int, config: ForecastConfig | None, **_: Any) -> TrainingReport:
        trained.append(config)
        return TrainingReport(now_ms=now_ms, config=config, series=[])

    def work_task(task: TrainingTask, watched: Any, *, config: ForecastConfig | None, **_: Any) -> Any:
        trained.append(config)
        return SimpleNamespace(report=TrainingReport(now_ms=task.run_ms, config=config, series=[]))

    deps = SimpleNamespace(
        watchlist=parse_watchlist(watchlist),
        rules=[],
        ports=SimpleNamespace(archive=None),
        reports=None,
        queue=None,
        scan_reports=None,
    )
    monkeypatch.setattr(app, "TrainSettings", SimpleNamespace(from_env=lambda env: SimpleNamespace(inline_series=20)))
    monkeypatch.setattr(app, "training_deps", lambda settings: deps)
    monkeypatch.setattr(app, "train_scans", lambda *a, **k: [])
    monkeypatch.setattr(app, "run_training", run_training)
    monkeypatch.setattr(app, "work_task", work_task)
    for quiet in ("record", "record_scans", "record_task"):
        monkeypatch.setattr(app, quiet, lambda *a, **k: None)
    app.lambda_handler(event, LocalContext("TrainFunction", 1024, 900), **kwargs)
    return trained


def test_train_function_leaves_each_series_to_its_timeframes_defaults(
    train_app: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: a watchlist of daily series, and one mixing timeframes
    daily = "series:\n  - {source: kraken, symbol: SOL/USD, timeframe: 1d}\n"
    mixed = daily + "  - {source: kraken, symbol: BTC/USD, timeframe: 1h}\n"
    # When: the schedule runs them inline
    # Then: the run gets no one configuration for all: run_training picks each series' own (tested below)
    assert _run_handler(train_app, monkeypatch, daily, SCHEDULE) == [None]
    assert _run_handler(train_app, monkeypatch, mixed, SCHEDULE) == [None]


def test_a_training_task_leaves_its_series_to_their_timeframes_defaults(
    train_app: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    watchlist = (
        "series:\n  - {source: kraken, symbol: BTC/USD, timeframe: 1h}\n"
        "  - {source: kraken, symbol: SOL/USD, timeframe: 1d}\n"
    )
    tasks = [TrainingTask(1_000, i, 2, (key,)) for i, key in enumerate(("kraken:BTC-USD:1h", "kraken:SOL-USD:1d"))]
    event = {"Records": [{"messageId": str(t.chunk), "body": t.to_json()} for t in tasks]}
    assert _run_handler(train_app, monkeypatch, watchlist, event) == [None, None]


def test_a_given_configuration_is_used_for_every_series(train_app: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's and the tests' smaller models: the handler's caller decides, whatever the timeframe."""
    small = ForecastConfig(folds=2, rf_trees=8)
    watchlist = "series:\n  - {source: kraken, symbol: SOL/USD, timeframe: 1d}\n"
    assert _run_handler(train_app, monkeypatch, watchlist, SCHEDULE, config=small) == [small]


@dataclass
class RecordingForecaster:
    """The fake forecaster, remembering the configuration each series was trained with."""

    fake: FakeForecaster = field(default_factory=FakeForecaster)
    trained: dict[str, ForecastConfig] = field(default_factory=dict)

    def train(self, candles: Any, config: ForecastConfig, *, series: str) -> Any:
        self.trained[series] = config
        return self.fake.train(candles, config, series=series)

    def evaluate(self, candles: Any, config: ForecastConfig, *, series: str) -> Any:
        return self.fake.evaluate(candles, config, series=series)


def test_one_run_mixing_timeframes_trains_each_series_with_its_own_timeframes_defaults() -> None:
    # Given: an hourly and a daily series, each with a long gap-free archive
    watchlist = parse_watchlist(
        "series:\n  - {source: kraken, symbol: BTC/USD, timeframe: 1h}\n"
        "  - {source: kraken, symbol: SOL/USD, timeframe: 1d}\n"
    )
    start = 1_700_006_400_000

    def history(step_ms: int) -> list[Candle]:
        return [Candle(start + i * step_ms, 100.0, 101.0, 99.0, 100.0, 10.0) for i in range(1_000)]

    archive = FakeArchive({"kraken:BTC-USD:1h": history(3_600_000), "kraken:SOL-USD:1d": history(DAY_S * 1000)})
    forecaster = RecordingForecaster()
    ports = Ports(archive=archive, replay_figures=FakeReplayStats(), models=FakeModels(), forecaster=forecaster)
    # When: one inline run trains them, no configuration given
    report = run_training(watchlist, now_ms=start + 2_000 * DAY_S * 1000, config=None, rules=[], ports=ports)
    # Then: each was trained with its own timeframe's defaults, and its report says which
    assert forecaster.trained == {
        "kraken:BTC-USD:1h": ForecastConfig.for_timeframe("1h"),
        "kraken:SOL-USD:1d": ForecastConfig.for_timeframe("1d"),
    }
    assert {item.series: item.as_dict()["config"]["horizon"] for item in report.series} == {
        "kraken:BTC-USD:1h": 24,
        "kraken:SOL-USD:1d": 7,
    }
    assert report.as_dict()["config"] is None


# --- make train ------------------------------------------------------------------------------------------------


def _csv(path: Path, step_s: int, count: int = 60) -> Path:
    """``count`` synthetic candles ``step_s`` apart, in the plain CSV format (header ``time,open,...``)."""
    rows = ["time,open,high,low,close,volume"]
    for i in range(count):
        price = 100.0 + i % 7
        rows.append(f"{1_700_006_400 + i * step_s},{price},{price + 2},{price - 2},{price + 1},{1000 + i}")
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize(
    ("series", "step_s", "expected"), [("kraken:SOL-USD:1d", DAY_S, (7, 8.0)), ("kraken:SOL-USD:1h", 3600, (24, 3.0))]
)
def test_make_train_uses_the_timeframe_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, series: str, step_s: int, expected: tuple[int, float]
) -> None:
    # Given: a CSV of candles of the series' timeframe
    csv = _csv(tmp_path / "candles.csv", step_s)
    trained: list[ForecastConfig | None] = []

    def run_training(watchlist: Any, *, now_ms: int, config: ForecastConfig, **_: Any) -> TrainingReport:
        trained.append(config)
        return TrainingReport(now_ms=now_ms, config=config, series=[])

    monkeypatch.setattr(train_cli, "run_training", run_training)

    # When
    code = train_cli.main(["--csv", str(csv), "--series", series, "--out", str(tmp_path / "out")])

    # Then: the training run was given the timeframe's defaults
    assert code == 0
    assert [(c.horizon, c.threshold_pct) for c in trained] == [expected]
    assert trained == [ForecastConfig.for_series(series)]
