"""Which watched coins an article is about: the ones its title or description names.

Pure. NewsAPI matches a query anywhere in an article, the full text included,
so a search for Bitcoin returns stories about vaccines or elections that
mention Bitcoin in passing, and a story about Bitcoin and Ether is found by
one coin's query only. An article is therefore attributed to every watched
coin its title or description names, whichever query found it; one that names
none of them (NewsAPI matched it somewhere in the text we do not get) is kept
but is off topic: it does not move any coin's mood. A wrong attribution puts an
unrelated story's mood in a trader's email, so the rules below prefer missing
a rare mention to counting ordinary prose.

A coin is named, never inside a longer word, by:

- its watchlist name (``name:``, the built-in table or the CoinGecko id) or one
  of the common other names in :data:`ALIASES` ("Ether" for Ethereum), in any
  case ("bitcoin" and "Bitcoin": much of the press writes coins in lower case);
  except a name that is also an everyday English word (:data:`EVERYDAY_NAMES`),
  which counts only capitalised ("Ripple", "Avalanche"), so "ripple effects"
  and "an avalanche of liquidations" name no coin;
- its ticker in capitals as a word of its own ("BTC", not "btc" nor "BTCUSD");
  except a ticker that is also an English word or a common abbreviation
  (:data:`EVERYDAY_TICKERS`), which counts only as a cashtag ("$DOT"), so the
  "U.S. DOT" (Department of Transportation) names no coin. A coin whose name is
  just such a ticker is named by the cashtag alone.

Not caught, on purpose (this is word matching, not language understanding): a
capitalised everyday word still names its coin when it starts a sentence or
sits in a title-case headline ("Ripple Effects Of The Fed's Cut", "Near Record
Highs"), and an everyday ticker written without its ``$`` ("DOT rallies 5%") is
missed unless the article also names the coin ("Polkadot"). An everyday word
not in the sets below is matched like any other name; the sets are explicit so
that a reader can tell why an article was or was not attributed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
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

#: Coin names that are also everyday English words (lower case): named only capitalised. "Ether" is not one: the
#: press writes the coin "ether" ("bitcoin and ether") far more often than the word. Compared case-blind.
EVERYDAY_NAMES: frozenset[str] = frozenset(
    n.casefold()
    for n in (
        "Avalanche",  # an avalanche of sell orders
        "Chainlink",  # a chainlink fence
        "Cosmos",  # ATOM's usual name; cosmos, the universe
        "Flow",  # cash flow, order flow
        "Harmony",  # ONE's usual name
        "Immutable",  # an immutable ledger
        "Maker",  # a market maker, policy maker
        "Near",  # near record highs
        "Optimism",  # OP's usual name; investor optimism
        "Polkadot",  # a polkadot dress
        "Ripple",  # ripple effects
        "Stellar",  # stellar earnings
    )
)

#: Tickers that are also English words or common abbreviations: named only as a cashtag (``$DOT``), and left out
#: of the NewsAPI query (:mod:`crypto_advisor.news.query`), whose search is case-blind ("DOT" finds every "dot").
EVERYDAY_TICKERS: frozenset[str] = frozenset(
    {
        "ADA",  # the Americans with Disabilities Act; Ada, a first name
        "AI",  # artificial intelligence
        "ATOM",
        "DOGE",  # the U.S. Department of Government Efficiency; a doge of Venice
        "DOT",  # the U.S. Department of Transportation; a dot
        "FLOW",
        "GAS",
        "HYPE",
        "LINK",
        "NEAR",
        "ONE",
        "OP",  # an op-ed
    }
)


def _capitalised(name: str) -> str:
    return name[:1].upper() + name[1:]


def _longest_first(names: Iterable[str]) -> list[str]:
    """Alternatives longest first, so "Binance Coin" is tried before a shorter name it starts with."""
    return sorted(set(names), key=len, reverse=True)


def _alternatives(ticker: str, name: str) -> list[str]:
    """The regular expressions, one per way ``ticker`` may be named (see the module docstring)."""
    names = {name, *ALIASES.get(ticker, ())} - {""}
    everyday_ticker = ticker in EVERYDAY_TICKERS
    if everyday_ticker:  # a name that is just the ticker is read as the ticker: "one" is no coin
        names = {n for n in names if n.casefold() != ticker.casefold()}
    any_case = _longest_first(n for n in names if n.casefold() not in EVERYDAY_NAMES)
    capitalised = _longest_first(_capitalised(n) for n in names if n.casefold() in EVERYDAY_NAMES)
    found = [f"(?i:{'|'.join(re.escape(n) for n in any_case)})"] if any_case else []
    found += [re.escape(n) for n in capitalised]
    found.append(re.escape(f"${ticker}" if everyday_ticker else ticker))
    return found


@cache
def _pattern(ticker: str, name: str) -> re.Pattern[str]:
    # Never inside a longer word: "BTCUSD" and "Ethereal" name no coin.
    return re.compile(rf"(?<!\w)(?:{'|'.join(_alternatives(ticker, name))})(?!\w)")


def coins_named(text: str, coins: Mapping[str, str]) -> tuple[str, ...]:
    """The tickers of ``coins`` (ticker -> name) that ``text`` names, in the watchlist's order."""
    return tuple(ticker for ticker, name in coins.items() if _pattern(ticker, name).search(text))
