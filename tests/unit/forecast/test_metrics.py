"""Scores and baselines, checked against scikit-learn and against hand-worked numbers."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, precision_score, recall_score, roc_auc_score

from crypto_advisor.forecast import baselines
from crypto_advisor.forecast import metrics as m
from crypto_advisor.forecast.intervals import bounds, calibrated_multiplier


@pytest.fixture
def scored() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    y = (rng.random(500) < 0.3).astype(float)
    p = np.clip(0.3 + 0.2 * (y - 0.3) + rng.normal(0, 0.15, 500), 0, 1).round(2)  # rounded: many ties
    return y, p


def test_auc_equals_scikit_learn_with_ties(scored: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = scored
    assert m.roc_auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert m.roc_auc(y, np.full_like(p, 0.3)) == pytest.approx(0.5)
    assert m.roc_auc(np.zeros(5), np.arange(5.0)) is None


def test_brier_and_its_skill(scored: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = scored
    assert m.brier(y, p) == pytest.approx(brier_score_loss(y, p), abs=1e-12)
    assert m.skill(0.15, 0.2) == pytest.approx(0.25)
    assert m.skill(0.25, 0.2) == pytest.approx(-0.25)
    assert m.skill(1.0, 0.0) is None


def test_precision_and_recall_at_the_alert_threshold(scored: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = scored
    precision, recall = m.precision_recall(y, p, 0.4)
    assert precision == pytest.approx(precision_score(y, p >= 0.4))
    assert recall == pytest.approx(recall_score(y, p >= 0.4))
    assert m.precision_recall(y, np.zeros_like(p), 0.5) == (None, 0.0)


def test_calibration_table_bins_forecasts_and_outcomes() -> None:
    y = np.array([0, 0, 1, 1, 1, 0])
    p = np.array([0.05, 0.08, 0.95, 1.0, 0.55, 0.52])
    table = m.calibration_table(y, p, bins=10)
    assert [(row["low"], row["n"]) for row in table] == [(0.0, 2), (0.5, 2), (0.9, 2)]
    assert table[1]["forecast"] == pytest.approx(0.535)
    assert table[1]["observed"] == pytest.approx(0.5)
    assert table[2]["observed"] == 1.0


def test_block_t_averages_within_blocks_before_the_t_statistic() -> None:
    # Given: blocks of 2 with means 1, 2, 3 (and a trailing partial block that is dropped)
    advantage = np.array([0.0, 2.0, 1.0, 3.0, 3.0, 3.0, 100.0])

    # When
    t = m.block_t(advantage, block=2)

    # Then: mean 2, sd 1, 3 blocks
    assert t == pytest.approx(2 / (1 / np.sqrt(3)))
    assert m.block_t(np.ones(10), block=2) == 0.0  # no spread, no evidence
    assert m.block_t(np.ones(3), block=2) == 0.0  # one block


def test_price_errors_direction_and_coverage() -> None:
    assert m.price_errors(np.array([10.0, 12.0]), np.array([11.0, 9.0])) == {
        "mae": 2.0,
        "rmse": pytest.approx(np.sqrt(5)),
    }
    assert m.directional_accuracy(np.array([0.1, -0.1, 0.0, 0.2]), np.array([0.3, 0.2, -1.0, 0.1])) == pytest.approx(
        2 / 3
    )
    assert m.directional_accuracy(np.zeros(3), np.ones(3)) is None
    assert m.coverage(np.array([0.0, 1.0, 2.0]), np.array([-1.0, -1, -1]), np.array([1.5, 1.5, 1.5])) == pytest.approx(
        2 / 3
    )


def test_interval_score_is_width_plus_penalised_misses() -> None:
    low, high = np.array([-1.0, -1.0, -1.0]), np.array([1.0, 1.0, 1.0])
    scores = m.interval_scores(np.array([0.0, 2.0, -1.5]), low, high, level=0.8)
    np.testing.assert_allclose(scores, [2.0, 2.0 + 10 * 1.0, 2.0 + 10 * 0.5])
    assert m.z_of(0.8) == pytest.approx(1.2815515655)


def test_calibrated_multiplier_holds_the_level_on_the_training_rows() -> None:
    rng = np.random.default_rng(1)
    sigma = rng.uniform(0.5, 2.0, 5000)
    actual = sigma * rng.standard_normal(5000) * 1.5  # wider than sigma says
    k = calibrated_multiplier(actual, np.zeros(5000), sigma, 0.8)
    low, high = bounds(np.zeros(5000), sigma, k)
    assert k == pytest.approx(1.5 * 1.2816, rel=0.05)
    assert m.coverage(actual, low, high) == pytest.approx(0.8, abs=0.001)


def test_baselines() -> None:
    returns = np.array([np.nan, 0.01, -0.02, 0.04])
    assert baselines.mean_return(returns) == pytest.approx(0.01)
    np.testing.assert_allclose(baselines.drift_path(0.01, 2, 3), np.full((2, 3), 0.01))
    np.testing.assert_array_equal(baselines.persistence_path(2, 3), np.zeros((2, 3)))
    assert baselines.base_rate(np.array([1.0, 0.0, 0.0, 1.0])) == 0.5
    assert baselines.historical_sigma(returns, 4) == pytest.approx(np.std([0.01, -0.02, 0.04], ddof=1) * 2)
    ewma = baselines.ewma_next_variance(returns, decay=0.9, seed_variance=1e-4)
    assert ewma[0] == 1e-4  # row 0 has no return
    assert ewma[1] == pytest.approx(0.9 * 1e-4 + 0.1 * 0.01**2)
    assert ewma[2] == pytest.approx(0.9 * ewma[1] + 0.1 * 0.02**2)
