"""Each market source's rate budget: how fast one caller may call it, and how many calls a series costs.

The ingest planner (:mod:`crypto_advisor.ingest.planner`) estimates a tick's
work from these, and the ingest worker paces its calls by them
(:func:`worker_interval_s`), so they are named settings in one place, each
with the figure its source documents:

* **Kraken, public REST**: about one call a second per client. Kraken's
  "REST API rate limits" page lets public endpoints be called "once per
  second"; ccxt's Kraken client spaces its calls ``rateLimit = 1000`` ms apart
  (a unit test reads it from ccxt). One OHLC call per series (its 720 candles
  cover any backfill we ask for; the two calls that load the markets are made
  once per container, not per series). No monthly cap.
* **CoinGecko, demo key**: 30 calls a minute and 10,000 calls a month
  (CoinGecko's "Demo API" plan). The adapter spaces calls 2.1 s apart (28.6 a
  minute, under the 30) and makes two calls per series: ``/coins/{id}/ohlc``
  for the prices and ``/coins/{id}/market_chart`` for the volume
  (:mod:`crypto_advisor.adapters.coingecko`). Without a key the public API is
  stricter; the adapter spaces its calls 6 s apart.

Pacing under a concurrency cap: a queue's event source mapping runs at most
``MaximumConcurrency`` workers at once, and each worker spaces its calls
``concurrency x interval`` apart, so all of them together make at most
``concurrency x 1 / (concurrency x interval) = 1 / interval`` calls a second:
the single caller's rate, whatever the cap. The cap buys overlap (one
worker's network wait is another's call), never more calls.

**Within the 10-minute target.** A source's rate bounds how many of its
series a tick can fetch before its last signal is due: N series cost N x
``seconds_per_series`` of calls at the single caller's rate, whatever the
concurrency, plus each series' share of the analysis (over the stream's
lanes) and of the workers' compute beyond what its call's spacing absorbs
(none while the workers keep up), plus the analysis' batching window.
:func:`series_within_target` does that arithmetic with the per-series times
``make bench-scale`` measured (:data:`MEASURED`, projected for Lambda); the
planner warns when a tick's due series exceed it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class RateBudget:
    """What one caller of a source may do, and what one series' fetch costs."""

    source: str
    #: seconds between two calls of one caller (the source's documented rate, with the adapter's margin)
    interval_s: float
    #: calls one series' fetch makes
    calls_per_series: int
    #: calls a month the plan allows (None: no monthly cap)
    monthly_calls: int | None = None

    @property
    def calls_per_second(self) -> float:
        return 1.0 / self.interval_s

    @property
    def seconds_per_series(self) -> float:
        """One caller's time to fetch one series: its calls, each ``interval_s`` after the last."""
        return self.calls_per_series * self.interval_s

    def worker_interval_s(self, concurrency: int) -> float:
        """Seconds between one worker's calls so that ``concurrency`` workers stay within the source's rate."""
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        return self.interval_s * concurrency

    def series_within(self, seconds: float) -> int:
        """How many series one caller fetches in ``seconds`` at this pace (the inline run's arithmetic)."""
        return int(seconds // self.seconds_per_series)

    def monthly_series(self, ticks_per_month: float) -> int | None:
        """How many series fetched ``ticks_per_month`` times fit the monthly allowance (None: no cap)."""
        if self.monthly_calls is None:
            return None
        return int(self.monthly_calls // (self.calls_per_series * ticks_per_month))


#: Kraken's public REST API: one call a second (ccxt's ``rateLimit`` of 1000 ms), one OHLC call a series.
KRAKEN = RateBudget("kraken", interval_s=1.0, calls_per_series=1)
#: CoinGecko with a demo key: 30 calls a minute (spaced 2.1 s), 10,000 a month; two calls a series.
COINGECKO_DEMO = RateBudget("coingecko", interval_s=2.1, calls_per_series=2, monthly_calls=10_000)
#: CoinGecko without a key: the adapter's 6 s spacing; CoinGecko publishes no monthly figure for it.
COINGECKO_PUBLIC = RateBudget("coingecko", interval_s=6.0, calls_per_series=2)

#: The budgets the planner and the workers use, by source. A source not listed (one whose calls per tick do not
#: grow with its series) is always fetched inline.
BUDGETS: dict[str, RateBudget] = {"kraken": KRAKEN, "coingecko": COINGECKO_DEMO}


#: The issue's target: a tick's last signal stored within 10 minutes of the tick.
TARGET_S = 600.0


@dataclass(frozen=True)
class TickCosts:
    """A tick's time on Lambda beyond the sources' calls, as ``make bench-scale`` projects it from measured runs."""

    #: the analysis mapping's batching window (the planner's run puts the chunks on their queues first, and its
    #: inline work runs beside the workers)
    fixed_s: float
    #: a fanned-out series' own work in its worker (store, archive, publish) over the mapping's concurrency, beyond
    #: what the spacing of its call absorbs (a paced client waits only what is left of its interval): 0 while the
    #: workers keep up with their calls
    ingest_s_per_series: float
    #: one update's analysis, over the stream's lanes (Lambda runs them at once)
    analysis_s_per_update: float


#: ``make bench-scale SERIES=1000 COINGECKO=5 SCAN=500 TICKS=1 HISTORY=720`` (README, "A thousand series a tick"):
#: the 10 s batching window; a Kraken series' worker work about 0.15 s on Lambda (9 chunks of 60, 74 s over 2
#: concurrent workers: 0.075 s a series, inside its call's second); an update's analysis 0.3587 s over 4 lanes.
#: So 541 Kraken series alone within the 10 minutes, 499 beside 505 other updates.
MEASURED = TickCosts(fixed_s=10.0, ingest_s_per_series=0.0, analysis_s_per_update=0.0897)


def series_within_target(
    budget: RateBudget, *, other_updates: int = 0, costs: TickCosts = MEASURED, target_s: float = TARGET_S
) -> int:
    """The most series of this source whose tick ends (last signal stored) within ``target_s``.

    ``target_s = fixed + other_updates x analysis + N x (seconds_per_series + ingest + analysis)``, solved for N:
    the calls are one caller's pace, whatever the concurrency; ``other_updates`` are the tick's updates from other
    sources and scans, which share the analysis.
    """
    left = target_s - costs.fixed_s - other_updates * costs.analysis_s_per_update
    per_series = budget.seconds_per_series + costs.ingest_s_per_series + costs.analysis_s_per_update
    return max(0, math.floor(left / per_series))
