"""Fakes of the news ports (``crypto_advisor.news.ports``): the News table, the archive, NewsAPI."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, final

from crypto_advisor.adapters.news_store import sort_key
from crypto_advisor.contracts.archive_keys import news_key
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.news import Article, NewsAnswer
from crypto_advisor.news.ports import (
    ArticleReaderPort,
    ArticleStorePort,
    NewsArchivePort,
    NewsRotationPort,
    NewsSource,
    NewsSummaryPort,
)
from tests.recorded import newsapi


@final
class MemoryStore(ArticleStorePort, ArticleReaderPort):
    """The News table's contract: one item per (coin, publication time and URL hash), written once."""

    def __init__(self, fail_for: str | None = None, bug_for: str | None = None) -> None:
        self.items: dict[tuple[str, str], Article] = {}
        #: every conditional write asked for, as (coin, url): what DynamoDB would bill
        self.puts: list[tuple[str, str]] = []
        self._fail_for, self._bug_for = fail_for, bug_for

    def put_once(self, article: Article) -> bool:
        self.puts.append((article.coin, article.url))
        if article.coin == self._fail_for:
            raise StorageError(f"storing the {article.coin} article: throttled")
        if article.coin == self._bug_for:
            raise RuntimeError("a bug")
        key = (article.coin, sort_key(article.published_ts, article.url))
        if key in self.items:
            return False
        self.items[key] = article
        return True

    def coins(self) -> set[str]:
        return {coin for coin, _ in self.items}

    def recent(self, coin: str, since_ms: int, until_ms: int) -> list[Article]:
        """The coin's articles published in ``[since_ms, until_ms]``, in sort key order (the Query's)."""
        keys = sorted(k for k in self.items if k[0] == coin)
        return [self.items[k] for k in keys if since_ms <= self.items[k].published_ts <= until_ms]


@final
class MemorySummaries(NewsSummaryPort):
    """Each coin's summary as written: (the articles, from_ms, now_ms); ``fail_for`` a coin whose write fails,
    ``unlisted`` when the summaries cannot be read."""

    def __init__(self, fail_for: str | None = None, unlisted: bool = False) -> None:
        self.items: dict[str, tuple[list[Article], int, int]] = {}
        self.writes: list[str] = []
        #: how many times the summaries were read (a BatchGetItem per 100 coins each, in the adapter)
        self.reads = 0
        self._fail_for, self._unlisted = fail_for, unlisted

    def read(self, coins: Iterable[str]) -> dict[str, Any]:
        self.reads += 1
        if self._unlisted:
            raise StorageError("reading the news summaries: throttled")
        return {c: self.items[c] for c in coins if c in self.items}

    def write(self, coin: str, articles: Sequence[Article], *, from_ms: int, now_ms: int) -> bool:
        self.writes.append(coin)
        if coin == self._fail_for:
            raise StorageError(f"storing the news summary of {coin}: throttled")
        self.items[coin] = (list(articles), from_ms, now_ms)
        return True

    def stored_urls(self, coins: Iterable[str]) -> dict[str, set[str]]:
        return {coin: {a.url for a in articles} for coin, (articles, _, _) in self.read(coins).items()}


@final
class MemoryRotation(NewsRotationPort):
    """The rotation item: the coins the last run did not call; ``failing`` when DynamoDB fails both ways."""

    def __init__(self, coins: Sequence[str] = (), failing: bool = False) -> None:
        self.coins, self.failing = list(coins), failing

    def read(self) -> list[str]:
        if self.failing:
            raise StorageError("reading the news rotation (rotation#news): throttled")
        return list(self.coins)

    def write(self, coins: Sequence[str], *, now_ms: int) -> None:
        if self.failing:
            raise StorageError("writing the news rotation (rotation#news): throttled")
        self.coins = list(coins)


@final
class MemoryArchive(NewsArchivePort):
    """The raw answers of a run, under the key the real archive uses."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}

    def put(self, coin: str, run_ms: int, document: Mapping[str, Any]) -> str:
        key = news_key(coin, run_ms)
        self.objects[key] = dict(document)
        return key


@final
class ScriptedSource(NewsSource):
    """Answers per query word: a list of articles, or an exception to raise; records every call."""

    def __init__(self, answers: Mapping[str, list[dict[str, Any]] | Exception]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, int, int]] = []

    def fetch(self, query: str, *, from_ms: int, to_ms: int) -> NewsAnswer:
        self.calls.append((query, from_ms, to_ms))
        answer = next(v for k, v in self.answers.items() if k in query)
        if isinstance(answer, Exception):
            raise answer
        return NewsAnswer([newsapi.everything(answer)])
