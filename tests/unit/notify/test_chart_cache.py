"""The chart cache: a retried send re-uses its chart instead of drawing it again (most of a second each)."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable

import pytest

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.notify import chart

from .conftest import firing


@pytest.fixture
def draws(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every time matplotlib's canvas is drawn into a PNG, counted; the cache starts empty."""
    monkeypatch.setattr(chart, "_rendered", OrderedDict())
    counted: list[int] = []
    draw: Callable[..., bytes] = chart._png

    def counting(figure: object) -> bytes:
        counted.append(1)
        return draw(figure)

    monkeypatch.setattr(chart, "_png", counting)
    return counted


def test_the_same_chart_asked_twice_is_drawn_once(draws, fired: tuple[tuple[Candle, ...], Signal]):
    candles, signal = fired
    # When NotifyFunction's retry asks for the chart of the same signal again
    first = chart.chart_png(candles, signal.active_firings, title="BTC/USD 1h")
    again = chart.chart_png(list(candles), list(signal.active_firings), title="BTC/USD 1h")
    # Then matplotlib drew it once, and the retry got the same PNG
    assert len(draws) == 1 and again == first


def test_a_chart_of_anything_else_is_drawn_again(draws, fired: tuple[tuple[Candle, ...], Signal]):
    candles, signal = fired
    chart.chart_png(candles, signal.active_firings, title="BTC/USD 1h")
    # When the last candle closed elsewhere, another rule fired, the title or the candles shown differ
    moved = (*candles[:-1], dataclasses.replace(candles[-1], close=candles[-1].close * 1.01))
    chart.chart_png(moved, signal.active_firings, title="BTC/USD 1h")
    chart.chart_png(candles, [firing("rsi_overbought", direction="bearish")], title="BTC/USD 1h")
    chart.chart_png(candles, signal.active_firings, title="ETH/USD 1h")
    chart.chart_png(candles, signal.active_firings, title="BTC/USD 1h", last=60)
    # Then each is drawn
    assert len(draws) == 5


def test_the_cache_keeps_only_the_last_few_charts(monkeypatch, fired: tuple[tuple[Candle, ...], Signal]):
    candles, signal = fired
    monkeypatch.setattr(chart, "_rendered", OrderedDict())
    drawn: list[str] = []
    monkeypatch.setattr(chart, "_render", lambda _c, _f, *, title, last: drawn.append(title) or title.encode())
    titles = [f"chart {i}" for i in range(chart.CACHED_CHARTS + 1)]
    # When one chart more than the cache holds is asked for, then the first again
    for title in [*titles, titles[0]]:
        assert chart.chart_png(candles, signal.active_firings, title=title) == title.encode()
    # Then the first, the least recently used, had been let go and is drawn again; the cache stays bounded
    assert drawn == [*titles, titles[0]]
    assert len(chart._rendered) == chart.CACHED_CHARTS
