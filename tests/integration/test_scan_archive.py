"""The market scan's record of the coins it held, read from the archive on the embedded S3.

The breakout model's training finds the coins that left the scan in the archive's partitions
(:meth:`ScanReports.archived_coins`) and asks each whether it has candles of the training window
(:meth:`ScanReports.archived_since`); the objects here are written by the ingest's own :class:`CandleArchive`.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from crypto_advisor.adapters.archive import CandleArchive
from crypto_advisor.adapters.scan_reports import ScanReports
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import Series

HOUR = 3_600_000
DAY = 24 * HOUR
START = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp() * 1000)
SOL = Series.parse("coingecko-markets:SOL-USD:1h")
DOGE = Series.parse("coingecko-markets:DOGE-USD:1h")
SOL_EUR = Series.parse("coingecko-markets:SOL-EUR:1h")
BTC = Series.parse("kraken:BTC-USD:1h")
_buckets = itertools.count(1)


def hours(first: int, count: int) -> list[Candle]:
    return [Candle(first + h * HOUR, 1.0, 1.0, 1.0, 1.0, 5.0) for h in range(count)]


@pytest.fixture
def scan(aws) -> ScanReports:
    """A bucket whose archive holds: SOL (USD scan) days 1-3, DOGE (USD scan, left) day 1, SOL of the EUR scan
    and a Kraken series (neither one of the USD scan's coins)."""
    s3 = aws.client("s3")
    bucket = f"scan-archive-{next(_buckets)}"
    s3.create_bucket(Bucket=bucket)
    archive = CandleArchive(s3, bucket)
    archive.put(SOL, hours(START, 3 * 24))
    archive.put(DOGE, hours(START, 20))
    archive.put(SOL_EUR, hours(START, 24))
    archive.put(BTC, hours(START, 24))
    return ScanReports(s3, bucket)


def test_the_coins_a_scan_archived_are_its_own_coins_held_now_or_not(scan):
    reports = scan
    assert reports.archived_coins("USD") == [DOGE, SOL]
    assert reports.archived_coins("EUR") == [SOL_EUR]
    assert reports.archived_coins("BTC") == []


def test_a_coin_has_candles_of_a_window_when_it_has_an_object_of_the_windows_first_day_or_later(scan):
    reports = scan
    # SOL is archived through day 3; DOGE's last candle is at 19:00 on day 1
    assert reports.archived_since(SOL, START + 2 * DAY + 5 * HOUR)
    assert not reports.archived_since(DOGE, START + DAY)
    # a window that starts later on DOGE's last day counts it (a day is the archive's partition): its read then
    # holds no candle of the window, and the training leaves it out
    assert reports.archived_since(DOGE, START + 22 * HOUR)


def test_a_scan_archive_that_cannot_be_listed_is_a_storage_error_naming_the_scan(aws):
    reports = ScanReports(aws.client("s3"), "no-such-bucket-for-the-scan")
    with pytest.raises(StorageError, match="listing the USD scan's coins under s3://no-such-bucket-for-the-scan/"):
        reports.archived_coins("USD")
    with pytest.raises(StorageError, match="listing the archive of coingecko-markets:SOL-USD:1h since 2026-11-01"):
        reports.archived_since(SOL, START)
