"""The daily run's market scan part: the breakout model refitted over every coin of each scan, its report written.

The model is trained on the scan's coins as they were, hour by hour, not on
today's: a model fitted only on the coins in the newest snapshot learns from
the coins that stayed in the top N (and the climbers that entered it) and never
from those that fell out, so its base rate and its probabilities come out too
high (survivorship). So the training universe (:func:`read_universe`) is point in time:

* the coins are the newest snapshot's (written by the ingest) and every coin
  the scan archived within the window, found in the archive's partitions
  (``ScanReportsPort.archived_coins``): the archive is the scan's record of the
  coins it held, since a coin's series grows only while the scan holds it;
* a coin-hour is a training row only if the scan held the coin at that hour:
  the candle the scan read live carries its 24 h volume, and a coin's hours
  before it entered (the sparkline's week filled in on entry) carry none, so
  the breakout features are undefined there and
  :func:`~crypto_advisor.forecast.scan_breakout.build_scan_dataset` drops them.

The window is the :data:`HISTORY_HOURS` up to the newest candle of the scan's
current coins. The model is evaluated walk-forward and refitted
(:func:`~crypto_advisor.forecast.scan_breakout.evaluate_scan`), and the report
(card, the universe it was trained on, and each current coin's probability
now) replaces the scan's previous one, for the digest. Too short a history
(the scan's first days) is a report that says so, not a failure; a store that
cannot be read or written fails that scan alone, reported, and tomorrow's run
tries again.

What it cannot see: a coin's candles stop when it leaves, so the outcome of
its last :attr:`~crypto_advisor.forecast.config.ForecastConfig.horizon` hours
in the scan is unknown (unless it re-enters within the sparkline's week) and
those rows are left out; on simulated null markets the base rate stays within
a point of the true one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import Watchlist
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.scan_breakout import SCAN_CONFIG, ScanBreakouts, evaluate_scan
from crypto_advisor.training.ports import ArchivePort, ScanReportsPort

#: Coins read at once: the reads wait on S3, not on the CPU, and botocore's clients are thread-safe. Ten is botocore's
#: default connection pool per client (``max_pool_connections``): more threads would queue for a connection.
READERS = 10
#: The history the model is fitted on: 90 days of hours per coin (older markets are another regime, and the
#: archive's reads are the run's cost).
HISTORY_HOURS = 90 * 24
#: How the report names the universe's rule, for whoever reads the card's figures.
POINT_IN_TIME = (
    "point in time: each coin-hour the scan held (the scan's own 24 h volume reading on its candle), "
    "the coins that left the scan within the window included"
)

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


def _each(work: Callable[[_Item], _Result], items: Sequence[_Item]) -> list[_Result]:
    """``work`` of every item, :data:`READERS` at a time, in the items' order; the first failure is raised."""
    with ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="scan-read") as pool:
        return list(pool.map(work, items))


def read_coins(archive: ArchivePort, keys: list[str], *, since_ms: int | None = None) -> dict[str, list[Candle]]:
    """The last :data:`HISTORY_HOURS` of each coin (those from ``since_ms`` on, when given), :data:`READERS` coins
    at a time; a read that fails fails the scan.

    The archive is the refit's incremental one (``adapters.training_history``): a coin costs about 50 S3
    requests whatever its age, so a top-1,000 scan is about 50,000 requests, spread over the readers. The cut is
    made as each coin is read, so a coin that left the scan long ago holds no more than its window in memory.
    """

    def read(key: str) -> list[Candle]:
        candles = archive.read(Series.parse(key))[-HISTORY_HOURS:]
        return candles if since_ms is None else [c for c in candles if c.ts >= since_ms]

    return dict(zip(keys, _each(read, keys), strict=True))


@dataclass(frozen=True)
class Universe:
    """The coins the model is trained on with their candles of the window, and which of them left the scan."""

    candles: dict[str, list[Candle]]
    left: tuple[str, ...]
    since_ms: int | None
    until_ms: int | None

    def as_dict(self) -> dict[str, Any]:
        """What the report says the model was trained on: the rule, the window, the coins (the digest's reader and
        anyone weighing the card's base rate need it)."""
        first = min((c[0].ts for c in self.candles.values()), default=None)
        return {
            "rule": POINT_IN_TIME,
            "from": self.since_ms,
            "to": self.until_ms,
            "first_candle": first,
            "coins": len(self.candles),
            "left_the_scan": len(self.left),
        }


def read_universe(archive: ArchivePort, reports: ScanReportsPort, vs: str, keys: list[str]) -> Universe:
    """The scan's coins of the last :data:`HISTORY_HOURS`: the newest snapshot's ``keys`` and every other coin the
    scan archived within that window (those that left it), each cut to the window.

    The window ends at the current coins' newest candle (the scan's newest hour), so it is known only once they
    are read. Each other coin the scan ever archived is asked whether it has candles of the window (one LIST
    each, :data:`READERS` at a time) and read only then: a coin that left a year ago costs one request, not a
    read. A coin with no candle in the window is no part of it.
    """
    current = read_coins(archive, keys)
    until = max((candles[-1].ts for candles in current.values() if candles), default=None)
    if until is None:
        return Universe(current, (), None, None)
    since = until - (HISTORY_HOURS - 1) * HOUR_MS
    others = [series for series in reports.archived_coins(vs) if series.key not in current]
    held = _each(lambda series: reports.archived_since(series, since), others)
    left = read_coins(archive, [series.key for series, was in zip(others, held, strict=True) if was], since_ms=since)
    current = {key: [c for c in candles if c.ts >= since] for key, candles in current.items()}
    candles = {key: part for key, part in {**current, **left}.items() if part}
    return Universe(candles, tuple(key for key in left if key in candles), since, until)


def ranking_current_coins(result: ScanBreakouts, names: Mapping[str, str]) -> ScanBreakouts:
    """The result with the probabilities of the newest snapshot's coins only: a coin that left the scan trained
    the model, but it is not one of the scan's coins to rank (its newest hour is the one it left at)."""
    return dataclasses.replace(result, latest={key: p for key, p in result.latest.items() if key in names})


def train_scans(
    watchlist: Watchlist,
    *,
    now_ms: int,
    archive: ArchivePort,
    reports: ScanReportsPort,
    config: ForecastConfig = SCAN_CONFIG,
) -> list[dict[str, Any]]:
    """One outcome per scan: ``trained`` (with its verdict), ``skipped`` (why) or ``failed`` (the error, and its
    ``kind``: ``storage``, or ``bug`` for anything else). Each scan on its own: the daily run trains the scans first,
    and one scan's failure, whatever it is, leaves the other scans and every series to be trained."""
    outcomes: list[dict[str, Any]] = []
    for watched in watchlist.scans:
        scan = watched.scan
        try:
            snapshot = reports.snapshot(scan.vs)
            if snapshot is None:
                outcomes.append({"scan": scan.name, "status": "skipped", "reason": "no scan stored yet"})
                continue
            names = {str(c["series"]): str(c.get("name") or c["series"]) for c in snapshot.get("coins", [])}
            universe = read_universe(archive, reports, scan.vs, list(names))
            document: dict[str, Any] = {
                "scan": scan.name,
                "trained_at": now_ms,
                "names": names,
                "universe": universe.as_dict(),
            }
            try:
                result = evaluate_scan(universe.candles, name=scan.name, config=config)
            except ValueError as exc:
                reports.put_breakouts(scan.vs, {**document, "error": f"not trained: {exc}"})
                outcomes.append({"scan": scan.name, "status": "skipped", "reason": str(exc)})
                continue
            reports.put_breakouts(scan.vs, {**document, **ranking_current_coins(result, names).as_dict()})
            outcomes.append(
                {"scan": scan.name, "status": "trained", "coins": len(names), "verdict": result.card.verdict}
            )
        except StorageError as exc:
            outcomes.append({"scan": scan.name, "status": "failed", "error": str(exc), "kind": "storage"})
        except Exception as exc:  # noqa: BLE001 - it runs before the series: a scan's bug must not stop their training
            outcomes.append(
                {"scan": scan.name, "status": "failed", "error": f"{type(exc).__name__}: {exc}", "kind": "bug"}
            )
    return outcomes
