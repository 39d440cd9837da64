"""The scheduled ingest run's plan: which series are due, and whether the run fetches them itself or fans out.

Pure logic: the watchlist, every series' cursor (read in batches by the
caller), the clock, each source's rate budget and the run's time budget in;
a plan out. The handler (``functions/ingest/app.py``) then puts the fanned-out
chunks on their source's queue and runs the rest inline (:func:`run_ingest`).

The decision, per source (its series are fetched one after another, at the
source's single-caller pace, :class:`~crypto_advisor.contracts.rate_budgets.RateBudget`):

* a series is **due** when a candle can have closed since its cursor
  (:func:`~crypto_advisor.ingest.service.next_fetch_from`); only due series
  cost calls. Its estimate is ``calls_per_series x interval_s`` seconds.
* the sources' estimates, smallest first, stay **inline** while their sum
  fits ``inline_seconds`` (the scheduled run's time budget, well inside its
  timeout); a source that does not fit is **fanned out**: its due series cut
  into chunks that one worker fetches in ``chunk_seconds`` at its paced rate
  (``concurrency x interval_s`` between calls, so the mapping's
  ``MaximumConcurrency`` workers together keep the source's rate).
* a watchlist that fits ``inline_seconds`` even with every series due
  (:func:`always_inline`) never fans out: the run is today's single run, with
  no queue consulted (a 20-series watchlist: 20 s of Kraken, 84 s of CoinGecko).
* a source whose queue still holds chunks (``busy``: an earlier tick's
  fan-out still running) is left alone this tick: those chunks hold its due
  series, and fetching them again, inline or in new chunks, would spend the
  source's rate twice. Its series are planned again once its queue is empty.
  A queue that cannot be read counts as busy too (:mod:`.queueing`): nothing
  is added to a queue nobody can see, and the run fails after its inline work.
* a source without a budget (its calls do not grow with its series) is inline.
* a **market scan** that is due (its cursor behind the newest closed hour:
  once an hour, as :func:`crypto_advisor.ingest.scan.ingest_scan` asks) costs
  its ``pages`` calls on the scan's paying source, CoinGecko
  (:data:`~crypto_advisor.contracts.market_scan.SCAN_CALLS_SOURCE`), through
  the same client and rate limiter as the CoinGecko series: its calls are
  counted in CoinGecko's estimate, spaced like theirs. The scan is one answer
  that cannot be cut into chunks, so it is always fetched by the scheduled run;
  its source's series stay inline with it (a fanned-out CoinGecko queue
  pacing itself at the full rate beside the scan would exceed the 30 calls a
  minute), and they are counted first against the inline budget. The demo
  key's month keeps them small (``contracts/market_scan.py: monthly_calls``):
  six hourly CoinGecko series beside a one-page scan, four beside the top
  1,000, at most 27.3 s of calls a tick.
* a source whose due series are more than its hourly target allows
  (:func:`~crypto_advisor.contracts.rate_budgets.series_within_target`: its
  calls at its rate plus each series' measured share of the analysis, and of
  the workers' time beyond its calls' spacing, within the 10-minute target) is still fetched, all of
  it, within its rate: the plan carries a warning naming the figure, which the
  run logs, because the tick's last signal will come later than the target.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from crypto_advisor.contracts.ingest_chunk import IngestChunk
from crypto_advisor.contracts.market_scan import SCAN_CALLS_SOURCE, MarketScan
from crypto_advisor.contracts.rate_budgets import MEASURED, RateBudget, series_within_target
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.ingest.service import next_fetch_from

Mode = Literal["inline", "fan_out", "busy"]


@dataclass(frozen=True)
class FanOut:
    """How a fanned-out tick is cut: the workers' time budget, and each source's mapping concurrency."""

    #: seconds of fetching one worker invocation is given (its chunk's size follows), well inside its timeout
    chunk_seconds: float
    #: source -> the MaximumConcurrency of its queue's mapping (the workers' pacing follows); a source not
    #: named has no queue and is always inline
    concurrency: Mapping[str, int]

    def series_per_chunk(self, budget: RateBudget) -> int:
        """Series one worker fetches in ``chunk_seconds`` at its paced interval (at least one)."""
        per_series = budget.calls_per_series * budget.worker_interval_s(self.concurrency[budget.source])
        return max(1, int(self.chunk_seconds // per_series))


@dataclass(frozen=True)
class SourcePlan:
    """One source's part of a tick."""

    source: str
    mode: Mode
    #: every watched series of the source (the inline run reports the ones not due as up to date)
    watched: tuple[WatchedSeries, ...]
    #: the ones a candle may have closed for
    due: tuple[WatchedSeries, ...]
    #: one caller's time to fetch the due series (and the due scans' pages) at the source's rate
    seconds: float
    chunks: tuple[IngestChunk, ...] = ()
    #: calls the due market scans make on this source this tick (always inline)
    scan_calls: int = 0


@dataclass(frozen=True)
class IngestPlan:
    now_ms: int
    inline_seconds: float
    sources: tuple[SourcePlan, ...] = ()
    #: the series the scheduled run itself walks, in the watchlist's order (due or not: the others cost no call)
    inline: tuple[WatchedSeries, ...] = ()
    #: what the run should say: a source with more due series than its hourly target allows
    warnings: tuple[str, ...] = ()

    @property
    def chunks(self) -> list[IngestChunk]:
        return [c for s in self.sources for c in s.chunks]

    @property
    def fanned_out(self) -> bool:
        return any(s.mode == "fan_out" for s in self.sources)

    def as_dict(self) -> dict:
        """The plan as the run's report and log line give it."""
        return {
            "now_ms": self.now_ms,
            "inline_seconds": self.inline_seconds,
            "sources": {
                s.source: {
                    "mode": s.mode,
                    "watched": len(s.watched),
                    "due": len(s.due),
                    "seconds": round(s.seconds, 1),
                    "chunks": len(s.chunks),
                    **({"scan_calls": s.scan_calls} if s.scan_calls else {}),
                }
                for s in self.sources
            },
            **({"warnings": list(self.warnings)} if self.warnings else {}),
        }


def estimate_seconds(series: int, budget: RateBudget | None) -> float:
    """One caller's time for ``series`` fetches at the source's pace (0 for a source without a budget)."""
    return 0.0 if budget is None else series * budget.seconds_per_series


def scan_seconds(calls: int, budget: RateBudget | None) -> float:
    """One caller's time for a scan's ``calls`` at its source's spacing (0 for a source without a budget)."""
    return 0.0 if budget is None else calls * budget.interval_s


def always_inline(
    watchlist: Iterable[WatchedSeries],
    budgets: Mapping[str, RateBudget],
    inline_seconds: float,
    scans: Iterable[MarketScan] = (),
) -> bool:
    """Whether the run fits its time budget even on the tick where every series and scan is due (it never fans
    out)."""
    counts: dict[str, int] = {}
    for watched in watchlist:
        counts[watched.series.source] = counts.get(watched.series.source, 0) + 1
    pages = sum(scan.pages for scan in scans)
    return (
        sum(estimate_seconds(n, budgets.get(s)) for s, n in counts.items())
        + scan_seconds(pages, budgets.get(SCAN_CALLS_SOURCE))
        <= inline_seconds
    )


def scan_is_due(scan: MarketScan, cursors: Mapping[str, int | None], now_ms: int) -> bool:
    """Whether the scan asks CoinGecko on this tick: its cursor (the hour last scanned) is behind the newest
    closed hour, exactly as :func:`crypto_advisor.ingest.scan.ingest_scan` decides."""
    cursor = cursors.get(scan.cursor_series.key)
    return cursor is None or cursor < now_ms - now_ms % HOUR_MS - HOUR_MS


def target_warning(source: str, due: int, budget: RateBudget | None, other_updates: int) -> str | None:
    """The warning for a source with more due series than its hourly target allows, naming the figure."""
    if budget is None:
        return None
    limit = series_within_target(budget, other_updates=other_updates)
    if due <= limit:
        return None
    per_series = budget.seconds_per_series + MEASURED.ingest_s_per_series + MEASURED.analysis_s_per_update
    return (
        f"{source}: {due} series due on this tick; at its rate ({budget.calls_per_series} call(s) a series, "
        f"{budget.interval_s:g} s apart) at most {limit} reach their signal within the 10-minute target "
        f"beside the tick's {other_updates} other update(s): every series is still fetched within the rate, "
        f"and the tick's last signal comes about {(due - limit) * per_series:.0f} s after the target"
    )


def plan_tick(
    watchlist: Iterable[WatchedSeries],
    cursors: Mapping[str, int | None],
    *,
    now_ms: int,
    budgets: Mapping[str, RateBudget],
    inline_seconds: float,
    fan_out: FanOut | None,
    busy: Callable[[str], bool] = lambda source: False,
    scans: Iterable[MarketScan] = (),
    settle: Callable[[Series], int] = lambda series: 0,
) -> IngestPlan:
    """The tick's plan (see the module docstring).

    ``cursors`` maps series keys, and the scans' cursor keys, to their cursor (absent or None: never
    ingested). ``fan_out`` None (a stack without the ingest queues) runs everything inline, whatever it costs.
    ``busy(source)`` says whether the source's queue still holds chunks; it is asked only of sources with due
    series, and never when the watchlist always fits inline (the small watchlist's run consults no queue).
    ``scans`` are the watchlist's market scans: their calls count on their source's budget when they are due.
    ``settle(series)``: how long after a candle's close its source's data is final (:mod:`.settling`); a series whose
    next candle is still settling is not due, so CoinGecko's series are counted from the tick that stores them (:16
    for an hourly candle), not on the ticks before it that call nothing.
    """
    if inline_seconds < 0:
        raise ValueError(f"inline_seconds must be at least 0, got {inline_seconds}")
    watchlist, scans = list(watchlist), list(scans)
    if fan_out is not None and always_inline(watchlist, budgets, inline_seconds, scans):
        fan_out = None
    by_source: dict[str, list[WatchedSeries]] = {}
    for watched in watchlist:
        by_source.setdefault(watched.series.source, []).append(watched)
    scan_calls = sum(scan.pages for scan in scans if scan_is_due(scan, cursors, now_ms))
    if scan_calls:
        by_source.setdefault(SCAN_CALLS_SOURCE, [])
    drafts = []
    for source, members in by_source.items():
        due = tuple(
            w for w in members if next_fetch_from(w, cursors.get(w.series.key), now_ms, settle(w.series)) is not None
        )
        calls = scan_calls if source == SCAN_CALLS_SOURCE else 0
        seconds = estimate_seconds(len(due), budgets.get(source)) + scan_seconds(calls, budgets.get(source))
        drafts.append((source, tuple(members), due, seconds, calls))
    plans: dict[str, SourcePlan] = {}
    spent = 0.0
    # The source carrying a due scan first (the scan is fetched inline, and its source's series with it), then
    # the others smallest first.
    for source, group, due, seconds, calls in sorted(drafts, key=lambda d: (d[4] == 0, d[3])):
        if calls == 0 and fan_out is not None and due and source in fan_out.concurrency and busy(source):
            plans[source] = SourcePlan(source, "busy", group, due, seconds)
        elif (
            fan_out is None
            or calls > 0
            or spent + seconds <= inline_seconds
            or source not in budgets
            or source not in fan_out.concurrency
        ):
            spent += seconds
            plans[source] = SourcePlan(source, "inline", group, due, seconds, scan_calls=calls)
        else:
            chunks = cut(due, tick_ms=now_ms, source=source, size=fan_out.series_per_chunk(budgets[source]))
            plans[source] = SourcePlan(source, "fan_out", group, due, seconds, chunks)
    inline = tuple(w for w in watchlist if plans[w.series.source].mode == "inline")
    # Every update of the tick is analysed: a source's series share the analysis with the others' and the scans'.
    updates = sum(len(p.due) for p in plans.values()) + sum(
        scan.top for scan in scans if scan_is_due(scan, cursors, now_ms)
    )
    warnings = tuple(
        w
        for p in plans.values()
        if (w := target_warning(p.source, len(p.due), budgets.get(p.source), updates - len(p.due))) is not None
    )
    return IngestPlan(now_ms, inline_seconds, tuple(plans[s] for s in by_source), inline, warnings)


def cut(due: Sequence[WatchedSeries], *, tick_ms: int, source: str, size: int) -> tuple[IngestChunk, ...]:
    """The due series in order, ``size`` to a chunk."""
    keys = [w.series.key for w in due]
    count = math.ceil(len(keys) / size)
    return tuple(IngestChunk(tick_ms, source, i, count, tuple(keys[i * size : (i + 1) * size])) for i in range(count))
