"""Data health of the window an analysis is about to trust.

Bad data (a gap, a stale feed, timestamps out of order) suppresses the alerts
of that series and is reported, never silently skipped. Pure: the window, the
update's own gap report and the ingest clock in; a verdict with reasons out.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.signal import MAX_HEALTH_REASONS, Health
from crypto_advisor.contracts.units import MINUTE_MS

#: How many candles before the analysed one must be continuous: the longest of the
#: fast indicators the rules read (Bollinger 20, MACD 26+9, RSI/ADX 14 with warm-up).
#: A hole further back only nudges the slow averages (SMA/EMA 200), which is not
#: worth silencing a series for days over one bad candle.
HEALTH_LOOKBACK = 50


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
    lookback: int = HEALTH_LOOKBACK,
) -> Health:
    """Judge the ``lookback`` candles up to ``candle_ts``.

    * out of order: timestamps not strictly increasing;
    * gap: a hole between consecutive candles, or one the ingest reported as unfillable;
    * stale: the analysed candle closed more than one timeframe before the ingest clock
      (the feed is behind, an alert now would be late);
    * missing: the analysed candle is not in the window (the table lags the stream).
    """
    reasons: list[str] = []
    start = candle_ts - lookback * timeframe_ms
    recent = [c for c in window if start <= c.ts <= candle_ts]
    if not recent or recent[-1].ts != candle_ts:
        reasons.append(f"candle {_iso(candle_ts)} is not in the stored window")
    for previous, current in itertools.pairwise(recent):
        if current.ts <= previous.ts:
            reasons.append(f"timestamps out of order: {current.ts} after {previous.ts}")
        elif current.ts - previous.ts != timeframe_ms:
            reasons.append("gap: " + _fmt_gap(previous.ts + timeframe_ms, current.ts - timeframe_ms, timeframe_ms))
    for first, last in reported_gaps:
        if last >= start and first <= candle_ts:
            reason = "gap the source could not fill: " + _fmt_gap(first, last, timeframe_ms)
            if not any(r.endswith(_fmt_gap(first, last, timeframe_ms)) for r in reasons):
                reasons.append(reason)
    closes_at = candle_ts + timeframe_ms
    if now_ms - closes_at > timeframe_ms:
        reasons.append(f"stale: candle closed {(now_ms - closes_at) // MINUTE_MS} minutes before the ingest clock")
    return Health(healthy=not reasons, reasons=_at_most(reasons, MAX_HEALTH_REASONS))


def _at_most(reasons: list[str], count: int) -> list[str]:
    """The first reasons, the rest summed up in the last: the Signal keeps a bounded list (its item has a limit)."""
    if len(reasons) <= count:
        return reasons
    return [*reasons[: count - 1], f"and {len(reasons) - count + 1} more problems in the window"]
