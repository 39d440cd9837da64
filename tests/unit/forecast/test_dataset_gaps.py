"""A history with holes: features and targets per gap-free run, joined, so one hole costs a few rows, not the past.

The old dataset treated any history as consecutive candles: a caller had to
cut it to the gap-free run at the end, and a row next to a hole read a lag
or a label across it. These tests build a seeded random walk, cut one candle
out of the middle, and check the rows on both sides, the rows next to the
hole, the folds' purge, and that a gap-free history is exactly what it was.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.dataset import (
    FEATURE_WARMUP,
    Dataset,
    build_dataset,
    frame_of,
    gap_free_runs,
    min_run_candles,
    window_ready_mask,
)
from crypto_advisor.forecast.evaluate import evaluate_dataset
from crypto_advisor.forecast.features import build_features, feature_names
from crypto_advisor.forecast.labels import breakout_labels, path_labels
from crypto_advisor.forecast.walkforward import walk_forward_folds

from .markets import HOUR, random_walk

CONFIG = ForecastConfig()
H = CONFIG.horizon
#: Candles before the first usable row of a run: the features' warm-up and the LSTM's window.
LEAD = FEATURE_WARMUP + CONFIG.lstm_window - 1
#: Position of the candle cut out of the walk: the hole is between positions HOLE - 1 and HOLE of the rest.
HOLE = 600


def with_hole(count: int = 1_200) -> tuple[list[Candle], list[Candle], list[Candle]]:
    """A random walk with candle ``HOLE`` cut out: the history, and the runs before and after the hole."""
    walk = random_walk(count + 1, seed=3)
    before, after = walk[:HOLE], walk[HOLE + 1 :]
    return before + after, before, after


def build_dataset_before_holes(candles: Sequence[Candle], config: ForecastConfig) -> Dataset:
    """``build_dataset`` as it was before holes were handled (HEAD f9dbc7d): the reference for a gap-free history."""
    frame = frame_of(candles)
    close = frame["close"].to_numpy(dtype=np.float64)
    features = build_features(frame, lags=config.lags).to_numpy(dtype=np.float64)
    log_returns = np.full(len(close), np.nan)
    log_returns[1:] = np.diff(np.log(close))
    breakout = breakout_labels(close, horizon=config.horizon, threshold_pct=config.threshold_pct)
    path = path_labels(close, horizon=config.horizon)
    ready = window_ready_mask(features, config.lstm_window)
    return Dataset(
        ts=frame["ts"].to_numpy(dtype=np.int64),
        close=close,
        features=features,
        feature_names=feature_names(config.lags),
        log_returns=log_returns,
        breakout=breakout,
        path=path,
        rows=np.flatnonzero(ready & np.isfinite(breakout)),
    )


def test_a_one_candle_hole_keeps_the_rows_on_both_sides() -> None:
    # Given a history with one candle missing in the middle
    history, before, after = with_hole()
    # When its dataset is built
    data = build_dataset(history, CONFIG)
    # Then its rows are those of each side built alone, in time order: the side before the hole is not lost
    alone_before, alone_after = build_dataset(before, CONFIG), build_dataset(after, CONFIG)
    np.testing.assert_array_equal(data.rows, np.r_[alone_before.rows, alone_after.rows + len(before)])
    assert data.rows[0] == LEAD and data.rows[-1] == len(history) - 1 - H
    # and each side's features and targets are the ones it has on its own (nothing leaks across the hole)
    for alone, part in ((alone_before, slice(0, len(before))), (alone_after, slice(len(before), None))):
        np.testing.assert_array_equal(data.features[part], alone.features)
        np.testing.assert_array_equal(data.breakout[part], alone.breakout)
        np.testing.assert_array_equal(data.path[part], alone.path)


def test_no_row_next_to_the_hole_reads_a_feature_or_a_label_across_it() -> None:
    # Given the history with a one-candle hole between positions HOLE - 1 and HOLE
    history, _, _ = with_hole()
    data = build_dataset(history, CONFIG)
    assert data.ts[HOLE] - data.ts[HOLE - 1] == 2 * HOUR
    # Then the last row before the hole is the last whose H-candle label ends before it,
    last_before = data.rows[data.rows < HOLE].max()
    assert last_before == HOLE - 1 - H
    assert np.isnan(data.breakout[HOLE - H : HOLE]).all() and np.isnan(data.path[HOLE - H : HOLE]).all()
    # and the first row after it is the first whose features and LSTM window were warmed up after it
    first_after = data.rows[data.rows >= HOLE].min()
    assert first_after == HOLE + LEAD
    assert np.isnan(data.features[HOLE]).any()
    # and every row's whole span, LSTM window and warm-up to label, is consecutive candles
    span = data.ts[data.rows + H] - data.ts[data.rows - LEAD]
    np.testing.assert_array_equal(span, np.full(len(data.rows), (LEAD + H) * HOUR))


def test_the_return_across_the_hole_is_scaled_to_one_candle_and_none_is_missing() -> None:
    # Given the history with a one-candle hole (the return into position HOLE spans two candles)
    history, _, _ = with_hole()
    # When its dataset is built
    data = build_dataset(history, CONFIG)
    # Then the volatility filters get a number at every candle after the first (arch takes no NaN)
    assert np.isnan(data.log_returns[0]) and np.isfinite(data.log_returns[1:]).all()
    # and the two-candle return counts as one candle's, by its standard deviation
    two_candles = np.log(history[HOLE].close / history[HOLE - 1].close)
    assert data.log_returns[HOLE] == pytest.approx(two_candles / np.sqrt(2))
    assert data.log_returns[HOLE + 1] == pytest.approx(np.log(history[HOLE + 1].close / history[HOLE].close))


def test_the_folds_keep_their_purge_across_the_hole() -> None:
    # Given the history with a hole, cut into the walk-forward folds
    history, _, _ = with_hole()
    data = build_dataset(history, CONFIG)
    folds = walk_forward_folds(data.rows, folds=CONFIG.folds, horizon=H, min_train_fraction=CONFIG.min_train_fraction)
    # Then some fold trains on both sides of the hole
    assert any((f.train < HOLE).any() and (f.train >= HOLE).any() for f in folds)
    for fold in folds:
        # and every training label ends before the fold's first test candle
        assert fold.train[-1] + H < fold.test[0]
        assert (data.ts[fold.train + H] < data.ts[fold.test[0]]).all()


@pytest.mark.parametrize("lags", [CONFIG.lags, 60])
def test_min_run_candles_is_the_shortest_history_that_holds_a_row(lags: int) -> None:
    # Given the configuration's shortest run, and one candle less
    config = replace(CONFIG, lags=lags)
    need = min_run_candles(config)
    # Then the shortest gives exactly one usable row and the shorter none
    assert len(build_dataset(random_walk(need), config).rows) == 1
    assert len(build_dataset(random_walk(need - 1), config).rows) == 0


def test_gap_free_runs_split_at_any_other_step() -> None:
    ts = np.array([0, 1, 2, 4, 5, 5, 6]) * HOUR
    assert gap_free_runs(ts, HOUR) == [(0, 3), (3, 5), (5, 7)]
    assert gap_free_runs(ts[:3], HOUR) == [(0, 3)]
    assert gap_free_runs([], HOUR) == [(0, 0)]


def test_a_gap_free_history_gives_exactly_the_arrays_and_cards_it_gave_before() -> None:
    # Given a gap-free history and a small configuration (two folds, a few trees, one LSTM epoch)
    candles = random_walk(900, seed=4)
    config = replace(CONFIG, horizon=6, folds=2, lstm_epochs=1, rf_trees=8, lstm_hidden=4, lstm_window=8)
    # When its dataset is built by today's code and by the code before holes were handled
    now, before = build_dataset(candles, config), build_dataset_before_holes(candles, config)
    # Then every array is the same, value for value, NaN for NaN
    for name in ("ts", "close", "features", "log_returns", "breakout", "path", "rows"):
        np.testing.assert_array_equal(getattr(now, name), getattr(before, name), err_msg=name)
    assert now.feature_names == before.feature_names
    # and so are the cards, figure for figure (as JSON, where NaN equals NaN)
    cards_now = [c.to_dict() for c in evaluate_dataset(now, config, series="kraken:BTC-USD:1h")]
    cards_before = [c.to_dict() for c in evaluate_dataset(before, config, series="kraken:BTC-USD:1h")]
    assert json.dumps(cards_now) == json.dumps(cards_before)
