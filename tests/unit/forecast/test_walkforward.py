"""Walk-forward folds: time order, a purge of H candles, and every fit made from training rows alone."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.dataset import build_dataset
from crypto_advisor.forecast.evaluate import fit_fold
from crypto_advisor.forecast.scaling import Standardizer
from crypto_advisor.forecast.walkforward import walk_forward_folds


@pytest.mark.parametrize(("count", "folds", "horizon"), [(600, 4, 24), (3000, 5, 24), (500, 3, 6), (1000, 2, 48)])
def test_every_test_fold_starts_more_than_h_candles_after_its_training_data_ends(
    count: int, folds: int, horizon: int
) -> None:
    # Given: usable rows after a warm-up, with a hole (as a gap in the features would leave)
    rows = np.r_[np.arange(72, 300), np.arange(320, 72 + count)]

    # When
    split = walk_forward_folds(rows, folds=folds, horizon=horizon, min_train_fraction=0.4)

    # Then: each training label (t+1 .. t+H) ends before the test block starts
    assert len(split) == folds
    for fold in split:
        assert fold.train.max() + horizon < fold.test.min()
        assert np.isin(fold.train, rows).all() and np.isin(fold.test, rows).all()


def test_folds_are_in_time_order_expanding_and_cover_the_tail_once() -> None:
    # Given
    rows = np.arange(100, 1100)

    # When
    split = walk_forward_folds(rows, folds=4, horizon=24, min_train_fraction=0.4)

    # Then
    tested = np.concatenate([f.test for f in split])
    np.testing.assert_array_equal(tested, rows[400:])
    for before, after in itertools.pairwise(split):
        assert before.test.max() < after.test.min()
        assert len(after.train) > len(before.train)
        assert np.isin(before.train, after.train).all()
    # The purge drops exactly the H rows before each test block.
    assert split[0].train.max() == split[0].test.min() - 25


def test_a_history_too_short_for_the_folds_is_refused() -> None:
    with pytest.raises(ValueError, match="too few"):
        walk_forward_folds(np.arange(100), folds=4, horizon=24, min_train_fraction=0.4)
    with pytest.raises(ValueError, match="would train on"):
        walk_forward_folds(np.arange(200), folds=2, horizon=24, min_train_fraction=0.2)


def test_standardizer_learns_only_what_it_is_given() -> None:
    # Given
    x = np.array([[1.0, 5.0], [3.0, 5.0]])

    # When
    scaler = Standardizer.fit(x)

    # Then: a constant column keeps scale 1
    np.testing.assert_allclose(scaler.mean, [2.0, 5.0])
    np.testing.assert_allclose(scaler.scale, [1.0, 1.0])
    np.testing.assert_allclose(scaler.inverse(scaler.transform(x)), x)


def test_scalers_and_models_of_a_fold_see_only_its_training_rows(planted_candles: list[Candle]) -> None:
    """Every candle from the fold's test start on is replaced: nothing fitted in that fold may change."""
    # Given: a fold of a 900-candle history
    config = ForecastConfig(lstm_epochs=2, rf_trees=10)
    candles = planted_candles[:900]
    data = build_dataset(candles, config)
    fold = walk_forward_folds(data.rows, folds=3, horizon=config.horizon, min_train_fraction=0.4)[1]
    first_test = int(fold.test[0])
    rng = np.random.default_rng(0)
    wild = candles[:first_test] + [
        dataclasses.replace(c, open=c.open * f, high=c.high * f * 2, low=c.low * f / 2, close=c.close * f)
        for c, f in zip(candles[first_test:], rng.uniform(0.3, 3.0, len(candles) - first_test), strict=True)
    ]
    changed = build_dataset(wild, config)
    assert not np.allclose(changed.features[first_test:], data.features[first_test:], equal_nan=True)

    # When
    fit = fit_fold(data, fold, config)
    refit = fit_fold(changed, fold, config)

    # Then: the same scalers, the same models
    for a, b in (
        (fit.linear.scaler, refit.linear.scaler),
        (fit.lstm.x_scaler, refit.lstm.x_scaler),
        (fit.lstm.y_scaler, refit.lstm.y_scaler),
    ):
        np.testing.assert_array_equal(a.mean, b.mean)
        np.testing.assert_array_equal(a.scale, b.scale)
    np.testing.assert_array_equal(fit.linear.model.coef_, refit.linear.model.coef_)
    x = data.features[fold.train]
    np.testing.assert_array_equal(fit.breakout.predict(x), refit.breakout.predict(x))
    for a, b in zip(fit.lstm.net.parameters(), refit.lstm.net.parameters(), strict=True):
        assert bool((a == b).all())
    assert (fit.garch.omega, fit.garch.alpha, fit.garch.beta) == (
        refit.garch.omega,
        refit.garch.alpha,
        refit.garch.beta,
    )
    assert fit.base_rate == refit.base_rate and fit.drift == refit.drift
    assert fit.multipliers == refit.multipliers
