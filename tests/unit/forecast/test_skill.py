"""The cards tell skill from luck: planted structure is found, a random walk is called what it is.

``planted`` hides persistent trends and volatility regimes (see
:mod:`.markets`); ``random_walk`` hides nothing. Both are 4,000 hourly
candles, evaluated over 4 walk-forward folds.
"""

from __future__ import annotations

import pytest

from crypto_advisor.forecast.card import BEATS, NO_SKILL, ModelCard, judge_family
from crypto_advisor.forecast.config import ForecastConfig

MODELS = ("breakout_rf", "path_linear", "path_lstm", "vol_garch")


def _by_model(cards: list[ModelCard]) -> dict[str, ModelCard]:
    return {card.model: card for card in cards}


def test_one_card_per_model_with_enough_out_of_sample_candles(planted_cards: list[ModelCard]) -> None:
    cards = _by_model(planted_cards)
    assert tuple(cards) == MODELS
    for card in cards.values():
        assert card.folds == 4
        assert card.n > 2_000
        assert card.horizon == 24


@pytest.mark.parametrize("model", MODELS)
def test_every_model_beats_its_baselines_on_the_planted_market(planted_cards: list[ModelCard], model: str) -> None:
    card = _by_model(planted_cards)[model]
    assert card.verdict == BEATS, card.advantage_t
    assert card.beats_baseline


def test_the_planted_figures_are_skill_not_a_technicality(planted_cards: list[ModelCard]) -> None:
    cards = _by_model(planted_cards)
    breakout = cards["breakout_rf"].scores["model"]
    assert breakout["auc"] > 0.65
    assert breakout["brier_skill"] > 0.1
    for name in ("path_linear", "path_lstm"):
        path = cards[name].scores
        assert path["model"]["mae_skill"] > 0.1
        assert path["model"]["mae"] < path["drift"]["mae"]
        assert path["model"]["directional_accuracy"] > 0.6
    interval = cards["vol_garch"].scores
    assert interval["model"]["interval_score"] < interval["historical"]["interval_score"]
    assert 0.7 < interval["model"]["coverage"] < 0.9


@pytest.mark.parametrize("model", MODELS)
def test_no_model_claims_skill_on_a_random_walk(walk_cards: list[ModelCard], model: str) -> None:
    card = _by_model(walk_cards)[model]
    assert card.verdict == NO_SKILL, card.advantage_t
    assert not card.beats_baseline


def test_the_random_walk_figures_hover_around_no_skill(walk_cards: list[ModelCard]) -> None:
    cards = _by_model(walk_cards)
    assert cards["breakout_rf"].scores["model"]["auc"] == pytest.approx(0.5, abs=0.07)
    assert cards["breakout_rf"].scores["model"]["brier_skill"] < 0.02
    for name in ("path_linear", "path_lstm"):
        assert cards[name].scores["model"]["mae_skill"] < 0.03


def test_the_planted_skill_survives_the_correction_across_the_series_models(
    planted_cards: list[ModelCard], walk_cards: list[ModelCard], config: ForecastConfig
) -> None:
    # Holm across the four models of the series: the planted structure is still found, the random walk still not.
    planted = _by_model(judge_family(planted_cards, config))
    assert [card.verdict for card in planted.values()] == [BEATS] * 4, {m: c.family_p for m, c in planted.items()}
    for card in planted.values():
        assert card.blocks >= 80 and card.family_p is not None and card.family_p <= 0.02275
    assert all(card.verdict == NO_SKILL for card in judge_family(walk_cards, config))
