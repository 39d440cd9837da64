"""NewsAPI's ``/v2/everything`` answers, as newsapi-python requests and reads them.

What the client sends (newsapi-python 0.2.7, ``NewsApiClient.get_everything``):
``GET https://newsapi.org/v2/everything?q=...&from=YYYY-MM-DDTHH:MM:SS&to=...
&language=en&sortBy=publishedAt&pageSize=100&page=1`` with the key in the
``Authorization`` header. A success is ``{"status": "ok", "totalResults": n,
"articles": [...]}``, newest first when sorted by ``publishedAt``; an article is
``{"source": {"id", "name"}, "author", "title", "description", "url",
"urlToImage", "publishedAt": "2026-10-31T21:14:09Z", "content"}``, any of them
possibly null. An error is ``{"status": "error", "code": ..., "message": ...}``
with the HTTP status NewsAPI documents for the code (below; messages as
NewsAPI words them).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import responses
from responses import matchers

EVERYTHING_URL = "https://newsapi.org/v2/everything"
JSON = "application/json; charset=utf-8"

#: code -> (HTTP status, message)
ERRORS: dict[str, tuple[int, str]] = {
    "rateLimited": (
        429,
        "You have made too many requests recently. Developer accounts are limited to 100 requests over a 24 hour "
        "period (50 requests available every 12 hours). Please upgrade to a paid plan if you need more requests.",
    ),
    "apiKeyInvalid": (
        401,
        "Your API key is invalid or incorrect. Check your key, or go to https://newsapi.org to create a free API key.",
    ),
    "apiKeyMissing": (
        401,
        "Your API key is missing. Append this to the URL with the apiKey param, or use the x-api-key HTTP header.",
    ),
    "apiKeyDisabled": (401, "Your API key has been disabled."),
    "apiKeyExhausted": (401, "Your API key has no more requests available."),
    "maximumResultsReached": (
        426,
        "You have requested too many results. Developer accounts are limited to a max of 100 results. You are "
        "trying to request results 100 to 200. Please upgrade to a paid plan if you need more results.",
    ),
    "parameterInvalid": (400, "You've included a parameter in your request which is currently not supported."),
    "unexpectedError": (
        500,
        "This shouldn't happen, and if it does then it's our fault, not yours. Try the request again shortly.",
    ),
}

SCRIPT_TITLE = "Bitcoin <script>alert(1)</script> rallies past resistance"
JAVASCRIPT_URL = "javascript:alert(1)"


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def article(
    title: str | None,
    published_ms: int | None,
    *,
    url: str | None = None,
    description: str | None = "",
    source: str = "CoinDesk",
    published_at: str | None = None,
) -> dict[str, Any]:
    """One article as NewsAPI sends it; ``url`` defaults to one made from the title and time."""
    slug = "-".join((title or "untitled").lower().split())[:60]
    return {
        "source": {"id": source.lower().replace(" ", "-"), "name": source},
        "author": "Staff",
        "title": title,
        "description": description,
        "url": url if url is not None else f"https://www.{source.lower().replace(' ', '')}.com/{published_ms}/{slug}",
        "urlToImage": None,
        "publishedAt": published_at if published_at is not None else (iso(published_ms) if published_ms else None),
        "content": (description or "")[:200] + " [+1234 chars]",
    }


def everything(articles: list[dict[str, Any]], total: int | None = None) -> dict[str, Any]:
    """A successful answer; ``total`` defaults to the number of articles."""
    return {"status": "ok", "totalResults": len(articles) if total is None else total, "articles": articles}


def error(code: str, message: str | None = None) -> tuple[int, dict[str, Any]]:
    """HTTP status and body of a NewsAPI error, as documented for ``code``."""
    status, documented = ERRORS[code]
    return status, {"status": "error", "code": code, "message": message or documented}


def mood_articles(t0_ms: int) -> list[dict[str, Any]]:
    """Eight Bitcoin articles an hour apart from ``t0_ms``, newest first: clear moods, one ``<script>`` title."""
    hour = 3_600_000
    titles = [
        ("Bitcoin soars to record high as investors cheer ETF approval", "Analysts celebrate strong inflows."),
        ("Bitcoin crashes as exchange hack wipes out billions, panic spreads", "Traders fear more losses."),
        ("Bitcoin gains as institutional demand grows", "A great week for the market."),
        ("Bitcoin slumps amid fears of regulatory crackdown", "Investors worried and nervous."),
        (SCRIPT_TITLE, "Buyers return."),
        ("Bitcoin miners struggle with losses after halving", "Revenue collapse hurts smaller firms."),
        ("Bitcoin holds steady near 95,000", ""),
        ("Bitcoin adoption wins praise from major banks", "Optimism and excitement grow."),
    ]
    rows = [
        article(title, t0_ms + i * hour, description=description, source=("CoinDesk", "Reuters", "Bloomberg")[i % 3])
        for i, (title, description) in enumerate(titles)
    ]
    return rows[::-1]


#: Real ``/v2/everything`` answers to a search for Bitcoin, with the fields this project reads (source, author,
#: title, description, url, publishedAt; ``urlToImage`` and ``content`` left out), as published in public GitHub
#: repositories that saved them: ``bitcoin_2021-01-05`` from AUNG-MIN-OO/swd_test (js/news.js), asked without
#: ``language=en`` (a Czech, a German and a French article; one Reuters story under four URLs, a CME Group
#: release under two; vaccine scams, elections, press releases that name Bitcoin only in their full text);
#: ``bitcoin_2022-03-17`` from WDI-SEA/news-of-the-world-react (src/newsAPI.js), sorted by relevance over a month
#: (the SEC, El Salvador, Nayib Bukele, Ukraine, Tom Lee, Kevin O'Leary, Bitcoin and Ether together).
REAL_ANSWERS = Path(__file__).parent / "newsapi_real"


def real_answer(name: str) -> dict[str, Any]:
    """The recorded real answer ``name`` (a file of :data:`REAL_ANSWERS`), as NewsAPI sent it."""
    document: dict[str, Any] = json.loads((REAL_ANSWERS / f"{name}.json").read_text(encoding="utf-8"))
    return document


def register_everything(
    rsps: responses.RequestsMock,
    body: dict[str, Any],
    *,
    status: int = 200,
    page: int | None = None,
) -> responses.BaseResponse:
    """Answer ``/v2/everything`` (optionally only for one ``page``) with ``body``."""
    match = [matchers.query_param_matcher({"page": str(page)}, strict_match=False)] if page else []
    return rsps.add(responses.GET, EVERYTHING_URL, json=body, status=status, content_type=JSON, match=match)


def register_error(rsps: responses.RequestsMock, code: str, *, page: int | None = None) -> responses.BaseResponse:
    status, body = error(code)
    return register_everything(rsps, body, status=status, page=page)
