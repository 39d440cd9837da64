"""Targets: the label at t reads candles t+1 .. t+H only, and the last H rows have none."""

from __future__ import annotations

import numpy as np
import pytest

from crypto_advisor.forecast.labels import breakout_labels, path_labels

H = 4


def test_breakout_is_a_close_at_least_x_percent_up_within_the_horizon() -> None:
    # Given: +5% is reached 4 candles after row 0, never within 4 candles of row 1, exactly +5% after row 2
    close = np.array([100.0, 101.0, 100.0, 99.0, 105.0, 104.0, 103.0, 102.0, 101.0])

    # When
    labels = breakout_labels(close, horizon=H, threshold_pct=5.0)

    # Then
    assert labels[0] == 1.0  # 105 >= 100 * 1.05
    assert labels[1] == 0.0  # 105 < 101 * 1.05 = 106.05
    assert labels[2] == 1.0  # 105 >= 105 exactly
    assert labels[3] == 1.0  # 105 >= 99 * 1.05 = 103.95
    assert labels[4] == 0.0
    assert np.isnan(labels[-H:]).all()


@pytest.mark.parametrize("t", [0, 7, 20])
def test_breakout_label_at_t_uses_only_t_plus_1_to_t_plus_h(t: int) -> None:
    # Given
    rng = np.random.default_rng(t)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, 40)))
    base = breakout_labels(close, horizon=H, threshold_pct=3.0)[t]

    # When: every candle before t and after t + H moves wildly
    outside = close.copy()
    outside[:t] *= rng.uniform(0.1, 10, t)
    outside[t + H + 1 :] *= rng.uniform(0.1, 10, len(close) - t - H - 1)
    # and, separately, one candle inside the window jumps far above close[t]
    inside = close.copy()
    inside[t + H] = close[t] * 1.5

    # Then: only the window decides
    assert breakout_labels(outside, horizon=H, threshold_pct=3.0)[t] == base
    assert breakout_labels(inside, horizon=H, threshold_pct=3.0)[t] == 1.0


@pytest.mark.parametrize("t", [0, 7, 20])
def test_path_label_at_t_uses_only_t_to_t_plus_h(t: int) -> None:
    # Given
    rng = np.random.default_rng(t)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, 40)))
    labels = path_labels(close, horizon=H)

    # When: candles before t and after t + H change
    moved = close.copy()
    moved[:t] *= 3
    moved[t + H + 1 :] *= 0.3

    # Then: the row is the H log returns after t, and unchanged by the rest
    np.testing.assert_allclose(labels[t], np.diff(np.log(close[t : t + H + 1])), rtol=1e-12)
    np.testing.assert_array_equal(path_labels(moved, horizon=H)[t], labels[t])
    assert np.isnan(labels[-H:]).all()
    assert np.isfinite(labels[: len(close) - H]).all()


def test_a_history_shorter_than_the_horizon_has_no_labels() -> None:
    close = np.array([1.0, 2.0, 3.0])
    assert np.isnan(breakout_labels(close, horizon=H, threshold_pct=1.0)).all()
    assert np.isnan(path_labels(close, horizon=H)).all()
