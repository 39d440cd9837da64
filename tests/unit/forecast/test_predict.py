"""Live predictions: one per model, carrying their card's skill and an honest sentence."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import ArtifactError
from crypto_advisor.contracts.signal import Health, Signal
from crypto_advisor.forecast.artifacts import Artifacts
from crypto_advisor.forecast.predict import predict
from crypto_advisor.forecast.prediction import (
    Prediction,
    breakout_text,
    candles_label,
    format_price,
    interval_text,
    path_text,
    sample_label,
    span_label,
)


def _by_model(predictions: list[Prediction]) -> dict[str, Prediction]:
    return {p.model: p for p in predictions}


def test_one_prediction_per_model_at_the_last_candle(
    planted_artifacts: Artifacts, planted_candles: list[Candle]
) -> None:
    # Given: the analysis window
    window = planted_candles[-720:]

    # When
    out = _by_model(predict(planted_artifacts, window))

    # Then
    assert [p.kind for p in out.values()] == ["breakout", "path", "path", "interval"]
    assert all(p.candle_ts == window[-1].ts and p.horizon == 24 and p.horizon_label == "24h" for p in out.values())
    assert 0 <= out["breakout_rf"].probability <= 1
    for name in ("path_linear", "path_lstm"):
        path = out[name]
        assert len(path.path) == 24 and path.price == path.path[-1]
        assert 0.5 < path.price / window[-1].close < 2
    interval = out["vol_garch"]
    assert interval.low < out["path_linear"].price < interval.high
    assert interval.level == 0.8


def test_skill_figures_come_from_the_cards(planted_artifacts: Artifacts, planted_candles: list[Candle]) -> None:
    out = _by_model(predict(planted_artifacts, planted_candles[-720:]))
    for name, prediction in out.items():
        card = planted_artifacts.card(name)
        assert prediction.n == card["n"] and prediction.folds == card["folds"]
        assert prediction.beats_baseline == (card["verdict"] == "beats baseline")
    assert out["breakout_rf"].auc == planted_artifacts.card("breakout_rf")["scores"]["model"]["auc"]
    assert out["path_lstm"].mae_skill == planted_artifacts.card("path_lstm")["scores"]["model"]["mae_skill"]
    assert out["vol_garch"].coverage == planted_artifacts.card("vol_garch")["scores"]["model"]["coverage"]


def test_skilled_models_lead_and_say_how_good_they_were(
    planted_artifacts: Artifacts, planted_candles: list[Candle]
) -> None:
    out = _by_model(predict(planted_artifacts, planted_candles[-720:]))
    assert all(p.beats_baseline for p in out.values())
    assert out["breakout_rf"].headline and out["vol_garch"].headline
    assert out["path_linear"].headline != out["path_lstm"].headline  # one path headline, the more skilled
    breakout = out["breakout_rf"].text
    assert breakout.startswith(f"P(+3% within 24h) = {out['breakout_rf'].probability:.2f}; out of sample on 2,3")
    assert "AUC 0." in breakout and "Brier skill +0." in breakout
    assert "below no-change out of sample on" in out["path_linear"].text
    assert "information only" not in " ".join(p.text for p in out.values())


def test_on_a_random_walk_every_sentence_says_no_skill(walk_artifacts: Artifacts, walk_candles: list[Candle]) -> None:
    out = predict(walk_artifacts, walk_candles[-720:])
    assert len(out) == 4
    for prediction in out:
        assert not prediction.beats_baseline
        assert not prediction.headline
        assert prediction.text.endswith("shown for information only")


def test_predictions_fit_the_signal_as_plain_dicts(planted_artifacts: Artifacts, planted_candles: list[Candle]) -> None:
    # Given
    window = planted_candles[-720:]
    out = predict(planted_artifacts, window)

    # When
    signal = Signal(
        series="kraken:BTC-USD:1h",
        candle_ts=window[-1].ts,
        close=window[-1].close,
        health=Health(healthy=True),
        analyzed_at=window[-1].ts + 3_600_000,
        predictions=[p.as_dict() for p in out],
    )

    # Then
    again = Signal.from_json(signal.to_json())
    assert [Prediction.model_validate(d) for d in again.predictions] == out
    json.dumps(again.predictions, allow_nan=False)


def test_a_window_too_short_for_the_features_predicts_nothing(
    planted_artifacts: Artifacts, planted_candles: list[Candle]
) -> None:
    assert predict(planted_artifacts, planted_candles[:60]) == []
    assert predict(planted_artifacts, []) == []


def test_artifacts_for_other_features_are_refused(planted_artifacts: Artifacts, planted_candles: list[Candle]) -> None:
    stale = dataclasses.replace(planted_artifacts, feature_names=planted_artifacts.feature_names[:-1])
    with pytest.raises(ArtifactError, match="retrain"):
        predict(stale, planted_candles[-720:])


def test_a_replay_of_an_older_window_takes_its_volatility_from_that_window(
    planted_artifacts: Artifacts, planted_candles: list[Candle]
) -> None:
    """The artifacts' GARCH state is for their last candle; an older window restarts the recursion in itself."""
    # Given: a window that ends long before the artifacts' last candle, in a stormy stretch (the history ends calmer)
    window = planted_candles[1600:2320]
    closes = np.array([c.close for c in window])
    realised = np.diff(np.log(closes[-100:])).std() * np.sqrt(24)

    # When
    interval = _by_model(predict(planted_artifacts, window))["vol_garch"]

    # Then: the half-width in standard deviations is the calibrated multiplier, of that window's volatility
    half_width = np.log(interval.high / interval.low) / 2 / planted_artifacts.garch.multiplier
    assert realised / 1.5 < half_width < realised * 1.5


@pytest.mark.parametrize(
    ("value", "text"),
    [(91_234.5, "91,230"), (91_200.0, "91,200"), (2.21349, "2.213"), (0.161234, "0.1612"), (150.06, "150.1")],
)
def test_prices_are_shown_with_four_significant_digits(value: float, text: str) -> None:
    assert format_price(value) == text


def test_spans_and_counts_in_words() -> None:
    assert span_label(24 * 3_600_000) == "24h"
    assert span_label(7 * 86_400_000) == "7d"
    assert span_label(24 * 900_000) == "6h"
    assert span_label(5 * 900_000) == "75m"
    assert candles_label(2100, "1h") == "2,100 hours"
    assert candles_label(300, "4h") == "300 4h candles"


def _card(skill: float, verdict: str) -> dict:
    return {
        "model": "path_linear",
        "n": 2100,
        "horizon": 24,
        "verdict": verdict,
        "scores": {"model": {"mae_skill": skill}},
    }


def test_path_sentences_for_skill_too_little_skill_and_worse_than_no_change() -> None:
    common = {"price": 91_234.0, "horizon_label": "24h", "timeframe": "1h", "interval": (0.8, 88_100.0, 94_300.0)}
    assert path_text(card=_card(0.12, "beats baseline"), **common) == (
        "24h: 91,230 (nominal 80% band: 88,100 to 94,300) by the linear model;"
        " its error is 12% below no-change out of sample on 2,100 hours (87 non-overlapping 24h periods)"
    )
    assert path_text(card=_card(-0.03, "no skill"), **common).endswith(
        "this model's error is 3% worse than no-change out of sample on 2,100 hours (87 non-overlapping 24h periods),"
        " shown for information only"
    )
    assert path_text(card=_card(0.01, "no skill"), **common).endswith(
        "its error is 1% below no-change out of sample on 2,100 hours (87 non-overlapping 24h periods),"
        " too little evidence to call it skill; shown for information only"
    )
    assert "is 0.2% below no-change" in path_text(card=_card(0.002, "no skill"), **common)
    assert "is 0.4% worse than no-change" in path_text(card=_card(-0.004, "no skill"), **common)


def test_every_path_price_shown_carries_the_garch_band_around_that_price(
    planted_artifacts: Artifacts, planted_candles: list[Candle]
) -> None:
    """The LSTM's price, headline or not, is never shown bare: the GARCH band's width, centred on the LSTM's price."""
    # Given: the predictions at the last candle
    out = _by_model(predict(planted_artifacts, planted_candles[-720:]))
    garch, linear = out["vol_garch"], out["path_linear"]
    held = f"80% band, held {garch.coverage * 100:.0f}% out of sample"

    for name, where in (("path_linear", ""), ("path_lstm", " around the linear model's price")):
        # When: the path's price is worded
        path = out[name]
        scale = path.price / linear.price

        # Then: the same log width as the interval, moved to this model's price (the interval itself for the linear)
        band = f"({held}{where}: {format_price(garch.low * scale)} to {format_price(garch.high * scale)}) by the"
        assert f"24h: {format_price(path.price)} {band}" in path.text
        assert garch.low * scale < path.price < garch.high * scale


def test_each_sentence_states_its_sample_in_non_overlapping_periods_too() -> None:
    """Hourly rows of 24h targets share 23 of 24 candles: 2,100 of them are 87 independent outcomes, not 2,100."""
    # Given: cards scored on 2,100 hourly rows of 24-candle targets
    card = {"n": 2100, "horizon": 24, "verdict": "no skill"}
    breakout = {**card, "model": "breakout_rf", "scores": {"model": {"auc": 0.51, "brier_skill": -0.01}}}
    interval = {**card, "model": "vol_garch", "scores": {"model": {"coverage": 0.78}, "historical": {"coverage": 0.8}}}

    # When / Then: the breakout and interval sentences say so as the path's does
    said = "out of sample on 2,100 hours (87 non-overlapping 24h periods)"
    common = {"horizon_label": "24h", "timeframe": "1h"}
    assert said in breakout_text(probability=0.2, threshold_pct=3.0, base_rate=0.2, card=breakout, **common)
    assert said in interval_text(level=0.8, low=88_000.0, high=94_000.0, card=interval, **common)
    # and a one-candle horizon has no overlap to correct
    assert sample_label({"n": 300, "horizon": 1}, "1d", "1d") == "300 days"
