"""The query a news run sends per coin: a name the watchlist gives is searched alone."""

from __future__ import annotations

from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.news.service import LOOKBACK_MS, run_news
from tests.fakes.news import MemoryArchive, MemoryStore, ScriptedSource

NOW = 1_793_491_200_000  # 2026-11-01T00:00Z
WATCHLIST = """
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ATOM/USD, name: Cosmos Hub}
  - {source: kraken, symbol: ZRX/USD, name: 0x Protocol}
  - {source: kraken, symbol: ZRX/USD, timeframe: 4h, name: Another Name}
"""


def queries(coins: dict[str, str], named: dict[str, str] | None) -> list[str]:
    source = ScriptedSource({"": []})
    run_news(coins, now_ms=NOW, source=source, store=MemoryStore(), archive=MemoryArchive(), named=named)
    assert all(call[1:] == (NOW - LOOKBACK_MS, NOW) for call in source.calls)
    return [query for query, _, _ in source.calls]


def test_a_coin_the_watchlist_names_is_searched_by_its_name_alone():
    # Given a watchlist giving ATOM and ZRX a name: (ZRX twice: its first entry's name is its news name), BTC none
    watchlist = parse_watchlist(WATCHLIST)
    named = watchlist.given_names()  # what functions/news/app.py passes

    # When a news run is made
    sent = queries(watchlist.coins(), named)

    # Then the named coins are searched by their names alone, BTC by its built-in name and its ticker
    assert sent == ['"Bitcoin" OR "BTC"', '"Cosmos Hub"', '"0x Protocol"']


def test_a_name_that_is_not_the_coin_s_news_name_keeps_the_ticker():
    # Given a given name that differs from the name the coin is searched by (a later entry's, say)
    # When / Then the query is the usual name and ticker: only the name actually searched replaces the ticker
    assert queries({"ZRX": "0x Protocol"}, {"ZRX": "Another Name"}) == ['"0x Protocol" OR "ZRX"']


def test_without_named_a_coin_is_searched_by_its_name_and_ticker():
    # Given / When the caller gives no names (as before) / Then the query is the name and ticker
    assert queries({"ZRX": "0x Protocol"}, None) == ['"0x Protocol" OR "ZRX"']
