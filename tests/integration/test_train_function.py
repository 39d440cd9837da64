"""TrainFunction against the embedded AWS: archive in, models, pointer and replay figures out, and the gate.

The handler is loaded from its Dockerfile's folder and invoked as its
EventBridge schedule would, with the stack's own environment. The models are
kept small (two folds, a few trees, one LSTM epoch): what is under test is
the wiring and the S3 round trip, not the models' skill.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import torch

from crypto_advisor.adapters.archive import CandleArchive
from crypto_advisor.adapters.replay_figures import ReplayFiguresStore
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.predict import predict
from crypto_advisor.local.market import SimulatedMarket
from crypto_advisor.wiring.models import model_store

torch.set_num_threads(1)

BTC = Series.parse("kraken:BTC-USD:1h")
HOUR = 3_600_000
COUNT = 1_500
WATCHLIST = """
defaults: {timeframe: 1h}
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD}
"""
SMALL = ForecastConfig(horizon=6, folds=2, lstm_epochs=1, rf_trees=8, lstm_hidden=4, lstm_window=8)
#: One fully grown tree instead of a forest: it memorises its training rows, and its breakout Brier score on
#: the same folds is about twice the forest's. (A stump or a huge ridge penalty would not do: on a market with
#: little to learn, a model that says less can score better.)
WORSE = replace(SMALL, rf_trees=1, rf_max_depth=30, rf_min_leaf=1)


def simulated(count: int) -> list[Candle]:
    market = SimulatedMarket()
    rows = market.hourly("BTC-USD", market.epoch_ms + (count - 1) * HOUR)
    return [Candle(int(r[0]), *map(float, r[1:])) for r in rows]


def test_a_scheduled_run_trains_stores_and_serves_and_a_worse_configuration_keeps_the_pointer(deployed) -> None:
    # Given 1,500 BTC candles in the archive (and an ETH series with none)
    deployed.upload_watchlist(WATCHLIST)
    s3 = deployed.aws.client("s3")
    candles = simulated(COUNT)
    CandleArchive(s3, deployed.bucket).put(BTC, candles)
    at = datetime.fromtimestamp(candles[-1].ts / 1000, tz=UTC) + timedelta(hours=1, minutes=5)

    # When TrainFunction runs on its schedule
    report = deployed.runtime.tick("TrainFunction", at, config=SMALL)

    # Then BTC was trained on every candle and its version served, and ETH reported without failing the run
    btc, eth = report["series"]
    assert (btc["status"], btc["used"], btc["dropped"], btc["pointer"]) == ("trained", COUNT, 0, "moved")
    assert btc["version"] == str(int(at.timestamp() * 1000))
    assert set(btc["verdicts"]) == {"breakout_rf", "path_linear", "path_lstm", "vol_garch"}
    assert eth["status"] == "no_candles" and report["failed"] == 0
    # the bundle round-trips from S3 and predicts
    store = model_store(s3, deployed.bucket)
    loaded = store.load_latest(BTC)
    assert loaded is not None and loaded.version == btc["version"]
    predictions = predict(loaded.artifacts, candles[-720:])
    assert {p.model for p in predictions} == {"breakout_rf", "path_linear", "path_lstm", "vol_garch"}
    pointer = store.latest_pointer(BTC)
    assert pointer is not None and pointer["config"] == SMALL.as_dict()
    # the replay figures are where the notifier reads them
    figures = ReplayFiguresStore(s3, deployed.bucket).read(BTC)
    assert figures is not None and figures["candles"] == COUNT

    # When a worse configuration is trained a day later on the same archive
    second = deployed.runtime.tick("TrainFunction", at + timedelta(days=1), config=WORSE)["series"][0]

    # Then it is stored but not served: the pointer still names the first version
    assert second["status"] == "trained" and second["pointer"] == "kept"
    assert "worse than the served version" in second["pointer_reason"]
    assert "breakout_rf" in second["pointer_reason"]
    assert store.latest_pointer(BTC)["version"] == btc["version"]
    assert [c.model for c in store.read_cards(BTC, second["version"])] == list(second["verdicts"])
