"""What AnalyzeFunction's use case needs from the outside world; adapters (and the unit tests' fakes) provide it."""

from __future__ import annotations

from typing import Protocol

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.news import Article
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.forecast.artifacts import Artifacts


class WindowReader(Protocol):
    def window(self, series: Series, *, since_ts: int = 1) -> list[Candle]: ...


class SignalWriter(Protocol):
    def put_once(self, signal: Signal) -> bool: ...


class NewsReader(Protocol):
    def recent(self, coin: str, since_ms: int, until_ms: int) -> list[Article]: ...


class ServedModel(Protocol):
    """A loaded model version (:class:`crypto_advisor.adapters.model_store.LoadedModel`)."""

    @property
    def version(self) -> str: ...

    @property
    def artifacts(self) -> Artifacts: ...


class ModelSource(Protocol):
    """The served model of a series, cached per container (:class:`crypto_advisor.adapters.model_store.CachedModels`).

    Loaded from S3 once per container and series, not per update: a bundle is hundreds of kilobytes.
    """

    def get(self, series: Series, now_ms: int | None = None) -> ServedModel | None: ...
