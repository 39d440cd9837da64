"""One ingest run: every watched series on its own, reported one by one.

Per series: read the cursor; skip the source entirely while no new candle can
have closed (most runs, for hourly series on a 5-minute schedule: this is what
keeps the exchange calls and the bill small); otherwise fetch from the cursor,
screen the answer, then archive to S3, write the table, publish one Kinesis
record and only then move the cursor. Any failure stops that series alone: the
cursor stays where it was, so the next run redoes the same idempotent writes.

A candle counts as closed once its source's data for it is final: its close
plus the source's settling margin (:mod:`crypto_advisor.ingest.settling`; 0 for
Kraken, 15 or 35 minutes for CoinGecko's cached answers) is past. A source that
fails for a reason of its own (down, timing out, throttling) is not called
again for its other series in the run (:mod:`crypto_advisor.ingest.breaker`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from crypto_advisor.contracts.candle import Rejection, missing_ranges, screen
from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.contracts.errors import SourceError, StorageError
from crypto_advisor.contracts.market_scan import SCAN_CALLS_SOURCE, SCAN_SOURCE
from crypto_advisor.contracts.watchlist import WatchedSeries, Watchlist
from crypto_advisor.ingest.breaker import SourceBreaker
from crypto_advisor.ingest.ports import (
    ArchivePort,
    CandleStorePort,
    MarketSource,
    ScanSnapshotPort,
    ScanSource,
    StreamPort,
)
from crypto_advisor.ingest.settling import settle_ms, settling_candle

Status = Literal["stored", "up_to_date", "no_new_candles", "failed"]


@dataclass
class SeriesReport:
    series: str
    status: Status
    stored: int = 0
    first_ts: int | None = None
    last_ts: int | None = None
    forming: int = 0
    already_stored: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    gaps: list[tuple[int, int]] = field(default_factory=list)
    lagging: tuple[int, int] | None = None
    archive_keys: list[str] = field(default_factory=list)
    sequence_number: str | None = None
    error: str | None = None
    error_kind: str | None = None
    #: open time of a closed candle not stored because its source's data is not final yet (a later tick stores it)
    settling: int | None = None

    def as_dict(self) -> dict:
        return {
            "series": self.series,
            "status": self.status,
            "stored": self.stored,
            "first_ts": self.first_ts,
            "last_ts": self.last_ts,
            "forming": self.forming,
            "already_stored": self.already_stored,
            "rejected": [{"ts": r.ts, "reason": r.reason} for r in self.rejected],
            "gaps": [list(g) for g in self.gaps],
            "lagging": list(self.lagging) if self.lagging else None,
            "archive_keys": self.archive_keys,
            "error": self.error,
            "error_kind": self.error_kind,
            "settling": self.settling,
        }


@dataclass
class RunReport:
    now_ms: int
    series: list[SeriesReport]

    @property
    def failed(self) -> list[SeriesReport]:
        return [r for r in self.series if r.status == "failed"]

    @property
    def stored(self) -> int:
        return sum(r.stored for r in self.series)

    @property
    def rejected(self) -> int:
        return sum(len(r.rejected) for r in self.series)

    def as_dict(self) -> dict:
        return {
            "now_ms": self.now_ms,
            "stored": self.stored,
            "rejected": self.rejected,
            "failed": [r.series for r in self.failed],
            "series": [r.as_dict() for r in self.series],
        }


@dataclass(frozen=True)
class Stores:
    candles: CandleStorePort
    archive: ArchivePort
    stream: StreamPort
    #: where the market scans' snapshots go; None: not written (a watchlist without a scan needs none)
    scans: ScanSnapshotPort | None = None


def next_fetch_from(watched: WatchedSeries, cursor: int | None, now_ms: int, margin_ms: int = 0) -> int | None:
    """Open time of the first candle worth fetching, or None while no new candle can have closed.

    ``margin_ms``: how long after a candle's close its source's data for it is final
    (:mod:`crypto_advisor.ingest.settling`); a candle counts as closed only that long after its close.
    """
    tf = watched.series.timeframe_ms
    now_ms -= margin_ms
    if cursor is None:
        last_closed_open = (now_ms // tf) * tf - tf
        return last_closed_open - (watched.backfill_candles - 1) * tf
    if cursor + 2 * tf > now_ms:
        return None
    return cursor + tf


#: ``cursor`` not given: :func:`ingest_series` reads it (None is a cursor: never ingested).
UNREAD: Any = object()


def ingest_series(
    watched: WatchedSeries, *, now_ms: int, source: MarketSource, stores: Stores, cursor: int | None = UNREAD
) -> SeriesReport:
    """Fetch, screen and store one series' new closed candles; ``cursor``, when the caller read it in a batch."""
    series = watched.series
    if cursor is UNREAD:
        cursor = stores.candles.cursor(series)
    margin = settle_ms(source, series)
    since = next_fetch_from(watched, cursor, now_ms, margin)
    settling = settling_candle(series, now_ms, cursor, margin)
    if since is None:
        return SeriesReport(series.key, "up_to_date", last_ts=cursor, settling=settling)

    rows = source.fetch_ohlcv(watched, since_ms=since, now_ms=now_ms)
    # A candle whose data is not final yet counts as forming: stored by the first tick after its margin.
    clock = now_ms - margin
    screened = screen(rows, timeframe_ms=series.timeframe_ms, now_ms=clock, after_ts=cursor)
    accepted = [c for c in screened.accepted if c.ts >= since]
    report = SeriesReport(
        series.key,
        "no_new_candles",
        forming=screened.forming,
        already_stored=screened.already_stored + len(screened.accepted) - len(accepted),
        rejected=screened.rejected,
        settling=settling,
    )
    # Holes before or between the new candles are permanent (the cursor moves
    # past them): they are gaps, reported and sent on to the analysis. A missing
    # tail is a source lagging behind: the next run asks again.
    tf = series.timeframe_ms
    report.gaps = missing_ranges(accepted, timeframe_ms=tf, after_ts=cursor)
    last_closed = (clock // tf) * tf - tf
    tail_from = (accepted[-1].ts if accepted else since - tf) + tf
    if tail_from <= last_closed:
        report.lagging = (tail_from, last_closed)
    if not accepted:
        return report

    report.archive_keys = stores.archive.put(series, accepted)
    stores.candles.put(series, accepted)
    update = CandleUpdate(
        series=series.key,
        candle_ts=[c.ts for c in accepted],
        gaps=report.gaps,
        ingested_at=now_ms,
    )
    report.sequence_number = stores.stream.publish(update)
    stores.candles.set_cursor(series, accepted[-1].ts, updated_at=now_ms)
    report.status = "stored"
    report.stored = len(accepted)
    report.first_ts = accepted[0].ts
    report.last_ts = accepted[-1].ts
    return report


def ingest_each(
    watched: Iterable[WatchedSeries],
    *,
    now_ms: int,
    sources: Mapping[str, MarketSource | ScanSource],
    stores: Stores,
    cursors: Mapping[str, int | None] | None = None,
    breaker: SourceBreaker | None = None,
) -> list[SeriesReport]:
    """Ingest each series; one failing series (source, storage, or a bug) never stops the others, though its source,
    when it failed for a reason of its own (down, timing out), is not called again for them this run.

    ``cursors`` (series key -> cursor), when the caller read them in batches (the planner, a chunk's worker);
    a series it does not name has its cursor read on its own. ``breaker``: the run's (None: a new one,
    :mod:`crypto_advisor.ingest.breaker`).
    """
    reports = []
    known = cursors if cursors is not None else {}
    breaker = breaker if breaker is not None else SourceBreaker()
    for item in watched:
        cursor = known.get(item.series.key, UNREAD)
        try:
            source = sources[item.series.source]
            assert not isinstance(source, ScanSource), "a watched series never names the scan's source"
            source = breaker.guard(item.series.source, source)
            reports.append(ingest_series(item, now_ms=now_ms, source=source, stores=stores, cursor=cursor))
        except (SourceError, StorageError) as exc:
            breaker.record(item.series.source, item.series.key, exc)
            reports.append(SeriesReport(item.series.key, "failed", error=str(exc), error_kind=type(exc).__name__))
        except Exception as exc:  # noqa: BLE001 - a bug in one series must not starve the others; reported below
            reports.append(
                SeriesReport(item.series.key, "failed", error=f"{type(exc).__name__}: {exc}", error_kind="Bug")
            )
    return reports


def run_ingest(
    watchlist: Watchlist,
    *,
    now_ms: int,
    sources: Mapping[str, MarketSource | ScanSource],
    stores: Stores,
    cursors: Mapping[str, int | None] | None = None,
    series: Iterable[WatchedSeries] | None = None,
) -> RunReport:
    """Ingest every series, then every market scan; one failing series (source, storage, or a bug) never stops the
    others. A scan's coins are reported after the scan's own report (:mod:`crypto_advisor.ingest.scan`).

    ``series``: the watchlist's series this run walks (the planner's inline part; None: every one); ``cursors`` as
    :func:`ingest_each` takes them. A scan whose calls go to a source that tripped the run's breaker (CoinGecko's)
    is not made either; a scan is made whatever another source did.
    """
    breaker = SourceBreaker()
    reports = ingest_each(
        watchlist if series is None else series,
        now_ms=now_ms,
        sources=sources,
        stores=stores,
        cursors=cursors,
        breaker=breaker,
    )
    for scan in watchlist.scans:
        scanner = sources.get(SCAN_SOURCE)
        if not isinstance(scanner, ScanSource):
            key = scan.scan.cursor_series.key
            reports.append(SeriesReport(key, "failed", error="no market scan source is configured", error_kind="Bug"))
            continue
        from crypto_advisor.ingest.scan import ingest_scan  # the scan's module builds on this one

        scanner = breaker.guard_scan(SCAN_CALLS_SOURCE, scanner)
        reports.extend(ingest_scan(scan, now_ms=now_ms, source=scanner, stores=stores))
    return RunReport(now_ms=now_ms, series=reports)
