"""One run's circuit breaker per source: after a source-wide failure, the source's other series are not called.

Why: a source that does not answer costs each of its series the whole retry
budget (Kraken: 4 attempts of ccxt's 10 s timeout plus backoff, about 47 s a
series). Six Kraken series took the scheduled run's 240 s, so the CoinGecko
series and the market scan walked after them were never fetched; a fanned-out
worker likewise ran out of time, and its chunk stayed invisible on its queue
for 30 minutes, its source marked busy all that time.

Only an error that says the *source* cannot answer now trips the breaker: a
:class:`~crypto_advisor.contracts.errors.TransientSourceError` that outlived
its retries (a timeout, the network, the exchange down or throttling us) or a
:class:`~crypto_advisor.contracts.errors.RateLimitedError` (the allowance is
used up). An unknown symbol, a malformed answer, a refused key, a storage
error or a bug concern that series alone, and the others are called as before.

Once tripped, each further due series of that source fails at once with
:class:`SourceNotCalled`, naming the source, the series that failed and its
error; its cursor does not move, so the next tick (a new run, a new breaker)
tries it again. The other sources' series go on, and so does the market scan,
unless the source its calls are made on (CoinGecko) is the one that tripped.
The inline run and a fanned-out worker's chunk walk their series through the
same loop (:func:`~crypto_advisor.ingest.service.ingest_each`), each with a
breaker of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crypto_advisor.contracts.errors import RateLimitedError, SourceError, TransientSourceError
from crypto_advisor.contracts.market_scan import MarketScan, ScanAnswer
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.ingest.ports import MarketSource, ScanSource
from crypto_advisor.ingest.settling import settle_ms

#: The errors that say the source itself cannot answer this run, not that one series is wrong.
SOURCE_WIDE: tuple[type[SourceError], ...] = (TransientSourceError, RateLimitedError)


class SourceNotCalled(SourceError):
    """The series' source was not called: it already failed another series this run (:class:`SourceBreaker`)."""


@dataclass(frozen=True)
class Trip:
    """A source's first source-wide failure of the run."""

    source: str
    series: str
    error: SourceError

    def reason(self) -> str:
        return (
            f"not fetched: {self.source} failed {self.series} this run "
            f"({type(self.error).__name__}: {self.error}); next tick retries"
        )


class _Tripped:
    """Stands in for a tripped source: any call fails with the trip's reason, and nothing reaches the source.

    Its settling margin is the source's, so a series whose candle is still settling stays up to date, not failed.
    """

    def __init__(self, source: MarketSource | ScanSource, trip: Trip) -> None:
        self.name = source.name
        self._source = source
        self._trip = trip

    def settle_ms(self, series: Series) -> int:
        return settle_ms(self._source, series)

    def fetch_ohlcv(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]:
        raise SourceNotCalled(self._trip.reason())

    def scan(self, scan: MarketScan, *, now_ms: int) -> ScanAnswer:
        raise SourceNotCalled(self._trip.reason())


class SourceBreaker:
    """Per run, per source: the first source-wide failure, after which the source is not called again."""

    def __init__(self) -> None:
        self._trips: dict[str, Trip] = {}

    def record(self, source: str, series: str, error: Exception) -> None:
        """Note a series' failure; a source-wide one trips its source (the first one is kept as the reason)."""
        if isinstance(error, SOURCE_WIDE) and source not in self._trips:
            self._trips[source] = Trip(source, series, error)

    def trip(self, source: str) -> Trip | None:
        return self._trips.get(source)

    def guard(self, source: str, client: MarketSource) -> MarketSource:
        """``client`` while ``source`` has not tripped; else a stand-in that fails each call without making it.

        A series that is not due asks its source nothing, so it is still reported up to date.
        """
        trip = self._trips.get(source)
        return client if trip is None else _Tripped(client, trip)

    def guard_scan(self, source: str, scanner: ScanSource) -> ScanSource:
        """The scanner, or the stand-in when ``source`` (the one its calls are made on) has tripped."""
        trip = self._trips.get(source)
        return scanner if trip is None else _Tripped(scanner, trip)
