"""Features: scale-free, defined after a short warm-up, and blind to every candle after their own."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.forecast.features import build_features, feature_names
from crypto_advisor.market.frame import to_frame

LAGS = 6


def _frame(candles: list[Candle]) -> pd.DataFrame:
    return to_frame(candles)


def test_columns_are_the_named_features_in_order(planted_candles: list[Candle]) -> None:
    # Given / When
    features = build_features(_frame(planted_candles[:300]), lags=LAGS)

    # Then
    assert tuple(features.columns) == feature_names(LAGS)
    assert "return_lag_6" in features.columns


def test_every_feature_is_defined_after_the_warm_up(planted_candles: list[Candle]) -> None:
    # Given / When
    features = build_features(_frame(planted_candles[:300]), lags=LAGS).to_numpy()

    # Then: EMA(50) is the longest warm-up (row 49); nothing stays undefined after it.
    assert np.isfinite(features[49:]).all()
    assert not np.isfinite(features[48]).all()


def test_features_do_not_depend_on_the_price_level(planted_candles: list[Candle]) -> None:
    """The same market at 1,000 times the price (BTC against DOGE) gives the same features."""
    # Given
    candles = planted_candles[:400]
    scaled = [
        dataclasses.replace(c, open=c.open * 1000, high=c.high * 1000, low=c.low * 1000, close=c.close * 1000)
        for c in candles
    ]

    # When
    plain = build_features(_frame(candles), lags=LAGS).to_numpy()
    rich = build_features(_frame(scaled), lags=LAGS).to_numpy()

    # Then
    np.testing.assert_allclose(rich, plain, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("t", [60, 150, 298])
def test_no_feature_at_t_changes_when_any_later_candle_changes(planted_candles: list[Candle], t: int) -> None:
    # Given: the same history, then every candle after t replaced by a wild one
    candles = planted_candles[:300]
    rng = np.random.default_rng(t)
    changed = candles[: t + 1] + [
        dataclasses.replace(
            c,
            open=c.open * f,
            high=c.high * f * 1.5,
            low=c.low * f * 0.5,
            close=c.close * f,
            volume=c.volume * 50,
        )
        for c, f in zip(candles[t + 1 :], rng.uniform(0.2, 5.0, len(candles) - t - 1), strict=True)
    ]

    # When
    before = build_features(_frame(candles), lags=LAGS).to_numpy()
    after = build_features(_frame(changed), lags=LAGS).to_numpy()

    # Then: rows up to t are identical to the bit (NaN where NaN), and the change did reach later rows
    np.testing.assert_array_equal(after[: t + 1], before[: t + 1])
    if t + 1 < len(candles):
        assert not np.allclose(after[t + 1 :], before[t + 1 :], equal_nan=True)


def test_zero_volume_is_read_as_very_quiet_not_as_minus_infinity(planted_candles: list[Candle]) -> None:
    # Given: a candle with no volume at all (a quiet CoinGecko bucket)
    candles = list(planted_candles[:120])
    candles[100] = dataclasses.replace(candles[100], volume=0.0)

    # When
    features = build_features(_frame(candles), lags=LAGS)

    # Then
    assert np.isfinite(features["volume_ratio"].iloc[100])
    assert features["volume_ratio"].iloc[100] == pytest.approx(np.log(0.01))
