"""The use case's model predictions with a fake model source: optional, never at the signal's expense.

Real models from S3 are exercised in tests/integration/test_analyze_predictions.py.
"""

from __future__ import annotations

from types import SimpleNamespace

from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.analysis.service import analyze_update
from crypto_advisor.contracts.errors import StorageError
from tests.fakes.analysis import Models, Signals
from tests.fakes.candles import FakeCandles
from tests.unit.analysis.test_analyze_news import CANDLES, HOUR, LAST, SERIES, UPDATE


def run(models: Models, update=UPDATE):
    signals = Signals()
    outcome = analyze_update(update, candles=FakeCandles(CANDLES), signals=signals, rules=build_rules(), models=models)
    return outcome, signals


def test_no_model_yet_gives_no_predictions_and_no_error():
    outcome, signals = run(models := Models())
    assert models.asked == [(SERIES.key, UPDATE.ingested_at)]  # the update's clock drives the cache
    assert outcome.signal.predictions == [] and outcome.predictions_error is None and signals.stored


def test_a_model_that_cannot_be_loaded_leaves_the_signal_stored_without_predictions():
    outcome, signals = run(Models(error=StorageError("model bundle s3://b/k cannot be read")))
    assert signals.stored == [outcome.signal] and outcome.stored
    assert outcome.signal.predictions == []
    assert outcome.predictions_error == "StorageError: model bundle s3://b/k cannot be read"


def test_a_model_trained_for_another_series_is_refused():
    served = SimpleNamespace(version="1", artifacts=SimpleNamespace(series="kraken:ETH-USD:1h"))
    outcome, signals = run(Models(served=served))
    assert signals.stored and outcome.signal.predictions == []
    assert outcome.model_version is None and "trained for kraken:ETH-USD:1h" in outcome.predictions_error


def test_an_unhealthy_window_is_not_predicted_on():
    # Given an update reporting a gap inside the window
    gappy = UPDATE.model_copy(update={"gaps": [(LAST - 10 * HOUR, LAST - 8 * HOUR)]})
    # When it is analysed / Then the model is not even asked, and the signal is stored as usual
    outcome, signals = run(models := Models(error=AssertionError("must not be called")), gappy)
    assert not outcome.signal.health.healthy and signals.stored
    assert models.asked == [] and outcome.predictions_error is None
