"""The one NewsAPI query per coin: its name and its ticker, e.g. ``"Bitcoin" OR "BTC"``.

Why both: NewsAPI matches words, and most articles about Bitcoin say
"Bitcoin" and never "BTC", while market wrap-ups often use the ticker alone.
One query with OR costs one request, where two queries would cost two of the
free plan's 100 a day. Both terms are quoted phrases so a name of several
words ("Shiba Inu") stays together and a ticker that happens to be a query
operator (``AND``, ``OR``, ``NOT``) is read as a word. Characters NewsAPI
gives a meaning to (quotes, ``+``, ``-`` prefixes, parentheses) are dropped
from the name, which comes from the watchlist and might hold them.

A ticker that is also an everyday English word (``ONE``, ``GAS``) will match
unrelated articles; give such a coin a distinctive ``name:`` in the watchlist.
"""

from __future__ import annotations

import re

#: NewsAPI rejects a ``q`` longer than this.
MAX_QUERY_CHARS = 500

_UNSAFE = re.compile(r"[^\w .'&]+", re.UNICODE)


def _term(text: str) -> str:
    return " ".join(_UNSAFE.sub(" ", text).split())


def news_query(name: str, ticker: str) -> str:
    """The ``q`` of the coin's NewsAPI search; the name alone when it is the ticker."""
    terms: list[str] = []
    for raw in (name, ticker):
        term = _term(raw)
        if term and term.casefold() not in (t.casefold() for t in terms):
            terms.append(term)
    if not terms:
        raise ValueError(f"no searchable word in coin name {name!r} or ticker {ticker!r}")
    query = " OR ".join(f'"{t}"' for t in terms)
    if len(query) > MAX_QUERY_CHARS:
        raise ValueError(f"news query for {ticker!r} is {len(query)} characters; NewsAPI takes {MAX_QUERY_CHARS}")
    return query
