"""Scores and baselines, checked against scikit-learn and against hand-worked numbers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
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
    # Given: targets spanning 12 candles, so blocks of 2 rows with the 11 rows after each dropped (filled with 100
    # here), blocks with means 1, 2, 3 and a trailing partial block that is dropped
    advantage = np.full(40, 100.0)
    advantage[[0, 1, 13, 14, 26, 27, 39]] = [0.0, 2.0, 1.0, 3.0, 3.0, 3.0, 100.0]

    # When
    t = m.block_t(advantage, block=12)

    # Then: mean 2, sd 1, 3 blocks
    assert t == pytest.approx(2 / (1 / np.sqrt(3)))
    assert m.block_test(advantage, 12) == (pytest.approx(t), 3)
    assert m.block_t(np.ones(10), block=2) == 0.0  # no spread, no evidence
    assert m.block_t(np.ones(3), block=2) == 0.0
    assert m.block_t(np.arange(30.0), block=24) == 0.0  # one block


def test_blocks_share_no_target_candle() -> None:
    # Given: each row's value is its position; rows' targets span the next 24 candles
    rows = np.arange(500.0)

    # When
    means = m.block_means(rows, 24)

    # Then: blocks of 4 rows (0-3, 27-30, ...): a block's last target candle (3 + 24) precedes the next block's
    # first (27 + 1)
    assert m.block_rows(24) == 4
    assert means[0] == pytest.approx(1.5)
    assert np.diff(means) == pytest.approx(np.full(len(means) - 1, 27.0))
    assert len(means) == (500 - 4) // 27 + 1
    # Outcomes of one candle do not overlap: every row is a block.
    assert m.block_means(rows[:5], 1) == pytest.approx(rows[:5])
    with pytest.raises(ValueError, match="block must be a whole number of candles >= 1, got 0"):
        m.block_means(rows, 0)


def test_block_t_of_no_skill_on_overlapping_targets_is_not_inflated() -> None:
    # Given: two forecasts of overlapping 24-candle moves, equally good (mirror images around a symmetric outcome)
    rng = np.random.default_rng(0)
    ts = []
    for _ in range(1_500):
        cumulative = np.r_[0.0, np.cumsum(rng.standard_normal(2_400 + 48))]
        t = np.arange(24, 2_424)
        move = cumulative[t + 25] - cumulative[t + 1]
        lean = 0.3 * (cumulative[t + 1] - cumulative[t - 23])
        ts.append(m.block_t(np.abs(move + lean) - np.abs(move - lean), 24))

    # Then: the t statistics spread like a t's (sd 1.16 when neighbouring blocks shared candles)
    assert np.std(ts) == pytest.approx(1.0, abs=0.06)


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 19, 20, 99, 500])
def test_student_t_tail_matches_scipy(df: int) -> None:
    for t in (-3.0, -0.4, 0.0, 0.7, 2.0, 2.2, 5.0, 40.0, float("inf")):
        assert m.student_t_sf(t, df) == pytest.approx(stats.t.sf(t, df), abs=1e-12), (t, df)
    for huge in (12.0, 30.0, 1e9):  # far tails: never a hair below 0 or above 1 from rounding
        assert 0.0 <= m.student_t_sf(huge, df) <= 1.0 and 0.0 <= m.student_t_sf(-huge, df) <= 1.0


def test_student_t_tail_refuses_what_it_cannot_compute() -> None:
    with pytest.raises(ValueError, match="degrees of freedom must be a whole number >= 1, got 0"):
        m.student_t_sf(2.0, 0)
    with pytest.raises(ValueError, match="NaN"):
        m.student_t_sf(float("nan"), 5)


def test_holm_adjusts_in_step_down_order_and_keeps_the_input_order() -> None:
    # Sorted: 0.01 x 4 = 0.04, 0.03 x 3 = 0.09, then max(0.09, 0.04 x 2), and 0.5 x 1
    assert m.holm([0.04, 0.01, 0.5, 0.03]) == pytest.approx([0.09, 0.04, 0.5, 0.09])
    assert m.holm([0.3, 0.9]) == pytest.approx([0.6, 0.9])
    assert m.holm([]) == []


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
