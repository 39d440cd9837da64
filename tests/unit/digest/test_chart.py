"""The digest's small multiples: one panel per series, a PNG a phone shows, and holes shown as holes."""

from __future__ import annotations

import io
import math

import pytest
from PIL import Image

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.digest.chart import Panel, broken_at_gaps, small_multiples_png
from tests.unit.digest.conftest import BTC, ETH_4H, HOUR


def test_every_series_gets_a_panel_in_one_png_sized_for_a_phone(market_candles):
    # Given a week of two series and a series without candles
    panels = [
        Panel("BTC/USD 1h", HOUR, tuple(market_candles[BTC.key][-169:])),
        Panel("ETH/USD 4h", 4 * HOUR, tuple(market_candles[ETH_4H.key][-43:])),
        Panel("LUNA/USD 1h", HOUR, ()),
    ]
    # When drawn
    png = small_multiples_png(panels, title="The last 7 days")
    # Then it is one PNG, 1200 px wide (600 px at 2x), two rows of two panels, small enough for an email
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 1200 and 500 < image.height < 800
    assert len(png) < 200_000


def test_a_hole_in_the_candles_breaks_the_line_instead_of_bridging_it():
    candles = [Candle(ts=t * HOUR, open=1, high=2, low=0.5, close=1.5, volume=1) for t in (0, 1, 5, 6)]
    ts, closes = broken_at_gaps(candles, HOUR)
    assert ts == [0, HOUR, 2 * HOUR, 5 * HOUR, 6 * HOUR]
    assert math.isnan(closes[2]) and [c for c in closes if not math.isnan(c)] == [1.5] * 4


def test_a_chart_of_nothing_is_refused():
    with pytest.raises(ValueError, match="at least one series"):
        small_multiples_png([], title="x")
