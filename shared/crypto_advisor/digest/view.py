"""What one digest says, as plain data: the service gathers a :class:`DigestView`, the renderer reads it.

The seam between the use case (which reads the day from the stores) and the
renderer (which words and lays it out), so the renderer stays pure and a test
can build a digest from real analysis output without AWS.
"""

from __future__ import annotations

from dataclasses import dataclass

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.digest import LoggedAlert
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.digest.due import DigestDay
from crypto_advisor.digest.scan_section import ScanDay
from crypto_advisor.notify.links import DigestLinks


@dataclass(frozen=True)
class SeriesDay:
    """One watched series over the digest's span, as read from the stores.

    ``candles`` are closed by the span's end (the due instant), oldest first, reaching back far enough
    for the 7-day change and the series' normal volatility; ``signals`` are
    those of the candles that closed in the span; ``latest`` the newest signal
    at the span's end (older than the span when the analysis stalled); ``decisions``
    the notifier's decisions about the span's candles. ``error`` says why the
    stores could not be read: the row says so and the digest still goes out.
    """

    watched: WatchedSeries
    candles: tuple[Candle, ...] = ()
    signals: tuple[Signal, ...] = ()
    latest: Signal | None = None
    decisions: tuple[LoggedAlert, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class DigestView:
    """Everything one digest says: the day it is for, and one row per series the recipient watches."""

    when: DigestDay
    rows: tuple[SeriesDay, ...]
    #: the market emails of the span (timeframe, decision), for the timeframes of the recipient's series
    market: tuple[tuple[str, LoggedAlert], ...] = ()
    #: the watchlist's market scans, as stored (every recipient's digest has them)
    scans: tuple[ScanDay, ...] = ()
    #: the recipient's own links (the dashboard, each series' page, the unsubscribe); None: the stack has no dashboard
    links: DigestLinks | None = None

    def pages(self) -> tuple[str | None, ...]:
        """Each row's series page, in the rows' order (None without links)."""
        return tuple(self.links.series_pages.get(r.watched.series.key) if self.links else None for r in self.rows)
