"""The scan's breakout model: pooled across coins, walk-forward in time, significance counted in hours."""

from __future__ import annotations

import numpy as np
import pytest

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.forecast.card import BEATS, NO_SKILL
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.scan_breakout import FEATURES, build_scan_dataset, coin_features, evaluate_scan

H = 3_600_000
T0 = 1_767_225_600_000
CONFIG = ForecastConfig(horizon=24, threshold_pct=10.0, folds=3, min_train_fraction=0.4, rf_trees=30, rf_min_leaf=40)


def market(coins: int, hours: int, *, tell: bool, rallies: bool = True, seed: int = 5) -> dict[str, list[Candle]]:
    """Random-walk coins with rallies of +15% over 12 hours (``rallies``); with ``tell``, a 24 h volume surge
    announces each."""
    rng = np.random.default_rng(seed)
    out: dict[str, list[Candle]] = {}
    for coin in range(coins):
        steps = rng.normal(0, 0.01, hours)
        volume = 1e6 * np.exp(rng.normal(0, 0.1, hours))
        for start in rng.choice(np.arange(200, hours - 40), size=hours // 150, replace=False):
            if tell:
                volume[start] *= 6.0
            if rallies:
                steps[start + 1 : start + 13] += np.log(1.15) / 12
        close = 10 * np.exp(np.cumsum(steps))
        out[f"coingecko-markets:C{coin}-USD:1h"] = [
            Candle(T0 + i * H, float(c), float(c), float(c), float(c), float(v))
            for i, (c, v) in enumerate(zip(close, volume, strict=True))
        ]
    return out


def test_features_are_scale_free_and_read_only_the_past():
    # Given a coin and the same coin priced a million times higher
    coin = market(1, 300, tell=True)["coingecko-markets:C0-USD:1h"]
    dearer = [Candle(c.ts, c.open * 1e6, c.high * 1e6, c.low * 1e6, c.close * 1e6, c.volume) for c in coin]

    # When their features are built, and those of the coin cut at hour 250
    _, x, _ = coin_features(coin)
    _, x_dear, _ = coin_features(dearer)
    _, x_cut, _ = coin_features(coin[:251])

    # Then the price level changes nothing, and no feature of hour 250 reads a later hour
    np.testing.assert_allclose(x, x_dear, atol=1e-9)
    np.testing.assert_allclose(x[250], x_cut[250])
    assert x.shape[1] == len(FEATURES)


def test_rows_without_a_volume_reading_are_not_used():
    # Given a coin whose first week carries no volume (the sparkline's past)
    coin = market(1, 400, tell=False)["coingecko-markets:C0-USD:1h"]
    coin = [Candle(c.ts, c.open, c.high, c.low, c.close, None if i < 168 else c.volume) for i, c in enumerate(coin)]

    # When the dataset is built
    data = build_scan_dataset({"k": coin}, CONFIG)

    # Then its first row is a week and a day after the volumes begin (the 24 h change needs a day, the median a week)
    assert data.ts[0] >= T0 + (168 + 24) * H


def test_an_hour_with_a_volume_of_0_is_left_out_and_the_scan_is_still_trained():
    # Given a scan whose first coin reports a 24 h volume of 0 at hour 300 (CoinGecko's for an untraded coin)
    candles = market(6, 600, tell=True)
    key = "coingecko-markets:C0-USD:1h"
    zero = T0 + 300 * H
    candles[key] = [
        Candle(c.ts, c.open, c.high, c.low, c.close, 0.0 if c.ts == zero else c.volume) for c in candles[key]
    ]

    # When the dataset is pooled and the model evaluated
    data = build_scan_dataset(candles, CONFIG)
    full = build_scan_dataset(market(6, 600, tell=True), CONFIG)
    result = evaluate_scan(candles, name="top 6 USD", config=CONFIG)

    # Then every feature the model sees is finite, and only the two rows whose 24 h change reads the 0 are left out
    assert np.isfinite(data.x).all()
    coin0 = data.ts[data.coin == data.coins.index(key)]
    assert zero not in coin0 and zero + 24 * H not in coin0 and len(data.y) == len(full.y) - 2
    # And the scan has its card and a probability for every coin, the first included
    assert result.card.verdict in (BEATS, NO_SKILL) and key in result.latest and len(result.latest) == 6


def test_a_volume_surge_that_announces_rallies_is_learned_and_called_skill():
    # Given 40 coins where a volume surge precedes a +15% rally, over enough hours for the test's 20 blocks
    candles = market(40, 1300, tell=True)

    # When the model is evaluated walk-forward
    result = evaluate_scan(candles, name="top 40 USD", config=CONFIG)

    # Then it beats the base rate significantly (counted in hours), and ranks breakout hours above the rest
    assert result.card.verdict == BEATS, result.card.advantage_t
    assert result.card.advantage_t["base_rate"] >= CONFIG.significance_t
    assert result.card.scores["model"]["auc"] > 0.55
    assert len(result.latest) == 40 and all(0 <= p <= 1 for _, p in result.latest.values())


def test_a_random_walk_is_no_skill():
    # Given coins that only walk at random (their +10% days are luck)
    candles = market(40, 900, tell=False, rallies=False)

    # When the model is evaluated walk-forward
    result = evaluate_scan(candles, name="top 40 USD", config=CONFIG)

    # Then the card says so: no skill over the base rate
    assert result.card.verdict == NO_SKILL
    assert result.as_dict()["card"]["verdict"] == NO_SKILL


def test_too_short_a_history_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="too few"):
        evaluate_scan(market(3, 260, tell=True), name="top 3 USD", config=CONFIG)


def test_each_tree_draws_at_most_max_tree_rows_and_a_series_sized_set_is_untouched(monkeypatch):
    import numpy as np

    from crypto_advisor.forecast import breakout_rf
    from crypto_advisor.forecast.scan_breakout import SCAN_CONFIG

    rng = np.random.default_rng(3)
    x = rng.normal(size=(4_000, 7))
    y = (x[:, 0] + rng.normal(size=4_000) > 1.5).astype(float)
    # Given a cap of 1,000 rows a tree / When a pooled set of 4,000 rows is fitted
    monkeypatch.setattr(breakout_rf, "MAX_TREE_ROWS", 1_000)
    capped = breakout_rf.fit_breakout(x, y, SCAN_CONFIG).model
    # Then every tree's root saw at most 1,000 rows (its bootstrap), where a full bootstrap sees about 63% of 4,000
    assert capped is not None and capped.max_samples == 1_000
    assert max(t.tree_.n_node_samples[0] for t in capped.estimators_) <= 1_000
    # And a set at or under the cap is fitted as before, on full-size bootstraps
    small = breakout_rf.fit_breakout(x[:1_000], y[:1_000], SCAN_CONFIG).model
    assert small is not None and small.max_samples is None
