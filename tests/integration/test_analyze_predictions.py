"""AnalyzeFunction's predictions against the embedded AWS: the served model in S3 -> predictions on the Signal.

The model is trained in-process (a small configuration, on the same seeded
market the stack ingests) and stored through the model store exactly as
TrainFunction stores it; the function loads it from the embedded S3.
"""

from __future__ import annotations

import pytest
import torch

from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.contracts.candle import Candle, screen
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.forecast.artifacts import Artifacts
from crypto_advisor.forecast.card import ModelCard
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.predict import predict
from crypto_advisor.forecast.train import train_series
from crypto_advisor.local.market import SimulatedMarket, simulated_sources
from crypto_advisor.wiring.models import model_store
from tests.integration.test_analyze_function import KINESIS_EVENT, signals
from tests.integration.test_ingest_function import EVENT, EVENT_MS, HOUR

SERIES = Series.parse("kraken:BTC-USD:1h")
CANDLE_TS = EVENT_MS // HOUR * HOUR - HOUR
WATCHLIST = """
defaults: {timeframe: 1h, backfill_candles: 720}
series:
  - {source: kraken, symbol: BTC/USD}
"""
#: Small enough to train in a few seconds; the figures are not the point here.
CONFIG = ForecastConfig(horizon=6, folds=2, rf_trees=10, lstm_epochs=2, lstm_hidden=4)


@pytest.fixture(scope="module")
def trained() -> tuple[list[ModelCard], Artifacts]:
    """The BTC model, trained on the seeded market's 719 candles before the event's."""
    torch.set_num_threads(1)
    market = SimulatedMarket(seed=11)
    candles = screen(market.candles(SERIES.symbol, HOUR, CANDLE_TS), timeframe_ms=HOUR, now_ms=CANDLE_TS).accepted
    return train_series(candles[-719:], CONFIG, series=SERIES.key)


@pytest.fixture
def ingested(deployed):
    deployed.upload_watchlist(WATCHLIST)
    deployed.runtime.invoke("IngestFunction", EVENT, sources=simulated_sources(SimulatedMarket(seed=11)))
    return deployed


def serve(deployed, trained: tuple[list[ModelCard], Artifacts]) -> None:
    cards, artifacts = trained
    store = model_store(deployed.aws.client("s3"), deployed.bucket)
    store.move_latest(SERIES, store.write_version(SERIES, CANDLE_TS, artifacts, cards, CONFIG))


def window(deployed) -> list[Candle]:
    table = deployed.aws.resource("dynamodb").Table(deployed.stack.outputs["CandlesTableName"])
    candles = CandleStore(table, hot_window=0).window(SERIES, since_ts=CANDLE_TS - 719 * HOUR)
    return [c for c in candles if c.ts <= CANDLE_TS]


def the_signal(deployed) -> Signal:
    [item] = signals(deployed)
    return Signal.from_json(item["body"])


def log_text(deployed) -> str:
    path = deployed.runtime.log_dir / "AnalyzeFunction.log"
    return path.read_text() if path.exists() else ""


def test_a_served_model_puts_its_predictions_on_the_signal(ingested, trained):
    # Given the series' model promoted in the embedded S3
    serve(ingested, trained)
    # When AnalyzeFunction handles the update
    response = ingested.runtime.invoke("AnalyzeFunction", KINESIS_EVENT)
    # Then the stored signal carries the model's predictions at its candle, exactly what predict() gives on its window
    assert response == {"batchItemFailures": []}
    signal = the_signal(ingested)
    assert [(p["kind"], p["model"]) for p in signal.predictions] == [
        ("breakout", "breakout_rf"),
        ("path", "path_linear"),
        ("path", "path_lstm"),
        ("interval", "vol_garch"),
    ]
    assert {p["candle_ts"] for p in signal.predictions} == {CANDLE_TS}
    assert signal.predictions == [p.as_dict() for p in predict(trained[1], window(ingested))]


def test_without_a_model_the_signal_has_no_predictions_and_nothing_failed(ingested):
    # When AnalyzeFunction handles the update of a series never trained
    response = ingested.runtime.invoke("AnalyzeFunction", KINESIS_EVENT)
    # Then the signal is stored as before, without predictions, and no failure is reported
    assert response == {"batchItemFailures": []}
    assert the_signal(ingested).predictions == []
    assert "PredictionsFailed" not in log_text(ingested)


def test_a_corrupt_bundle_leaves_the_signal_stored_without_predictions(ingested, trained):
    # Given a pointer to a bundle that is not a bundle
    serve(ingested, trained)
    s3 = ingested.aws.client("s3")
    pointer = model_store(s3, ingested.bucket).latest_pointer(SERIES)
    assert pointer is not None
    s3.put_object(Bucket=ingested.bucket, Key=pointer["bundle_key"], Body=b"not an npz")
    # When AnalyzeFunction handles the update
    response = ingested.runtime.invoke("AnalyzeFunction", KINESIS_EVENT)
    # Then the record succeeds, the signal is stored without predictions, and the failure is logged and counted
    assert response == {"batchItemFailures": []}
    assert the_signal(ingested).predictions == []
    logs = log_text(ingested)
    assert "model predictions failed" in logs and "PredictionsFailed" in logs
