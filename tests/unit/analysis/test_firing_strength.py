"""A firing's strength against the same rule's past firings on the series: quantiles kept, a share read back."""

from __future__ import annotations

import numpy as np
import pytest

from crypto_advisor.analysis.firing_strength import POINTS, read_strength, strength_quantiles, stronger_than
from crypto_advisor.contracts.signal import FiringRecord, Health, Signal


def signal(ts: int, *distances: tuple[str, float]) -> tuple[int, Signal]:
    firings = [
        FiringRecord(
            rule_id=rule, direction="bullish", severity=2, value=1, threshold=1, distance=d, unit="x", sentence="s"
        )
        for rule, d in distances
    ]
    return ts, Signal(
        series="kraken:BTC-USD:1h", candle_ts=ts, close=1, firings=firings, health=Health(healthy=True), analyzed_at=ts
    )


def test_the_quantiles_are_numpys_linear_ones_of_the_absolute_distances():
    rng = np.random.default_rng(5)
    values = rng.normal(0, 3, 300)
    got = strength_quantiles([signal(i, ("rsi_oversold", float(v)), ("macd_cross", 1.0)) for i, v in enumerate(values)])
    assert got["rsi_oversold"]["n"] == 300 and len(got["rsi_oversold"]["quantiles"]) == POINTS
    np.testing.assert_allclose(got["rsi_oversold"]["quantiles"], np.quantile(np.abs(values), np.linspace(0, 1, POINTS)))
    assert got["macd_cross"]["quantiles"] == [1.0] * POINTS


def test_a_distance_reads_as_the_share_of_past_firings_it_beats():
    quantiles = [float(q) for q in np.linspace(0, 20, POINTS)]  # uniform 0..20
    assert stronger_than(19.0, quantiles) == pytest.approx(0.95)
    assert stronger_than(-5.0, quantiles) == pytest.approx(0.25)  # the magnitude counts, not the sign
    assert (stronger_than(25, quantiles), stronger_than(0, quantiles)) == (1.0, 0.0)


def test_a_report_entry_is_read_only_with_enough_past_firings_and_a_malformed_one_is_named():
    assert read_strength({"n": 50, "quantiles": [0.0, 1.0, 2.0]}) == (50, (0.0, 1.0, 2.0))
    assert read_strength({"n": 5, "quantiles": [0.0, 1.0]}) is None and read_strength(None) is None
    with pytest.raises(ValueError, match="ascending"):
        read_strength({"n": 50, "quantiles": [2.0, 1.0]})
    with pytest.raises(ValueError, match="count n"):
        read_strength({"quantiles": [1.0, 2.0]})
