"""Simulated sources with their rate limits: every call counted against a budget, its wait added up, never slept.

A real source is paced by its client (ccxt spaces Kraken's calls by its
``rateLimit``, the CoinGecko adapter 2.1 s apart with a demo key), so a tick's
fetching takes at least its calls times the spacing. Locally nothing waits: a
thousand calls a second apart would hold ``make bench-scale`` for a quarter of an
hour a tick. Each call instead adds the spacing to :attr:`RateLimitedSource.waited_s`,
which the bench adds to the measured time, and is counted against the source's
budget for the tick (:meth:`RateLimit.calls_per_tick`).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.ingest.ports import MarketSource


@dataclass(frozen=True)
class RateLimit:
    """A source's published limits: the spacing its client keeps between calls, and a monthly allowance if any."""

    spacing_s: float
    monthly_calls: int | None = None
    #: HTTP calls one fetch of a series makes (CoinGecko's adapter: the candles, then the volumes)
    calls_per_fetch: int = 1

    def calls_per_tick(self, window_s: float, ticks_per_month: float) -> int:
        """The calls one tick may make: as many as the spacing allows within ``window_s`` (the time the tick's
        signals may take), and no more than its share of the monthly allowance over ``ticks_per_month``."""
        by_rate = math.floor(window_s / self.spacing_s)
        if self.monthly_calls is None:
            return by_rate
        return min(by_rate, math.floor(self.monthly_calls / ticks_per_month))


class RateLimitedSource:
    """Wraps a simulated source: the same answers, each call counted and its spacing added to ``waited_s``."""

    def __init__(self, source: MarketSource, limit: RateLimit) -> None:
        self.name = source.name
        self.limit = limit
        self._source = source
        self._lock = threading.Lock()
        self.calls = 0

    @property
    def waited_s(self) -> float:
        """What pacing the calls so far would have waited, one after another."""
        return self.calls * self.limit.spacing_s

    def fetch_ohlcv(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]:
        with self._lock:
            self.calls += self.limit.calls_per_fetch
        return self._source.fetch_ohlcv(watched, since_ms=since_ms, now_ms=now_ms)
