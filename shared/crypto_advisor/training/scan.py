"""The daily run's market scan part: the breakout model refitted over every coin of each scan, its report written.

The coins are the newest scan's (its snapshot, written by the ingest), each
read from the archive and cut to its last :data:`HISTORY_HOURS`; the model is
evaluated walk-forward and refitted (:func:`~crypto_advisor.forecast.scan_breakout.evaluate_scan`),
and the report (card and each coin's probability now) replaces the scan's
previous one, for the digest. Too short a history (the scan's first days) is
a report that says so, not a failure; a store that cannot be read or written
fails that scan alone, reported, and tomorrow's run tries again.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import Watchlist
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.scan_breakout import SCAN_CONFIG, evaluate_scan
from crypto_advisor.training.ports import ArchivePort, ScanReportsPort

#: Coins read at once: the reads wait on S3, not on the CPU, and botocore's clients are thread-safe. Ten is botocore's
#: default connection pool per client (``max_pool_connections``): more threads would queue for a connection.
READERS = 10
#: The history the model is fitted on: 90 days of hours per coin (older markets are another regime, and the
#: archive's reads are the run's cost).
HISTORY_HOURS = 90 * 24


def read_coins(archive: ArchivePort, keys: list[str]) -> dict[str, list[Candle]]:
    """The last :data:`HISTORY_HOURS` of each coin, :data:`READERS` coins at a time; a read that fails fails the scan.

    The archive is the refit's incremental one (``adapters.training_history``): a coin costs about 50 S3
    requests whatever its age, so a top-1,000 scan is about 50,000 requests, spread over the readers.
    """

    def read(key: str) -> list[Candle]:
        return archive.read(Series.parse(key))[-HISTORY_HOURS:]

    with ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="scan-read") as pool:
        return dict(zip(keys, pool.map(read, keys), strict=True))


def train_scans(
    watchlist: Watchlist,
    *,
    now_ms: int,
    archive: ArchivePort,
    reports: ScanReportsPort,
    config: ForecastConfig = SCAN_CONFIG,
) -> list[dict[str, Any]]:
    """One outcome per scan: ``trained`` (with its verdict), ``skipped`` (why) or ``failed`` (the error)."""
    outcomes: list[dict[str, Any]] = []
    for watched in watchlist.scans:
        scan = watched.scan
        try:
            snapshot = reports.snapshot(scan.vs)
            if snapshot is None:
                outcomes.append({"scan": scan.name, "status": "skipped", "reason": "no scan stored yet"})
                continue
            names = {str(c["series"]): str(c.get("name") or c["series"]) for c in snapshot.get("coins", [])}
            candles = read_coins(archive, list(names))
            document: dict[str, Any] = {"scan": scan.name, "trained_at": now_ms, "names": names}
            try:
                result = evaluate_scan(candles, name=scan.name, config=config)
            except ValueError as exc:
                reports.put_breakouts(scan.vs, {**document, "error": f"not trained: {exc}"})
                outcomes.append({"scan": scan.name, "status": "skipped", "reason": str(exc)})
                continue
            reports.put_breakouts(scan.vs, {**document, **result.as_dict()})
            outcomes.append(
                {"scan": scan.name, "status": "trained", "coins": len(names), "verdict": result.card.verdict}
            )
        except StorageError as exc:
            outcomes.append({"scan": scan.name, "status": "failed", "error": str(exc)})
    return outcomes
