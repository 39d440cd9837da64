"""What the news logic needs from the outside world; adapters (and test fakes) provide it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from crypto_advisor.contracts.news import Article, NewsAnswer


class NewsSource(Protocol):
    def fetch(self, query: str, *, from_ms: int, to_ms: int) -> NewsAnswer: ...


class ArticleStorePort(Protocol):
    def put_once(self, article: Article) -> bool: ...


class NewsArchivePort(Protocol):
    def put(self, coin: str, run_ms: int, document: Mapping[str, Any]) -> str: ...


class ArticleReaderPort(Protocol):
    def recent(self, coin: str, since_ms: int, until_ms: int) -> list[Article]: ...


class NewsSummaryPort(Protocol):
    """Each coin's news summary (:class:`crypto_advisor.adapters.news_summary.NewsSummaries`)."""

    def read(self, coins: Iterable[str]) -> Mapping[str, Any]: ...

    def write(self, coin: str, articles: Sequence[Article], *, from_ms: int, now_ms: int) -> bool: ...

    def stored_urls(self, coins: Iterable[str]) -> dict[str, set[str]]:
        """The URLs each coin's summary holds (articles the table has for it), for every coin with a summary (none
        for one too large to hold them); a coin without a summary is left out. Raises ``StorageError``."""
        ...


class NewsRotationPort(Protocol):
    """Where a news run leaves the coins it did not call, for the next run to call first
    (:class:`crypto_advisor.adapters.news_rotation.NewsRotation`); raises ``StorageError``."""

    def read(self) -> list[str]: ...

    def write(self, coins: Sequence[str], *, now_ms: int) -> None: ...
