"""Fakes of the analysis ports (``crypto_advisor.analysis.ports``): the Signals table, the news, the models.

The candle window the analysis reads is :class:`tests.fakes.candles.FakeCandles`,
shared with the notifier's tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import final

from crypto_advisor.analysis.ports import ModelSource, NewsReader, ServedModel, SignalWriter
from crypto_advisor.contracts.news import Article
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal


@final
class Signals(SignalWriter):
    """The Signals table: keeps every signal put, each as new."""

    def __init__(self) -> None:
        self.stored: list[Signal] = []

    def put_once(self, signal: Signal) -> bool:
        self.stored.append(signal)
        return True


@final
class News(NewsReader):
    """The News table: the given articles published in the window asked for, or an error; remembers each ask."""

    def __init__(self, articles: Sequence[Article] | None = None, error: Exception | None = None) -> None:
        self.articles = list(articles or [])
        self.error = error
        self.asked: list[tuple[str, int, int]] = []

    def recent(self, coin: str, since_ms: int, until_ms: int) -> list[Article]:
        self.asked.append((coin, since_ms, until_ms))
        if self.error:
            raise self.error
        return [a for a in self.articles if since_ms <= a.published_ts <= until_ms]


@final
@dataclass
class Models(ModelSource):
    """The cached model source: what it serves, or the error it raises; remembers what it was asked."""

    served: ServedModel | None = None
    error: Exception | None = None
    asked: list[tuple[str, int | None]] = field(default_factory=list, init=False)

    def get(self, series: Series, now_ms: int | None = None) -> ServedModel | None:
        self.asked.append((series.key, now_ms))
        if self.error is not None:
            raise self.error
        return self.served
