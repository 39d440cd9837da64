"""The one NewsAPI query per coin: its name and its ticker, e.g. ``"Bitcoin" OR "BTC"``, or its name alone.

Why both: NewsAPI matches words, and most articles about Bitcoin say
"Bitcoin" and never "BTC", while market wrap-ups often use the ticker alone.
One query with OR costs one request, where two queries would cost two of the
free plan's 100 a day. Both terms are quoted phrases so a name of several
words ("Shiba Inu") stays together and a ticker that happens to be a query
operator (``AND``, ``OR``, ``NOT``) is read as a word. Characters NewsAPI
gives a meaning to (quotes, ``+``, ``-`` prefixes, parentheses) are dropped
from the name, which comes from the watchlist and might hold them.

Why the name alone, sometimes: NewsAPI's search is case-blind, so a ticker
that is also an everyday word or abbreviation ("DOT", "ONE", "GAS": the set
is :data:`~crypto_advisor.news.attribution.EVERYDAY_TICKERS`) finds every
article saying "dot", "one" or "gas", and those crowd the coin's own articles
out of the answer. Such a coin is searched by its name alone (``"Polkadot"``).
So is a coin whose watchlist entry gives a ``name:``: the name you write is
the search, so a distinctive ``name:`` fixes a coin whose ticker is an
everyday word but not in that set. A coin with no name but its ticker is
searched by its ticker, whatever it is: give it a ``name:``.
"""

from __future__ import annotations

import re

from crypto_advisor.news.attribution import EVERYDAY_TICKERS

#: NewsAPI rejects a ``q`` longer than this.
MAX_QUERY_CHARS = 500

_UNSAFE = re.compile(r"[^\w .'&]+", re.UNICODE)


def _term(text: str) -> str:
    return " ".join(_UNSAFE.sub(" ", text).split())


def news_query(name: str, ticker: str, *, name_given: bool = False) -> str:
    """The ``q`` of the coin's NewsAPI search (see the module docstring for which words it holds).

    ``name_given``: ``name`` is the one the watchlist entry gives (``name:``), searched alone. The ticker is asked
    once when it is the name, and alone when no word of the name is left.
    """
    words = (name,) if name_given or ticker in EVERYDAY_TICKERS else (name, ticker)
    terms = _terms(words) or _terms((ticker,))
    if not terms:
        raise ValueError(f"no searchable word in coin name {name!r} or ticker {ticker!r}")
    query = " OR ".join(f'"{t}"' for t in terms)
    if len(query) > MAX_QUERY_CHARS:
        raise ValueError(f"news query for {ticker!r} is {len(query)} characters; NewsAPI takes {MAX_QUERY_CHARS}")
    return query


def _terms(words: tuple[str, ...]) -> list[str]:
    """The searchable form of each word, each once (case-blind, as NewsAPI reads them)."""
    terms: list[str] = []
    for raw in words:
        term = _term(raw)
        if term and term.casefold() not in (t.casefold() for t in terms):
            terms.append(term)
    return terms
