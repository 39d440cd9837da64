"""The market scan's source: CoinGecko's ``/coins/markets``, 250 coins a call, as hourly close series.

``GET /coins/markets?vs_currency=usd&order=market_cap_desc&per_page=250&page=P&sparkline=true``
(pycoingecko's ``get_coins_markets``) answers a list of coins, largest market
cap first, each with ``id``, ``symbol`` (lower case), ``name``,
``market_cap_rank``, ``current_price``, ``total_volume`` (the rolling 24-hour
volume), ``price_change_percentage_24h``, ``last_updated`` (ISO 8601) and
``sparkline_in_7d.price``: the last seven days of prices, one an hour, oldest
first, without timestamps.

The candles made of it (:func:`coin_candles`, pure) are what the contract
(:mod:`crypto_advisor.contracts.market_scan`) says they can be: the sparkline
carries no time, so its last price is taken to be the one at ``last_updated``
and each earlier one an hour before the next; a candle's close is the last
price taken within its hour, and open = high = low = close. The rolling
24-hour volume is known only now: it is the volume of the newest closed candle
(read by the scan minutes after that candle closed), and every older candle's
volume is missing (``None``), never 0 and never a later value.

One bad coin is that coin's alone: a symbol that cannot be a series symbol, a
symbol a larger coin already holds (CoinGecko symbols are not unique), or a
missing sparkline is reported with the reason, and the other coins are stored.
An answer that is not a list of coins fails the scan (every coin waits for the
next tick: nothing is half-read).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from crypto_advisor.adapters.coingecko import CoinGeckoSource
from crypto_advisor.contracts.errors import MalformedResponseError
from crypto_advisor.contracts.market_scan import PER_PAGE, SCAN_SOURCE, MarketScan, ScanAnswer, ScanCoin
from crypto_advisor.contracts.series import SeriesError
from crypto_advisor.contracts.units import HOUR_MS


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _updated_ms(text: Any, fallback_ms: int) -> int:
    """``last_updated`` in ms; the scan's own time when CoinGecko sent none (a coin it has not refreshed)."""
    if not isinstance(text, str):
        return fallback_ms
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return fallback_ms


def coin_candles(prices: Sequence[Any], *, updated_ms: int, now_ms: int, volume_24h: float | None) -> list[list[Any]]:
    """Hourly candles ``[ts, c, c, c, c, v]`` from a sparkline whose last price was taken at ``updated_ms``.

    Pure. A point that is not a number (CoinGecko sends ``null`` for an hour it
    missed) makes no candle: the hole is a gap, as with any source. The candle
    of the newest closed hour (``now_ms``'s hour minus one) carries
    ``volume_24h``; the others have none. The forming hour's candle is
    returned too, and screened out by the ingest like any forming candle.
    """
    last = len(prices) - 1
    by_hour: dict[int, float] = {}
    for index, price in enumerate(prices):
        value = _number(price)
        if value is None:
            continue
        taken = updated_ms - (last - index) * HOUR_MS
        by_hour[taken - taken % HOUR_MS] = value  # a later point of the same hour is its close
    newest_closed = now_ms - now_ms % HOUR_MS - HOUR_MS
    return [
        [ts, close, close, close, close, volume_24h if ts == newest_closed else None]
        for ts, close in sorted(by_hour.items())
    ]


def read_page(coins: Any, scan: MarketScan, *, now_ms: int, answer: ScanAnswer, taken: set[str]) -> None:
    """Add one ``/coins/markets`` page's coins to ``answer``; ``taken`` holds the symbols already given a series."""
    if not isinstance(coins, list):
        raise MalformedResponseError(f"coingecko markets: expected a list of coins, got {type(coins).__name__}")
    for coin in coins:
        if not isinstance(coin, Mapping):
            answer.refused.append(("?", f"not a coin: {coin!r:.60}"))
            continue
        coin_id = str(coin.get("id") or "?")
        symbol = str(coin.get("symbol") or "").upper()
        try:
            series = scan.series_of(symbol)
        except SeriesError:
            answer.refused.append((coin_id, f"symbol {coin.get('symbol')!r} cannot be a series symbol (A-Z, 0-9)"))
            continue
        if series.key in taken:
            answer.refused.append((coin_id, f"symbol {symbol} is already the scan's series of a larger coin"))
            continue
        sparkline = coin.get("sparkline_in_7d")
        prices = sparkline.get("price") if isinstance(sparkline, Mapping) else None
        if not isinstance(prices, list) or not prices:
            answer.refused.append((coin_id, "no sparkline_in_7d.price in the answer"))
            continue
        taken.add(series.key)
        volume = _number(coin.get("total_volume"))
        rank = coin.get("market_cap_rank")
        answer.coins.append(
            ScanCoin(
                series=series,
                coin_id=coin_id,
                name=str(coin.get("name") or symbol)[:60],
                rank=rank if isinstance(rank, int) else None,
                rows=coin_candles(
                    prices, updated_ms=_updated_ms(coin.get("last_updated"), now_ms), now_ms=now_ms, volume_24h=volume
                ),
                volume_24h=volume,
                change_24h_pct=_number(coin.get("price_change_percentage_24h")),
            )
        )


class CoinGeckoMarketsSource:
    """The top N coins in ``ceil(N / 250)`` calls, through the CoinGecko source's client, key and rate limit."""

    name = SCAN_SOURCE

    def __init__(self, coingecko: CoinGeckoSource) -> None:
        self._api = coingecko

    def scan(self, scan: MarketScan, *, now_ms: int) -> ScanAnswer:
        answer = ScanAnswer()
        taken: set[str] = set()
        for page in range(1, scan.pages + 1):
            per_page = min(PER_PAGE, scan.top - (page - 1) * PER_PAGE)
            coins = self._api.call(
                f"markets page {page}",
                lambda client: client.get_coins_markets,
                vs_currency=scan.vs.lower(),
                order="market_cap_desc",
                per_page=PER_PAGE,
                page=page,
                sparkline="true",
            )
            answer.calls += 1
            page_coins = coins[:per_page] if isinstance(coins, list) else coins
            read_page(page_coins, scan, now_ms=now_ms, answer=answer, taken=taken)
        return answer
