"""The market scan's source: the real pycoingecko client through recorded ``/coins/markets`` pages."""

from __future__ import annotations

import pytest

from crypto_advisor.adapters.coingecko import MIN_INTERVAL_S, CoinGeckoSource, RateLimiter
from crypto_advisor.adapters.coingecko_markets import CoinGeckoMarketsSource, coin_candles
from crypto_advisor.contracts.candle import screen
from crypto_advisor.contracts.errors import MalformedResponseError, TransientSourceError
from crypto_advisor.contracts.market_scan import MarketScan
from tests.recorded import coingecko_markets as recorded

MIN = 60_000
HOUR = 60 * MIN
DAY_START = 1_767_225_600_000  # 2026-01-01T00:00Z
NOW_MS = DAY_START + 13 * HOUR + 4 * MIN  # 13:04: the 12:00 hour is the newest closed one
UPDATED_MS = NOW_MS - 70_000  # CoinGecko refreshed the coins a minute before the call
NEWEST_CLOSED = DAY_START + 12 * HOUR


def scanner(clock) -> CoinGeckoMarketsSource:
    limiter = RateLimiter(MIN_INTERVAL_S["demo"], clock=clock.time, sleep=clock.sleep)
    return CoinGeckoMarketsSource(
        CoinGeckoSource(demo_api_key="CG-dEm0kEyF0rTeStS0nLy", limiter=limiter, attempts=2, sleep=clock.sleep)
    )


def test_top_300_takes_two_calls_and_makes_one_hourly_series_per_coin(rsps, clock):
    # Given two recorded pages of 250 coins
    recorded.register_page(rsps, 1, recorded.page(1, updated_ms=UPDATED_MS))
    recorded.register_page(rsps, 2, recorded.page(2, updated_ms=UPDATED_MS))

    # When the top 300 are scanned
    answer = scanner(clock).scan(MarketScan(top=300, vs="USD"), now_ms=NOW_MS)

    # Then two calls were made, paced by the demo key's limit, and 300 coins came back in market-cap order
    assert answer.calls == 2 and len(rsps.calls) == 2
    assert clock.sleeps == [pytest.approx(MIN_INTERVAL_S["demo"])]
    assert len(answer.coins) == 300
    assert [c.series.key for c in answer.coins[:2]] == ["coingecko-markets:BTC-USD:1h", "coingecko-markets:ETH-USD:1h"]
    assert answer.coins[-1].rank == 300
    # and the key went in a header, never in the URL
    assert "demo" not in rsps.calls[0].request.url.lower()
    assert rsps.calls[0].request.headers["x-cg-demo-api-key"] == "CG-dEm0kEyF0rTeStS0nLy"


def test_a_coins_candles_are_its_sparkline_closes_with_the_24h_volume_on_the_newest_closed_hour_only(rsps, clock):
    # Given a page whose first coin's sparkline and 24 h volume are known
    coins = recorded.page(1, updated_ms=UPDATED_MS, count=3)
    recorded.register_page(rsps, 1, coins)

    # When the top 3 are scanned and the candles screened as the ingest screens them
    btc = scanner(clock).scan(MarketScan(top=3, vs="USD"), now_ms=NOW_MS).coins[0]
    screened = screen(btc.rows, timeframe_ms=HOUR, now_ms=NOW_MS, after_ts=None)

    # Then the 13:00 hour (forming: its price was taken at 13:02) is dropped, and 167 closed hours remain
    prices = coins[0]["sparkline_in_7d"]["price"]
    assert screened.forming == 1
    candles = screened.accepted
    assert len(candles) == 167
    assert candles[-1].ts == NEWEST_CLOSED
    # each candle's close is the hour's sparkline price, and open = high = low = close
    assert candles[-1].close == prices[-2]
    assert all(c.open == c.high == c.low == c.close for c in candles)
    # only the newest closed hour carries the rolling 24 h volume: the older ones have none, never 0
    assert candles[-1].volume == coins[0]["total_volume"]
    assert all(c.volume is None for c in candles[:-1])


def test_a_null_sparkline_point_makes_no_candle_and_leaves_a_gap():
    # Given a sparkline whose point 3 hours before the last is null
    prices: list[float | None] = [10.0 + i for i in range(10)]
    prices[-4] = None

    # When its candles are made
    rows = coin_candles(prices, updated_ms=UPDATED_MS, now_ms=NOW_MS, volume_24h=5.0)

    # Then 9 candles are made, none for the 10:00 hour
    assert len(rows) == 9
    assert DAY_START + 10 * HOUR not in [r[0] for r in rows]


def test_a_bad_coin_is_refused_with_its_reason_and_the_others_are_kept(rsps, clock):
    # Given a page where one coin's symbol is not a ticker, one repeats a larger coin's, and one has no sparkline
    coins = recorded.page(1, updated_ms=UPDATED_MS, count=6)
    coins[2]["symbol"] = "usd\u20ae0"
    coins[3]["symbol"] = "btc"
    coins[3]["id"] = "wrapped-bitcoin-lookalike"
    del coins[4]["sparkline_in_7d"]
    recorded.register_page(rsps, 1, coins)

    # When the top 6 are scanned
    answer = scanner(clock).scan(MarketScan(top=6, vs="USD"), now_ms=NOW_MS)

    # Then the three others are kept and each refused coin is named with its reason
    assert [c.coin_id for c in answer.coins] == ["bitcoin", "ethereum", "solana"]
    refused = dict(answer.refused)
    assert "cannot be a series symbol" in refused["tether"]
    assert "already the scan's series of a larger coin" in refused["wrapped-bitcoin-lookalike"]
    assert "no sparkline" in refused["binancecoin"]


def test_a_rate_limited_page_fails_the_scan_as_transient(rsps, clock):
    # Given CoinGecko answers 429 to page 1 every time
    recorded.register_page(rsps, 1, None, status=429, body={"status": {"error_code": 429, "error_message": "limit"}})

    # When the scan runs
    # Then it fails as transient (the ingest retries on its next run)
    with pytest.raises(TransientSourceError):
        scanner(clock).scan(MarketScan(top=10, vs="USD"), now_ms=NOW_MS)


def test_an_answer_that_is_not_a_list_of_coins_fails_the_scan(rsps, clock):
    # Given an answer shaped unlike the documented one
    recorded.register_page(rsps, 1, None, body={"coins": []})

    # When the scan runs
    # Then it fails, naming what was expected
    with pytest.raises(MalformedResponseError, match="list of coins"):
        scanner(clock).scan(MarketScan(top=10, vs="USD"), now_ms=NOW_MS)
