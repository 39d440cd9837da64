"""Each coin's news summary in the News table: what the analysis reads, one item per coin, read a batch at a time.

Why (issue 14, part 3: at most 2 DynamoDB reads and 1 write per series
update). The analysis of an update read the coin's last week of articles with
a Query of its own: one request per update, on top of the candle window's.
NewsFunction now also writes, per coin, one item holding exactly the articles
a Query of the coin's last
:data:`~crypto_advisor.contracts.news.SUMMARY_SPAN_MS` returned (every field the
analysis reads; not ``description``, which no part of a Signal uses), and
AnalyzeFunction reads the summaries of all the coins of its batch with one
``BatchGetItem`` per 100 coins (:class:`SummarisedNews`). The analysis then
filters the summary's articles to the window it asks for, exactly as the
Query's ``between`` would: the same articles in the same order, so the same
signal. A week of news (a thousand articles for Bitcoin) is a few hundred KB
as items; the summary holds the articles as zlib-compressed JSON, far below
DynamoDB's 400 KB item limit, and a summary that would still exceed
:data:`MAX_SUMMARY_BYTES` holds none (``too_large``) and is read the old way.

The other idea weighed, caching BTC's reference window across invocations of
a warm container, saves at most one read per invocation (BTC's window, when a
batch lacks BTC's own update), not one per update; and a cache across
invocations must prove it never holds a candle the table has since changed.
The summary removes the read that scales with the updates, so it was chosen.

Layout: a summary lives in its own partition, ``coin = "summary#<COIN>"``,
``sk = "summary"``, so the Query of a coin's articles (the fallback, the
dashboard, the digest) never meets it. Attributes: ``from_ms`` (every article
published at or after it is held), ``written_ms``, ``count``, ``articles``
(binary) or ``too_large``, and ``expires_at`` (30 days, like an article): a
coin dropped from the watchlist loses its summary with its news.

Freshness: NewsFunction rewrites a coin's summary after the run stored every
coin's articles (an article stored for another coin it names included), and
writes the summary of every watched coin that has none (the first run after
this change, a coin newly watched, a summary expired), with its key or
without (news off: the summaries say what the table holds). A write that
fails deletes the coin's summary, so the analysis falls back rather than
reading a summary older than the table.

Fallback (:class:`SummarisedNews`): the coin's Query, as before, whenever the
summary is missing (a stack deployed before this change, until
NewsFunction's next run), too large, starts after the window asked for (an
old candle analysed late) or cannot be read; each fallback is reported to
``on_fallback`` with its reason.
"""

from __future__ import annotations

import contextlib
import json
import time
import zlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from boto3.dynamodb.types import Binary
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from crypto_advisor.adapters.dynamodb_batch import batch_get
from crypto_advisor.adapters.news_store import ARTICLE_TTL_S
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.news import Article

#: A summary's compressed articles at most: DynamoDB's item limit is 400 KB.
MAX_SUMMARY_BYTES = 350_000
#: BatchGetItem's keys per request.
BATCH_KEYS = 100
SUMMARY_SK = "summary"

#: Told of each coin whose news was read by its Query instead of its summary: (coin, why).
Fallback = Callable[[str, str], None]


def summary_key(coin: str) -> dict[str, str]:
    return {"coin": f"summary#{coin}", "sk": SUMMARY_SK}


def encode(articles: Sequence[Article]) -> bytes:
    """The articles as the summary holds them: JSON of their fields but ``coin`` and ``description``, compressed."""
    rows = [a.model_dump(mode="json", exclude={"coin", "description"}) for a in articles]
    return zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), 6)


def decode(coin: str, data: bytes) -> list[Article]:
    return [Article(coin=coin, **row) for row in json.loads(zlib.decompress(data))]


@dataclass(frozen=True)
class Summary:
    """One coin's summary as read: every article published at or after ``from_ms`` (None: too large to hold)."""

    coin: str
    from_ms: int
    data: bytes | None

    def articles(self, since_ms: int, until_ms: int) -> list[Article]:
        """The held articles published in ``[since_ms, until_ms]``, oldest first: what the coin's Query returns."""
        assert self.data is not None
        return [a for a in decode(self.coin, self.data) if since_ms <= a.published_ts <= until_ms]


class NewsSummaries:
    """The summary items: written by NewsFunction, read in batches by AnalyzeFunction."""

    def __init__(self, table: Any, *, sleep: Callable[[float], None] = time.sleep) -> None:
        """``table`` is the News table's boto3 ``dynamodb.Table`` resource; ``sleep`` waits between rounds of
        unprocessed keys (:func:`~crypto_advisor.adapters.dynamodb_batch.batch_get`: a coin still unprocessed after
        them is read the old way)."""
        self._table = table
        self._sleep = sleep

    def write(self, coin: str, articles: Sequence[Article], *, from_ms: int, now_ms: int) -> bool:
        """Replace ``coin``'s summary with ``articles`` (all those published at or after ``from_ms``, oldest first);
        False: too large, written without its articles (read the old way).

        A write that fails deletes the summary (best effort), so that no summary older than the table is read;
        the write's error is raised either way.
        """
        data = encode(articles)
        item: dict[str, Any] = {
            **summary_key(coin),
            "from_ms": from_ms,
            "written_ms": now_ms,
            "count": len(articles),
            "expires_at": now_ms // 1000 + ARTICLE_TTL_S,
        }
        held = len(data) <= MAX_SUMMARY_BYTES
        if held:
            item["articles"] = Binary(data)
        else:
            item["too_large"] = True
        try:
            self._table.put_item(Item=item)
        except (ClientError, BotoCoreError) as exc:
            with contextlib.suppress(ClientError, BotoCoreError):
                self._table.delete_item(Key=summary_key(coin))
            raise StorageError(f"storing the news summary of {coin}: {exc}") from exc
        return held

    def read(self, coins: Iterable[str]) -> dict[str, Summary]:
        """The summaries of ``coins`` that exist, one ``BatchGetItem`` per 100 coins (eventually consistent, as
        the articles' Query is); a coin missing from the answer has no summary."""
        wanted = sorted(set(coins))
        found: dict[str, Summary] = {}
        client, name = self._table.meta.client, self._table.name
        try:
            for start in range(0, len(wanted), BATCH_KEYS):
                request: Mapping[str, Any] = {
                    name: {"Keys": [summary_key(c) for c in wanted[start : start + BATCH_KEYS]]}
                }
                for item in batch_get(client, request, sleep=self._sleep).items.get(name, []):
                    summary = _summary(item)
                    found[summary.coin] = summary
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the news summaries of {', '.join(wanted)[:200]}: {exc}") from exc
        return found

    def stored_urls(self, coins: Iterable[str]) -> dict[str, set[str]]:
        """The URLs of the articles each coin's summary holds (all stored for the coin in the table), for every
        coin that has a summary: none for one too large to hold them (its articles are written as before); a coin
        without a summary is left out."""
        return {
            coin: set() if summary.data is None else {article.url for article in decode(coin, summary.data)}
            for coin, summary in self.read(coins).items()
        }


def _summary(item: Mapping[str, Any]) -> Summary:
    data = item.get("articles")
    return Summary(
        coin=str(item["coin"]).removeprefix("summary#"),
        from_ms=int(item["from_ms"]),
        data=None if data is None else bytes(data.value if isinstance(data, Binary) else data),
    )


class ArticleQuery(Protocol):
    """The coin's articles' Query (:class:`~crypto_advisor.adapters.news_store.NewsStore`): the fallback."""

    def recent(self, coin: str, since_ms: int, until_ms: int) -> list[Article]: ...


class SummarisedNews:
    """The analysis's news reader for one invocation: the summaries of the batch's coins, read together on the
    first read, each coin's articles then filtered from its summary; the coin's Query where there is none."""

    def __init__(
        self,
        summaries: NewsSummaries,
        fallback: ArticleQuery,
        coins: Iterable[str],
        *,
        on_fallback: Fallback | None = None,
        covered: Collection[str] | None = None,
    ) -> None:
        """``covered``: the coins NewsFunction fetches (the watchlist's; None: every coin). A coin outside them (a
        market scan's coin that is not watched) has no articles in the table, NewsFunction stores articles for the
        watched coins only, so its news is empty without a read. Only an unwatched coin that was watched within
        the articles' 30 days would have had some, left from then: its signal no longer shows those."""
        self._summaries = summaries
        self._fallback = fallback
        self._covered = None if covered is None else frozenset(covered)
        self._coins = {c for c in coins if self._is_covered(c)}
        self._read: dict[str, Summary] | None = None
        #: why a coin's summary could not be read, by coin
        self._errors: dict[str, str] = {}
        self._on_fallback = on_fallback

    def _is_covered(self, coin: str) -> bool:
        return self._covered is None or coin in self._covered

    def _load(self, coin: str) -> Summary | None:
        """``coin``'s summary: the batch's coins read together on the first call, a coin outside them on its own."""
        if self._read is None or coin not in self._coins:
            wanted = self._coins | {coin} if self._read is None else {coin}
            self._coins.add(coin)
            try:
                found = self._summaries.read(wanted)
            except StorageError as exc:
                found = {}
                self._errors.update(dict.fromkeys(wanted, str(exc)))
            self._read = {**(self._read or {}), **found}
        return self._read.get(coin)

    def recent(self, coin: str, since_ms: int, until_ms: int) -> list[Article]:
        """``coin``'s articles published in ``[since_ms, until_ms]``, oldest first."""
        if not self._is_covered(coin):
            return []
        summary = self._load(coin)
        if summary is None:
            error = self._errors.get(coin)
            why = f"summaries unreadable: {error}" if error else "no summary yet"
        elif summary.data is None:
            why = "summary too large to hold its articles"
        elif summary.from_ms > since_ms:
            why = "summary starts after the window"
        else:
            try:
                return summary.articles(since_ms, until_ms)
            except (ValueError, TypeError, KeyError, ValidationError, zlib.error) as exc:
                why = f"summary unreadable: {type(exc).__name__}: {exc}"[:300]
        if self._on_fallback is not None:
            self._on_fallback(coin, why)
        return self._fallback.recent(coin, since_ms, until_ms)
