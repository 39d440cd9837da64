"""The candle contract and its validation.

A candle is ``ts`` (open time, epoch milliseconds UTC) and ``open high low close
volume`` as floats; ``Decimal`` appears only at the DynamoDB edge. Validation is
pure: it takes what a source returned, the series' cursor and the clock, and
splits the rows into accepted candles, the still-forming candle (expected, not
an error), rows already stored, and rejected rows with the reason.

**A missing volume is** ``None``: a source that has no volume for a candle
(CoinGecko with no volume sample at or before the candle's close within
:data:`~crypto_advisor.adapters.coingecko.VOLUME_SAMPLE_TOLERANCE_MS`) says so
with ``None`` in the volume column, never with 0 (no trades) or NaN (not a
number a source sends). It travels as is: ``null`` in the S3 archive's JSON
Lines, a NULL ``volume`` attribute in the Candles table, ``None`` in
:class:`Candle` (the Kinesis record names candles, not their values: the
analysis reads them back from the table, so the stream cannot turn a missing
volume into anything; the Signals stream carries the rules it made skip, in
the Signal's ``skipped``); the candle frame, which is numeric, holds it as NaN, and the
analysis names the rules that could not judge the candle for it
(:mod:`crypto_advisor.analysis.missing_volume`). Prices are never missing: a
candle without them is no candle.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crypto_advisor.contracts.units import EARLIEST_TS_MS, HOUR_MS

#: The one column order for OHLCV rows (ccxt's order too).
COLUMNS: tuple[str, ...] = ("ts", "open", "high", "low", "close", "volume")

#: The range a price must lie in. Below and above it is no market's quote (the smallest real ones are around
#: 1e-10 in BTC terms), and it keeps every value far inside what DynamoDB can store (1e-130 to 1e126): a candle it
#: refused would fail its series' write on every run, since the source keeps sending it.
MIN_PRICE = 1e-15
MAX_PRICE = 1e15
#: The largest volume a candle may have, in base units: beyond any coin's supply traded in one candle.
MAX_VOLUME = 1e21
#: How far after the run's clock a source's newest candle may open and still count as forming. The clock is the
#: schedule's time; an invocation retried late runs up to 15 minutes (the event's maximum age) plus its timeout
#: after it, so an exchange's newest candle may be that much ahead, never an hour.
CLOCK_SLACK_MS = HOUR_MS


@dataclass(frozen=True, slots=True)
class Candle:
    ts: int
    open: float
    high: float
    low: float
    close: float
    #: None: the source has no volume for this candle (see the module's docstring), never 0 or NaN for that
    volume: float | None

    def as_row(self) -> list[float | int | None]:
        return [self.ts, self.open, self.high, self.low, self.close, self.volume]

    def as_dict(self) -> dict[str, float | int | None]:
        return dict(zip(COLUMNS, self.as_row(), strict=True))


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that did not become a candle, and why."""

    ts: int | None
    reason: str


@dataclass(slots=True)
class Screened:
    """What :func:`screen` made of one answer from a source."""

    accepted: list[Candle] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    forming: int = 0
    already_stored: int = 0


def _iso_day(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%d")


def check(row: Sequence[Any], timeframe_ms: int) -> tuple[Candle | None, str | None]:
    """Turn one raw ``[ts, o, h, l, c, v]`` row into a candle, or say what is wrong.

    Ordering, closedness and the cursor are judged by :func:`screen`, which sees
    the neighbours; this function judges the row on its own. Values are
    numbers or decimal strings (some APIs send those); ``True`` is not a
    price, and a row with more columns than six is not a row this contract
    knows (a source whose answer changed shape). The volume alone may be
    ``None``: missing, which the candle keeps as ``None``.
    """
    if not isinstance(row, (list, tuple)) or len(row) != len(COLUMNS):
        return None, f"expected [ts, open, high, low, close, volume], got {row!r:.80}"
    raw_ts = row[0]
    if isinstance(raw_ts, bool) or not isinstance(raw_ts, (int, float)) or not math.isfinite(raw_ts):
        return None, f"timestamp {raw_ts!r} is not a number"
    ts = int(raw_ts)
    if ts != raw_ts or ts <= 0:
        return None, f"timestamp {raw_ts!r} is not a positive whole number of milliseconds"
    if ts < EARLIEST_TS_MS:
        return None, f"timestamp {ts} ({_iso_day(ts)}) is before {_iso_day(EARLIEST_TS_MS)}, before any crypto market"
    values: list[float] = []
    volume_missing = row[5] is None
    given = 5 if volume_missing else 6  # the columns that carry a value to check
    for name, raw in zip(COLUMNS[1:given], row[1:given], strict=True):
        if isinstance(raw, bool):
            return None, f"{name} {raw!r} is not a number"
        try:
            value = float(raw)
        except (TypeError, ValueError):
            return None, f"{name} {raw!r:.40} is not a number"
        if not math.isfinite(value):
            return None, f"{name} is {value}, not finite"
        values.append(value)
    o, h, lo, c = values[:4]
    v = None if volume_missing else values[4]
    if min(o, h, lo, c) <= 0:
        return None, f"prices must be > 0 (open={o}, high={h}, low={lo}, close={c})"
    if min(o, h, lo, c) < MIN_PRICE or max(o, h, lo, c) > MAX_PRICE:
        return None, (
            f"prices must lie between {MIN_PRICE:g} and {MAX_PRICE:g} (open={o}, high={h}, low={lo}, close={c})"
        )
    if v is not None and v < 0:
        return None, f"volume {v} is negative"
    if v is not None and v > MAX_VOLUME:
        return None, f"volume {v} is above {MAX_VOLUME:g}"
    if not (lo <= min(o, c) and max(o, c) <= h):
        return None, f"inconsistent range: need low <= open, close <= high (open={o}, high={h}, low={lo}, close={c})"
    if ts % timeframe_ms:
        return None, f"timestamp {ts} is not aligned to the {timeframe_ms // 1000}s timeframe"
    return Candle(ts, o, h, lo, c, v), None


def screen(
    rows: Iterable[Sequence[Any]],
    *,
    timeframe_ms: int,
    now_ms: int,
    after_ts: int | None = None,
) -> Screened:
    """Split a source's answer into what may be stored and what may not.

    ``after_ts`` is the last candle already stored for the series; rows at or
    before it are counted as ``already_stored`` (sources overlap on purpose).
    A candle is closed when ``ts + timeframe <= now``; the one that is not is
    the forming candle exchanges return last, counted in ``forming`` and never
    stored. A candle that opens more than :data:`CLOCK_SLACK_MS` after ``now``
    is not forming: no exchange has it yet, and it is rejected (a year-2100 row
    is garbage, not a candle to wait for). Rows must be strictly increasing: a
    repeated or earlier timestamp is rejected, the first one seen wins.
    """
    out = Screened()
    last = after_ts
    for row in rows:
        candle, reason = check(row, timeframe_ms)
        if candle is None:
            out.rejected.append(Rejection(_row_ts(row), reason or "invalid"))
            continue
        if after_ts is not None and candle.ts <= after_ts:
            out.already_stored += 1
            continue
        if candle.ts > now_ms + CLOCK_SLACK_MS:
            out.rejected.append(
                Rejection(candle.ts, f"timestamp {candle.ts} opens more than an hour after the clock ({now_ms})")
            )
            continue
        if candle.ts + timeframe_ms > now_ms:
            out.forming += 1
            continue
        if last is not None and candle.ts <= last:
            out.rejected.append(Rejection(candle.ts, f"timestamp {candle.ts} does not follow {last}"))
            continue
        out.accepted.append(candle)
        last = candle.ts
    return out


def _row_ts(row: Any) -> int | None:
    """The row's timestamp, when it is a whole number, so that its rejection can name it."""
    if not isinstance(row, (list, tuple)) or not row:
        return None
    raw = row[0]
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) or raw != int(raw):
        return None
    return int(raw)


def missing_ranges(candles: Sequence[Candle], *, timeframe_ms: int, after_ts: int | None) -> list[tuple[int, int]]:
    """The ``(first_missing_ts, last_missing_ts)`` holes in a run of candles.

    The run is taken to continue the series from ``after_ts``; a hole between
    ``after_ts`` and the first candle counts too (that is downtime the source
    could not fill).
    """
    gaps: list[tuple[int, int]] = []
    previous = after_ts
    for candle in candles:
        if previous is not None and candle.ts - previous > timeframe_ms:
            gaps.append((previous + timeframe_ms, candle.ts - timeframe_ms))
        previous = candle.ts
    return gaps
