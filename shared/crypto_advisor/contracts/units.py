"""Time spans in epoch milliseconds: every timestamp in the project is an int of milliseconds (UTC)."""

from __future__ import annotations

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
WEEK_MS = 7 * DAY_MS

#: The earliest open time any candle can have: 2009-01-03T00:00Z, the day of Bitcoin's first block. A timestamp
#: before it (a negative or zero one, seconds taken for milliseconds) is not a crypto candle's.
EARLIEST_TS_MS = 1_230_940_800_000
#: The latest timestamp a record may carry: 2100-01-01T00:00Z. The ingest's clock and every candle are far below it;
#: a value above it is a unit mistake (microseconds) or garbage, refused with its reason rather than stored.
LATEST_TS_MS = 4_102_444_800_000
