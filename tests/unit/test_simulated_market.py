"""The simulated market's sources build only the candles a fetch asks for, and answer as if they built them all."""

from __future__ import annotations

import time

import pytest

from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.local.market import SimulatedMarket, simulated_sources

NOW = 1_793_491_260_000  # 2026-11-01 00:01Z, the demo's first tick


@pytest.mark.parametrize("key", ["kraken:BTC-USD:1h", "kraken:ETH-USD:4h", "coingecko:SOL-USD:1h"])
@pytest.mark.parametrize("back_hours", [0, 1, 2, 47, 800, 5000])
def test_a_fetch_answers_what_filtering_every_candle_would(key, back_hours):
    # Given a market with a glitch and a shock, and a fetch from some hours back
    market = SimulatedMarket(market_vol=0.006, shocks={NOW - 5 * HOUR_MS: -0.03})
    series = Series.parse(key)
    source = simulated_sources(market)[series.source]
    since = NOW - back_hours * HOUR_MS - HOUR_MS // 2
    # When the source answers / Then it is every candle up to now, cut to the source's limit, from `since` on
    every_candle = [r for r in market.candles(series.symbol, series.timeframe_ms, NOW) if r[0] <= NOW]
    expected = [r for r in every_candle[-source.max_candles :] if r[0] >= since]
    watched = WatchedSeries(series=series, backfill_candles=720)
    assert source.fetch_ohlcv(watched, since_ms=since, now_ms=NOW) == expected


def test_a_fetch_of_the_last_candles_costs_little_cpu():
    # The handler that fetches is timed by `make cost`; the stand-in for an HTTP answer must not dominate it
    market = SimulatedMarket()
    source = simulated_sources(market)["kraken"]
    watched = WatchedSeries(series=Series.parse("kraken:BTC-USD:1h"), backfill_candles=720)
    source.fetch_ohlcv(watched, since_ms=NOW - 2 * HOUR_MS, now_ms=NOW)  # the path itself is generated once
    started = time.thread_time()
    source.fetch_ohlcv(watched, since_ms=NOW - 2 * HOUR_MS, now_ms=NOW + HOUR_MS)
    assert time.thread_time() - started < 0.02


def test_a_longer_path_keeps_every_earlier_hour():
    # The path is generated a month ahead: that must not change any hour already generated
    market = SimulatedMarket(market_vol=0.006)
    assert (market._generate("ETH-USD", 2000)[:1500] == market._generate("ETH-USD", 1500)).all()
