"""The market scan's ingest: one ``/coins/markets`` answer per closed hour, then each coin as its own series.

The scan has a cursor of its own (the hour last scanned,
:attr:`~crypto_advisor.contracts.market_scan.MarketScan.cursor_series`): the
ingest runs every five minutes, and the scan asks CoinGecko only on the first
run after an hour closed, so it costs ``pages`` calls an hour, not twelve times
that. Each coin then goes through :func:`~crypto_advisor.ingest.service.ingest_series`
exactly as a watched series does (its own cursor, screen, archive, table,
Kinesis record), from the rows the scan already holds: a coin that fails is
reported and the others are stored, and its next scan's seven days of
sparkline fill what it missed. The scan's cursor moves once every coin was
tried; a scan whose calls fail moves nothing, and the next run asks again.
"""

from __future__ import annotations

from typing import Any

from crypto_advisor.contracts.candle import Rejection
from crypto_advisor.contracts.errors import SourceError, StorageError
from crypto_advisor.contracts.market_scan import ScanAnswer
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import WatchedScan, WatchedSeries
from crypto_advisor.ingest.ports import ScanSource
from crypto_advisor.ingest.service import SeriesReport, Stores, ingest_series


class _Answered:
    """A coin's rows from the scan's answer, served as a source serves one series."""

    name = "coingecko-markets"

    def __init__(self, rows: list[list[Any]]) -> None:
        self._rows = rows

    def fetch_ohlcv(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]:
        return [row for row in self._rows if row[0] >= since_ms]


def ingest_scan(watched: WatchedScan, *, now_ms: int, source: ScanSource, stores: Stores) -> list[SeriesReport]:
    """The scan's own report (first: status, the coins refused as rejections, the error) and one per coin."""
    scan = watched.scan
    key = scan.cursor_series.key
    newest_closed = now_ms - now_ms % HOUR_MS - HOUR_MS
    try:
        cursor = stores.candles.cursor(scan.cursor_series)
        if cursor is not None and cursor >= newest_closed:
            return [SeriesReport(key, "up_to_date", last_ts=cursor)]
        answer = source.scan(scan, now_ms=now_ms)
    except (SourceError, StorageError) as exc:
        return [SeriesReport(key, "failed", error=str(exc), error_kind=type(exc).__name__)]
    coins: list[SeriesReport] = []
    try:
        # Every coin's cursor, a hundred to a request, rather than a GetItem per coin (a thousand a scan).
        cursors = stores.candles.batch_cursors([coin.series for coin in answer.coins])
    except StorageError as exc:
        return [SeriesReport(key, "failed", error=str(exc), error_kind=type(exc).__name__)]
    for coin in answer.coins:
        try:
            coins.append(
                ingest_series(
                    watched.watched(coin.series),
                    now_ms=now_ms,
                    source=_Answered(coin.rows),
                    stores=stores,
                    cursor=cursors.get(coin.series.key),
                )
            )
        except (SourceError, StorageError) as exc:
            coins.append(SeriesReport(coin.series.key, "failed", error=str(exc), error_kind=type(exc).__name__))
        except Exception as exc:  # noqa: BLE001 - a bug on one coin must not starve the others; reported
            error = f"{type(exc).__name__}: {exc}"
            coins.append(SeriesReport(coin.series.key, "failed", error=error, error_kind="Bug"))
    report = SeriesReport(
        key,
        "stored" if any(c.status == "stored" for c in coins) else "no_new_candles",
        stored=sum(c.stored for c in coins),
        rejected=[Rejection(None, f"{coin_id}: {reason}") for coin_id, reason in answer.refused],
        last_ts=newest_closed,
    )
    stored = {c.series for c in coins if c.status in ("stored", "up_to_date", "no_new_candles")}
    try:
        if stores.scans is not None:
            stores.scans.put_snapshot(scan.vs, snapshot(watched, answer, stored, now_ms=now_ms))
        stores.candles.set_cursor(scan.cursor_series, newest_closed, updated_at=now_ms)
    except StorageError as exc:
        report.status, report.error, report.error_kind = "failed", str(exc), type(exc).__name__
    return [report, *coins]


def snapshot(watched: WatchedScan, answer: ScanAnswer, stored: set[str], *, now_ms: int) -> dict[str, Any]:
    """The scan as the training run and the digest read it: its coins in market-cap order (those stored this
    hour), each with its newest closed candle's close and the change over the 24 hours before it, read from
    the same candle rows that were stored (not CoinGecko's own 24 h figure, whose hour is not the candle's)."""
    newest_closed = now_ms - now_ms % HOUR_MS - HOUR_MS
    coins = []
    for coin in answer.coins:
        if coin.series.key not in stored:
            continue
        closes = {int(row[0]): float(row[4]) for row in coin.rows}
        close, before = closes.get(newest_closed), closes.get(newest_closed - 24 * HOUR_MS)
        coins.append(
            {
                "series": coin.series.key,
                "coin_id": coin.coin_id,
                "name": coin.name,
                "rank": coin.rank,
                "close": close,
                "change_24h_pct": (close / before - 1) * 100 if close and before else None,
                "volume_24h": coin.volume_24h,
            }
        )
    return {
        "scan": watched.scan.name,
        "top": watched.scan.top,
        "vs": watched.scan.vs,
        "candle_ts": newest_closed,
        "scanned_at": now_ms,
        "coins": coins,
        "refused": [{"coin": coin_id, "reason": reason} for coin_id, reason in answer.refused],
    }
