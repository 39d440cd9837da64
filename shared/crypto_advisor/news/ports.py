"""What the news logic needs from the outside world; adapters (and test fakes) provide it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from crypto_advisor.contracts.news import Article


@dataclass(frozen=True)
class NewsAnswer:
    """What a news source answered for one query: its pages as received, and whether they are all.

    ``complete`` is False when the source stopped before the end of the results
    (the plan's result cap, ``maximumResultsReached``); ``note`` says why.
    """

    pages: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = True
    note: str | None = None

    @property
    def articles(self) -> list[Any]:
        return [article for page in self.pages for article in page.get("articles") or []]


class NewsSource(Protocol):
    def fetch(self, query: str, *, from_ms: int, to_ms: int) -> NewsAnswer: ...


class ArticleStorePort(Protocol):
    def put_once(self, article: Article) -> bool: ...


class NewsArchivePort(Protocol):
    def put(self, coin: str, run_ms: int, document: Mapping[str, Any]) -> str: ...
