"""Prices compared in one sentence read as different numbers when they are: a pegged coin's golden cross once read
"(1.00 vs 1.00, 0.00005% past it)" and its Bollinger breakout "Close 1.0003 broke above the upper band at 1.0003"."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crypto_advisor.analysis.rules.moving_averages import Sma20Cross
from crypto_advisor.market.numbers import price, prices

HOUR = 3_600_000


def test_prices_that_differ_get_the_decimals_that_tell_them_apart_and_no_more():
    # A usual coin's close and level keep price()'s own digits
    assert prices(95_123.45, 94_980.0) == (price(95_123.45), price(94_980.0)) == ("95,123.45", "94,980.00")
    # Two EMAs of a pegged coin that price() writes alike get the same, larger number of decimals
    assert (price(1.00003), price(1.00001)) == ("1.00", "1.00")
    assert prices(1.00003, 1.00001) == ("1.00003", "1.00001")
    # Prices compared keep the same decimals, the most any of them needs: not "from 0.72 to 0.63781"
    assert prices(0.72, 0.63781) == ("0.72000", "0.63781")
    # Equal prices stay alike, and a price that cannot be shown stays n/a
    assert prices(1.5, 1.5) == ("1.50", "1.50")
    assert prices(float("nan"), 2.0) == ("n/a", "2.00")


def test_a_pegged_coins_close_crossing_its_sma_reads_two_different_numbers():
    # Given closes of a coin pegged to 1.0, under their 20-candle average by a hair, then a close just over it
    closes = np.r_[np.full(30, 1.00002), np.full(5, 1.0), [1.00004]]
    frame = pd.DataFrame({"close": closes, "sma_20": pd.Series(closes).rolling(20).mean()})
    # When the SMA 20 cross judges the last candle
    firing = Sma20Cross().evaluate(frame, HOUR)
    # Then its sentence shows a close and a line that differ, as they do
    assert firing is not None
    assert firing.sentence.startswith("Close 1.00004 crossed above SMA 20 at 1.00002")
