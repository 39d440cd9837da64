"""The chart's axes read on any price scale: trillions as ``T``, tiny MACD values as plain decimals, nothing cut off.

A micro-priced coin (a millionth of a dollar) trades trillions of units: its volume axis once read ``4e+03B`` and
its MACD axis ``3e-07``, where the emails write ``3.18T`` and ``0.0000061458``.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.notify.chart import chart_figure

from .conftest import firing


def scaled(candles: list[Candle], prices: float, volumes: float) -> list[Candle]:
    """The market's candles at another price scale and traded amount (the same chart shapes, other numbers)."""
    return [
        replace(
            c,
            open=c.open * prices,
            high=c.high * prices,
            low=c.low * prices,
            close=c.close * prices,
            volume=(c.volume or 0.0) * volumes,
        )
        for c in candles
    ]


def drawn(candles: list[Candle]) -> Figure:
    figure = chart_figure(candles[-300:], [firing()], title="XRP/USD 1d")
    figure.canvas.draw()
    return figure


def labels(ax: Axes) -> list[tuple[float, str]]:
    """The y ticks a reader sees on ``ax``: each tick's value and its label."""
    return [(tick, label.get_text()) for tick, label in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)]


@pytest.fixture(scope="module")
def micro(market_candles: list[Candle]) -> Figure:
    """BTC's shapes at a millionth of a dollar (about 0.0000077) with trillions traded per candle."""
    return drawn(scaled(market_candles, prices=1e-10, volumes=1e11))


def test_a_micro_priced_coins_volume_axis_reads_in_trillions(micro: Figure):
    volume = labels(micro.axes[1])
    assert any(text.endswith("T") for _, text in volume), volume
    for tick, text in volume:
        number = 0.0 if text == "0" else float(text.removesuffix("T").replace(",", "")) * 1e12
        assert number == pytest.approx(tick, rel=1e-9), volume


def test_a_micro_priced_coins_macd_axis_reads_plain_decimals_that_say_the_ticks_values(micro: Figure):
    macd = labels(micro.axes[3])
    assert any(tick != 0 for tick, _ in macd), macd
    for tick, text in macd:
        assert "e" not in text, macd
        assert float(text) == pytest.approx(tick, rel=1e-9, abs=1e-18), macd


def test_every_label_right_of_the_panels_fits_in_the_picture_even_at_a_billionth_of_a_dollar(market_candles):
    # Given a nano-priced coin: its close reads 0.0000000077..., its MACD ticks -0.0000000003
    figure = drawn(scaled(market_candles, prices=1e-13, volumes=1e14))
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    texts = [label for ax in figure.axes for label in ax.get_yticklabels() if label.get_text()]
    texts += list(figure.axes[0].texts)  # the last close, boxed beside the price axis
    # Then none runs past the picture's right edge, where a mail client would show a cut number
    for text in texts:
        assert text.get_window_extent(renderer).x1 <= figure.bbox.x1, text.get_text()
