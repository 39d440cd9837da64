"""Model cards: the verdict rule, JSON round trip, and the readable table."""

from __future__ import annotations

import json

import numpy as np
import pytest

from crypto_advisor.forecast.card import (
    BEATS,
    NO_SKILL,
    ModelCard,
    breakout_card,
    format_card,
    interval_card,
    path_card,
    verdict_loss,
)
from crypto_advisor.forecast.config import ForecastConfig

CONFIG = ForecastConfig(horizon=4)
N = 800


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(5)


def _breakout(y: np.ndarray, p: np.ndarray) -> ModelCard:
    return breakout_card(series="s", model="breakout_rf", config=CONFIG, folds=2, y=y, p=p, base=np.full(len(y), 0.3))


def test_an_informative_probability_beats_the_base_rate(rng: np.random.Generator) -> None:
    y = (rng.random(N) < 0.3).astype(float)
    card = _breakout(y, np.where(y == 1, 0.6, 0.15))
    assert card.verdict == BEATS
    assert card.scores["model"]["auc"] == 1.0
    assert card.scores["model"]["brier_skill"] > 0.3


def test_the_base_rate_itself_or_an_inverted_ranking_has_no_skill(rng: np.random.Generator) -> None:
    y = (rng.random(N) < 0.3).astype(float)
    assert _breakout(y, np.full(N, 0.3)).verdict == NO_SKILL
    assert _breakout(y, np.where(y == 1, 0.2, 0.35)).verdict == NO_SKILL


def _path(close: np.ndarray, actual: np.ndarray, model: np.ndarray, drift: np.ndarray) -> ModelCard:
    return path_card(
        series="s",
        model="path_linear",
        config=CONFIG,
        folds=2,
        close=close,
        actual=actual,
        forecasts={"model": model, "persistence": np.zeros_like(actual), "drift": drift},
    )


def test_a_path_model_must_beat_persistence_and_drift(rng: np.random.Generator) -> None:
    # Given: a market drifting up 1% per candle, with noise
    close = np.full(N, 100.0)
    actual = 0.01 + rng.normal(0, 0.005, (N, 4))
    drift = np.full((N, 4), 0.01)
    half_way = np.full((N, 4), 0.005)

    # When / Then: knowing half the drift beats no change, but the drift baseline is far better
    card = _path(close, actual, half_way, drift)
    assert card.scores["model"]["mae_skill"] > 0.3
    assert card.advantage_t["persistence"] > 2
    assert card.advantage_t["drift"] < -2
    assert card.verdict == NO_SKILL

    # And knowing the noise too beats both
    assert _path(close, actual, actual * 0.5 + 0.005, drift).verdict == BEATS


def test_path_figures_are_prices_at_the_horizon() -> None:
    close = np.array([100.0, 200.0])
    actual = np.log(np.array([[1.0, 1.1], [1.0, 0.9]]))  # second step: +10% / -10%
    card = _path(close, actual, np.zeros((2, 2)), np.zeros((2, 2)))
    assert card.scores["persistence"]["mae"] == pytest.approx((10 + 20) / 2)
    assert card.scores["model"]["mae_skill"] == 0.0


def _interval(actual: np.ndarray, model: float, ewma: float) -> ModelCard:
    def band(width: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        w = np.broadcast_to(width, actual.shape)
        return -w, w

    return interval_card(
        series="s",
        model="vol_garch",
        config=CONFIG,
        folds=2,
        actual=actual,
        intervals={"model": band(model), "historical": band(3.0), "ewma": band(ewma)},
    )


def test_an_interval_must_beat_historical_and_not_be_clearly_worse_than_ewma(rng: np.random.Generator) -> None:
    actual = rng.normal(0, 1, N)
    # The right width (1.28 sd) against a far too wide historical band, EWMA as good: skill.
    good = _interval(actual, 1.28, 1.3)
    assert good.verdict == BEATS
    assert good.scores["model"]["coverage"] == pytest.approx(0.8, abs=0.05)
    # Too narrow: still far better than the historical band, but EWMA is clearly better.
    narrow = _interval(actual, 0.8, 1.28)
    assert narrow.advantage_t["historical"] > 2
    assert narrow.advantage_t["ewma"] < -2
    assert narrow.verdict == NO_SKILL


def test_card_round_trips_through_json(rng: np.random.Generator) -> None:
    y = (rng.random(N) < 0.3).astype(float)
    card = _breakout(y, np.clip(0.3 + 0.3 * (y - 0.3) + rng.normal(0, 0.1, N), 0, 1))
    text = json.dumps(card.to_dict(), allow_nan=False)
    assert ModelCard.from_dict(json.loads(text)) == card


def test_format_card_shows_the_figures_and_the_verdict(rng: np.random.Generator) -> None:
    y = (rng.random(N) < 0.3).astype(float)
    card = _breakout(y, np.full(N, 0.3))
    text = format_card(card)
    assert text.splitlines()[0] == "s  breakout_rf: P(+3% within 4 candles)"
    assert "brier_skill" in text and "base_rate" in text and "calibration" in text
    assert text.splitlines()[-1].startswith("  verdict: no skill")


def test_verdict_loss_is_the_loss_each_kind_is_judged_by(rng: np.random.Generator) -> None:
    y = (rng.random(N) < 0.3).astype(float)
    breakout = _breakout(y, np.full(N, 0.3))
    assert verdict_loss(breakout) == breakout.scores["model"]["brier"]
    assert verdict_loss(breakout, "base_rate") == breakout.scores["base_rate"]["brier"]
    interval = _interval(rng.normal(0, 1, N), 1.28, 1.3)
    assert verdict_loss(interval) == interval.scores["model"]["interval_score"]
