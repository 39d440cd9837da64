"""Data health of the window an analysis is about to trust.

Bad data (a gap, a stale feed, timestamps out of order) suppresses the alerts
of that series and is reported, never silently skipped. Pure: the window, the
update's own gap report and the ingest clock in; a verdict with reasons out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import numpy as np

from crypto_advisor.analysis.rules.base import Rule
from crypto_advisor.analysis.rules.registry import RULE_TYPES
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.signal import MAX_HEALTH_REASONS, Health
from crypto_advisor.contracts.units import MINUTE_MS

#: How many candles before the analysed one must be continuous at least: the longest of the
#: fast indicators the rules read (Bollinger 20, MACD 26+9, RSI/ADX 14 with warm-up).
#: A hole further back only nudges the slow averages (SMA/EMA 200), which is not
#: worth silencing a series for days over one bad candle. A rule that judges a time span
#: reaches further (:func:`health_lookback`).
HEALTH_LOOKBACK = 50


def health_lookback(timeframe_ms: int, candles: int, rules: Iterable[Rule | type[Rule]] = RULE_TYPES) -> int:
    """Candles before the analysed one that must be continuous for ``rules`` to mean what they say.

    A rule that judges a time span (``window_ms``: the price changes over the
    last hour and the last 24 hours) turns the span into a count of candles
    (``window_ms // timeframe_ms``) and compares the judged candle, and the one
    before it (the crossing), with the candle that many back: it reads that
    many plus one before the judged candle, and a hole among them makes "the
    last 24 hours" a longer span than it says (a 2-day outage 70 candles back
    on 15m: "over the last 24 hours" against a close 72 hours old). Such a rule
    counts only when it applies: its span holds at least one candle
    (``window_ms >= timeframe_ms``) and ``candles`` (the window, the judged
    candle included) holds every candle it reads; otherwise it returns None and
    reads nothing (24 hours of 1m candles are more than the 720-candle window
    the analysis reads). The other rules count candles, not time, and are
    covered by :data:`HEALTH_LOOKBACK`. Default ``rules``: every rule in the
    registry (the span is a class constant, the same whatever the watchlist sets).
    """
    longest = HEALTH_LOOKBACK
    for rule in rules:
        window_ms = getattr(rule, "window_ms", None)
        if not isinstance(window_ms, int) or window_ms < timeframe_ms:
            continue
        before = window_ms // timeframe_ms + 1  # the oldest candle read: the span back from the candle before
        if before + 1 <= candles:
            longest = max(longest, before)
    return longest


def _iso(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%MZ")


def _fmt_gap(first: int, last: int, timeframe_ms: int) -> str:
    missing = (last - first) // timeframe_ms + 1
    span = _iso(first) if first == last else f"{_iso(first)} to {_iso(last)}"
    return f"{missing} candle{'s' if missing != 1 else ''} missing ({span})"


def assess(
    window: Sequence[Candle],
    *,
    candle_ts: int,
    timeframe_ms: int,
    now_ms: int,
    reported_gaps: Sequence[tuple[int, int]] = (),
    lookback: int | None = None,
    rules: Iterable[Rule | type[Rule]] = RULE_TYPES,
) -> Health:
    """Judge the ``lookback`` candles up to ``candle_ts``, and the candle before them.

    ``lookback`` None: the longest reach of ``rules`` on this timeframe and
    window (:func:`health_lookback`). The candle just before the span is
    compared too, so a hole that ends inside the span is seen even when the
    window holds no candle in its first slots; a window that starts inside the
    span (a young series) has no candle before it and is judged on what it holds.

    * out of order: timestamps not strictly increasing;
    * gap: a hole between consecutive candles, or one the ingest reported as unfillable;
    * stale: the analysed candle closed more than one timeframe before the ingest clock
      (the feed is behind, an alert now would be late);
    * missing: the analysed candle is not in the window (the table lags the stream).
    """
    ts = np.fromiter((c.ts for c in window), dtype=np.int64, count=len(window))
    ts = ts[ts <= candle_ts]
    span = health_lookback(timeframe_ms, len(ts), rules) if lookback is None else lookback
    start = candle_ts - span * timeframe_ms
    reasons: list[str] = []
    inside = np.flatnonzero(ts >= start)
    if not len(inside) or ts[-1] != candle_ts:
        reasons.append(f"candle {_iso(candle_ts)} is not in the stored window")
    if len(inside):
        oldest = int(inside[0])
        before = ts[max(0, oldest - 1) : oldest]  # the candle just before the span; none when the window starts in it
        recent = ts[oldest:]
        reasons += _continuity(np.concatenate([before, recent[recent >= start]]), timeframe_ms)
    for first, last in reported_gaps:
        if last >= start and first <= candle_ts:
            reason = "gap the source could not fill: " + _fmt_gap(first, last, timeframe_ms)
            if not any(r.endswith(_fmt_gap(first, last, timeframe_ms)) for r in reasons):
                reasons.append(reason)
    closes_at = candle_ts + timeframe_ms
    if now_ms - closes_at > timeframe_ms:
        reasons.append(f"stale: candle closed {(now_ms - closes_at) // MINUTE_MS} minutes before the ingest clock")
    return Health(healthy=not reasons, reasons=_at_most(reasons, MAX_HEALTH_REASONS))


def _continuity(ts: np.ndarray, timeframe_ms: int) -> list[str]:
    """A reason per pair of consecutive timestamps that is out of order or more than one timeframe apart.

    Vectorised: the span can be hundreds of candles (24 hours of 5m candles), and health runs on every update.
    """
    steps = np.diff(ts)
    reasons: list[str] = []
    for i in np.flatnonzero(steps != timeframe_ms):
        previous, current = int(ts[i]), int(ts[i + 1])
        if current <= previous:
            reasons.append(f"timestamps out of order: {current} after {previous}")
        else:
            reasons.append("gap: " + _fmt_gap(previous + timeframe_ms, current - timeframe_ms, timeframe_ms))
    return reasons


def _at_most(reasons: list[str], count: int) -> list[str]:
    """The first reasons, the rest summed up in the last: the Signal keeps a bounded list (its item has a limit)."""
    if len(reasons) <= count:
        return reasons
    return [*reasons[: count - 1], f"and {len(reasons) - count + 1} more problems in the window"]
