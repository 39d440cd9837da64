"""Time spans in epoch milliseconds: every timestamp in the project is an int of milliseconds (UTC)."""

from __future__ import annotations

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
WEEK_MS = 7 * DAY_MS
