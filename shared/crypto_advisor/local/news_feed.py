"""Canned NewsAPI for ``make demo``: a ``requests.Session`` that answers ``/v2/everything`` like NewsAPI.

The real ``NewsApiClient`` (through :class:`~crypto_advisor.adapters.newsapi.NewsApiSource`)
is what calls it, so the demo exercises the same request, parsing, error and
paging code as production; only the HTTP answers are made up. They are
NewsAPI-shaped (``{"status": "ok", "totalResults", "articles": [...]}``, newest
first, ``pageSize``/``page`` honoured, ``apiKeyMissing`` without a key) and
deterministic: a coin's articles sit on a fixed grid of times (one per
``spacing_ms``, jittered), each a pure function of (seed, query, slot), so two
runs over overlapping windows see the same articles at the same URLs, which is
what the de-duplication across runs is there for.

The mood of a coin drifts slowly (a sine over a few days) between mostly good
and mostly bad headlines, so the 24-hour mean crosses the news-sentiment
rule's lines now and then. Every ``SPECIAL_EVERY`` slots (two days at the
default spacing) one headline carries ``<script>alert(1)</script>`` and one
article links to ``javascript:alert(1)``, as hostile feeds do: the first must
reach the email escaped, the second must be rejected and reported. As real
answers do, the feed also carries a German and a Spanish article every two
days (stored unscored and counted, never in the mood) and a wire story every
``WIRE_EVERY`` slots that Reuters publishes and portals republish within half
an hour under their own URLs, some with a " - Reuters" tag (one story in the
mood, "3 outlets" in the email); and the headlines name the SEC, BlackRock,
the Fed and El Salvador now and then, for the email's "In the news". Any other
URL through the session fails as a connection error: the demo never reaches
the network.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import requests
from requests.adapters import BaseAdapter

from crypto_advisor.contracts.units import DAY_MS, HOUR_MS

EVERYTHING_URL = "https://newsapi.org/v2/everything"
#: One article per coin per this much time, on average.
DEFAULT_SPACING_MS = 2 * HOUR_MS
#: Slots between two hostile articles of each kind.
SPECIAL_EVERY = 24
#: Days the mood takes to swing from good to bad and back.
MOOD_PERIOD_DAYS = 5.0
#: Slots between two wire stories (syndicated copies) of a coin.
WIRE_EVERY = 4
#: Where a wire story is republished: (outlet, domain, minutes after the wire, title tag).
SYNDICATION: tuple[tuple[str, str, int, str], ...] = (
    ("Yahoo Finance", "finance.yahoo.com", 7, ""),
    ("MarketScreener", "marketscreener.com", 15, " - Reuters"),
    ("Investing.com", "investing.com", 24, " | Reuters"),
)
#: Articles in other languages, at these slots of every ``SPECIAL_EVERY``: (slot, outlet, domain, title, description).
FOREIGN: tuple[tuple[int, str, str, str, str], ...] = (
    (11, "Finanzen.net", "finanzen.net", "{name}-Kurs unter Druck: Anleger fürchten die nächste Verkaufswelle",
     "Die Stimmung am Kryptomarkt bleibt angespannt, sagen Händler in Frankfurt."),
    (20, "Expansión", "expansion.com", "{name} sube con fuerza y los inversores vuelven al mercado",
     "Los analistas esperan que la tendencia continúe durante las próximas semanas."),
)  # fmt: skip

SOURCES: tuple[tuple[str, str], ...] = (
    ("CoinDesk", "coindesk.com"),
    ("Cointelegraph", "cointelegraph.com"),
    ("Reuters", "reuters.com"),
    ("Bloomberg", "bloomberg.com"),
    ("The Block", "theblock.co"),
    ("Decrypt", "decrypt.co"),
    ("CNBC", "cnbc.com"),
    ("Forbes", "forbes.com"),
)
POSITIVE: tuple[tuple[str, str], ...] = (
    ("{name} rallies as BlackRock ETF inflows hit a record", "Buyers stepped in and confidence improved."),
    ("{name} surges past key resistance as buyers return", "Analysts see strong support and growing demand."),
    ("Analysts upbeat on {name} after a strong week of gains", "Optimism spreads as the rally extends."),
    ("{ticker} jumps as institutional demand grows", "Fund managers welcome the improving outlook."),
    ("{name} adoption wins praise from major banks", "A great step forward, JPMorgan executives say."),
    ("{name} climbs to a three-month high on optimism", "Traders in El Salvador celebrate the best week since spring."),
)
NEGATIVE: tuple[tuple[str, str], ...] = (
    ("{name} slides as traders fear an SEC crackdown", "Sellers dominated and losses deepened."),
    ("{ticker} plunges after exchange hack sparks panic", "Investors rushed to withdraw funds amid the chaos."),
    ("{name} miners struggle with losses as fees collapse", "Smaller firms warn of bankruptcy."),
    ("Investors dump {name} amid fears of a deeper sell-off", "Worries about weak demand hurt prices."),
    ("{name} tumbles as liquidations wipe out leveraged traders", "A brutal day for bulls."),
    ("Worries grow over {name} after a weak week", "Analysts warn the decline could continue."),
)
NEUTRAL: tuple[tuple[str, str], ...] = (
    ("{name} trades sideways ahead of the Fed decision", "Market participants await further data."),
    ("What the latest {name} on-chain data shows", "A look at addresses, fees and transaction counts."),
    ("{name} network upgrade scheduled for next month", "Developers published the timeline on Monday."),
)
SCRIPT_TITLE = "{name} <script>alert(1)</script> traders react to the latest move"
JAVASCRIPT_URL = "javascript:alert(1)"


def _digest(*parts: Any) -> int:
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str) -> int:
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


class NewsFeed:
    """The articles of the canned feed; pure: the same (seed, query, slot) always gives the same article."""

    def __init__(self, *, seed: int = 7, spacing_ms: int = DEFAULT_SPACING_MS) -> None:
        self.seed = seed
        self.spacing_ms = spacing_ms

    @staticmethod
    def terms(query: str) -> tuple[str, str]:
        """(name, ticker) from a query such as ``"Bitcoin" OR "BTC"``."""
        quoted = re.findall(r'"([^"]+)"', query) or [query.strip()]
        return quoted[0], quoted[-1]

    def article(self, query: str, slot: int) -> dict[str, Any]:
        name, ticker = self.terms(query)
        rng = np.random.default_rng(_digest(self.seed, query, slot))
        published = slot * self.spacing_ms + int(rng.integers(0, self.spacing_ms))
        phase = (_digest(self.seed, query) % 1000) / 1000 * 2 * math.pi
        days = published / DAY_MS
        p_good = 0.5 + 0.38 * math.sin(2 * math.pi * days / MOOD_PERIOD_DAYS + phase)
        draw = rng.random()
        pool = NEUTRAL if draw < 0.15 else POSITIVE if rng.random() < p_good else NEGATIVE
        title, description = pool[int(rng.integers(0, len(pool)))]
        source, domain = SOURCES[int(rng.integers(0, len(SOURCES)))]
        title, description = title.format(name=name, ticker=ticker), description.format(name=name, ticker=ticker)
        day = datetime.fromtimestamp(published / 1000, tz=UTC).strftime("%Y/%m/%d")
        slug = "-".join(re.sub(r"[^a-z0-9 ]", "", title.lower()).split())[:70]
        url = f"https://www.{domain}/markets/{day}/{slug}-{slot}"
        if slot % SPECIAL_EVERY == 5:
            title = SCRIPT_TITLE.format(name=name)
        if slot % SPECIAL_EVERY == 17:
            url = JAVASCRIPT_URL
        for at, outlet, site, foreign_title, foreign_description in FOREIGN:
            if slot % SPECIAL_EVERY == at:
                source, domain = outlet, site
                title, description = foreign_title.format(name=name), foreign_description
                url = f"https://www.{domain}/krypto/{day}/{slot}"
        if slot % WIRE_EVERY == 2 and slot % SPECIAL_EVERY not in (5, 17):
            source, domain = "Reuters", "reuters.com"
            url = f"https://www.{domain}/markets/{day}/{slug}-{slot}"
        return {
            "source": {"id": domain.split(".")[0], "name": source},
            "author": f"{source} staff",
            "title": title,
            "description": description,
            "url": url,
            "urlToImage": None,
            "publishedAt": _iso(published),
            "content": f"{description} [+{1000 + slot % 997} chars]",
        }

    def copies(self, query: str, slot: int) -> list[dict[str, Any]]:
        """The slot's article and, for a wire story, its copies republished by portals under their own URLs."""
        article = self.article(query, slot)
        if article["source"]["name"] != "Reuters" or slot % WIRE_EVERY != 2:
            return [article]
        published = _parse_time(article["publishedAt"].replace("Z", "+00:00"))
        count = 1 + _digest(self.seed, query, slot, "wire") % len(SYNDICATION)
        found = [article]
        for outlet, domain, minutes, tag in SYNDICATION[:count]:
            slug = "-".join(re.sub(r"[^a-z0-9 ]", "", article["title"].lower()).split())[:70]
            found.append(
                {
                    **article,
                    "source": {"id": None, "name": outlet},
                    "title": article["title"] + tag,
                    "url": f"https://{domain}/news/{slug}-{slot}",
                    "publishedAt": _iso(published + minutes * 60_000),
                }
            )
        return found

    def between(self, query: str, from_ms: int, to_ms: int) -> list[dict[str, Any]]:
        """Every article of ``query`` published in ``[from_ms, to_ms]``, newest first (NewsAPI's publishedAt sort)."""
        first, last = from_ms // self.spacing_ms, to_ms // self.spacing_ms
        found = [copy for slot in range(first, last + 1) for copy in self.copies(query, slot)]
        found.sort(key=lambda a: a["publishedAt"])
        inside = [a for a in found if from_ms <= _parse_time(a["publishedAt"].replace("Z", "+00:00")) <= to_ms]
        return inside[::-1]


def _answer(request: requests.PreparedRequest, status: int, body: dict[str, Any]) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}.get(status, "")
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.encoding = "utf-8"
    response.url = request.url or ""
    response.request = request
    return response


def _error(request: requests.PreparedRequest, status: int, code: str, message: str) -> requests.Response:
    return _answer(request, status, {"status": "error", "code": code, "message": message})


class _NewsApiAdapter(BaseAdapter):
    def __init__(self, feed: NewsFeed) -> None:
        super().__init__()
        self._feed = feed

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        if parts.path != "/v2/everything":
            return _error(request, 404, "routeNotFound", f"the demo feed answers /v2/everything only, not {parts.path}")
        if not request.headers.get("Authorization") and "apiKey" not in parts.query:
            return _error(request, 401, "apiKeyMissing", "Your API key is missing.")
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if not params.get("q") or "from" not in params or "to" not in params:
            return _error(request, 400, "parametersMissing", "The demo feed needs q, from and to.")
        try:
            from_ms, to_ms = _parse_time(params["from"]), _parse_time(params["to"])
            size, page = int(params.get("pageSize", 20)), int(params.get("page", 1))
        except ValueError as exc:
            return _error(request, 400, "parameterInvalid", str(exc))
        articles = self._feed.between(params["q"], from_ms, to_ms)
        chunk = articles[(page - 1) * size : page * size]
        return _answer(request, 200, {"status": "ok", "totalResults": len(articles), "articles": chunk})

    def close(self) -> None:
        """Nothing to release: no connection is ever opened."""


class _Offline(BaseAdapter):
    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        raise requests.ConnectionError(f"the demo news session reaches no network: {request.url}")

    def close(self) -> None:
        """Nothing to release."""


def demo_news_session(*, seed: int = 7, spacing_ms: int = DEFAULT_SPACING_MS) -> requests.Session:
    """A session whose ``https://newsapi.org/`` is the canned feed and which reaches nothing else."""
    session = requests.Session()
    session.mount("https://", _Offline())
    session.mount("http://", _Offline())
    session.mount("https://newsapi.org/", _NewsApiAdapter(NewsFeed(seed=seed, spacing_ms=spacing_ms)))
    return session
