"""Simulated sources with their rate budgets: every call counted against the tick's budget, its wait added up,
never slept.

A real source is paced by its client (ccxt spaces Kraken's calls by its
``rateLimit``, the CoinGecko adapter 2.1 s apart with a demo key), so a tick's
fetching takes at least its calls times the spacing. Locally nothing waits: a
thousand calls a second apart would hold ``make bench-scale`` for a quarter of an
hour a tick. Each fetch instead counts its source's calls per series
(:class:`~crypto_advisor.contracts.rate_budgets.RateBudget`, the planner's own
figures), adds their spacing to :attr:`RateLimitedSource.waited_s`, which the
bench adds to the measured time, and is held against the tick's budget
(:func:`calls_per_tick`).
"""

from __future__ import annotations

import math
import threading
from typing import Any

from crypto_advisor.contracts.market_scan import SCAN_SOURCE, MarketScan, ScanAnswer
from crypto_advisor.contracts.rate_budgets import RateBudget
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.ingest.ports import MarketSource, ScanSource


def calls_per_tick(budget: RateBudget, window_s: float, ticks_per_month: float) -> int:
    """The calls one tick may make: as many as one caller's pace allows within ``window_s`` (the time the tick's
    signals may take), and no more than its share of the monthly allowance over ``ticks_per_month``."""
    by_rate = math.floor(window_s / budget.interval_s)
    if budget.monthly_calls is None:
        return by_rate
    return min(by_rate, math.floor(budget.monthly_calls / ticks_per_month))


class RateLimitedSource:
    """Wraps a simulated source: the same answers, each fetch's calls counted and their spacing added up."""

    def __init__(self, source: MarketSource, budget: RateBudget) -> None:
        self.name = source.name
        self.budget = budget
        self._source = source
        self._lock = threading.Lock()
        self.calls = 0

    @property
    def waited_s(self) -> float:
        """What pacing the calls so far would have waited, one after another (the source's single-caller rate)."""
        return self.calls * self.budget.interval_s

    def count(self, calls: int) -> None:
        with self._lock:
            self.calls += calls

    def fetch_ohlcv(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]:
        self.count(self.budget.calls_per_series)
        return self._source.fetch_ohlcv(watched, since_ms=since_ms, now_ms=now_ms)


class RateLimitedScan:
    """Wraps a simulated market scan: its pages are calls of the source that pays for them (CoinGecko's client,
    key and rate limit), counted on that source's budget beside its series' calls, as the planner counts them."""

    name = SCAN_SOURCE

    def __init__(self, scanner: ScanSource, paying: RateLimitedSource) -> None:
        self._scanner = scanner
        self.paying = paying
        self.pages = 0

    def scan(self, scan: MarketScan, *, now_ms: int) -> ScanAnswer:
        answer = self._scanner.scan(scan, now_ms=now_ms)
        self.pages += answer.calls
        self.paying.count(answer.calls)
        return answer
