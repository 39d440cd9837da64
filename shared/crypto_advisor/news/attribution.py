"""Which watched coins an article is about: the ones its title or description names.

Pure. NewsAPI matches a query anywhere in an article, the full text included,
so a search for Bitcoin returns stories about vaccines or elections that
mention Bitcoin in passing, and a story about Bitcoin and Ether is found by
one coin's query only. An article is therefore attributed to every watched
coin its title or description names, whichever query found it; one that names
none of them (NewsAPI matched it somewhere in the text we do not get) is kept
but is off topic: it does not move any coin's mood.

A coin is named by its watchlist name (``name:``, the built-in table or the
CoinGecko id), by the common other names in :data:`ALIASES` ("Ether" for
Ethereum), in any case ("bitcoin" and "Bitcoin"), or by its ticker in capitals
as a word of its own ("BTC", not "btc" nor "BTCUSD"). As for the query, a coin
whose name is an everyday word needs a distinctive ``name:``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

#: Other names headlines use for common coins, by ticker.
ALIASES: dict[str, tuple[str, ...]] = {
    "BTC": ("Bitcoin",),
    "XBT": ("Bitcoin", "BTC"),
    "ETH": ("Ethereum", "Ether"),
    "XRP": ("Ripple",),
    "DOGE": ("Dogecoin",),
    "SOL": ("Solana",),
    "ADA": ("Cardano",),
    "LTC": ("Litecoin",),
    "DOT": ("Polkadot",),
    "BNB": ("Binance Coin",),
    "AVAX": ("Avalanche",),
    "LINK": ("Chainlink",),
    "HYPE": ("Hyperliquid",),
}


@cache
def _pattern(ticker: str, name: str) -> re.Pattern[str]:
    names = sorted({name, *ALIASES.get(ticker, ())} - {""}, key=len, reverse=True)
    spelled = "|".join(re.escape(n) for n in names)
    # Names in any case, the ticker in capitals only; never inside a longer word.
    return re.compile(rf"(?<!\w)(?:(?i:{spelled})|{re.escape(ticker)})(?!\w)")


def coins_named(text: str, coins: Mapping[str, str]) -> tuple[str, ...]:
    """The tickers of ``coins`` (ticker -> name) that ``text`` names, in the watchlist's order."""
    return tuple(ticker for ticker, name in coins.items() if _pattern(ticker, name).search(text))
