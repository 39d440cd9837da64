"""Issue 14, part 4: the daily refit reads a series' archive in S3 requests that do not grow with the archive's age.

On the embedded AWS: the ingest's objects (one per series, UTC day and write) are written with the real
:class:`CandleArchive`, the refit reads through :class:`TrainingHistory`, and every read is compared with the full
read, the archive being the source of truth. The requests are counted by the local runtime's metering.
"""

from __future__ import annotations

import gzip
import itertools
import json
from datetime import UTC, datetime

import pytest

from crypto_advisor.adapters.archive import CandleArchive, encode
from crypto_advisor.adapters.training_history import TrainingHistory
from crypto_advisor.cli import bench_history
from crypto_advisor.contracts.archive_keys import training_history_key
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.local.metering import metered

HOUR = 3_600_000
DAY = 24 * HOUR
START = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp() * 1000)
BTC = Series.parse("kraken:BTC-USD:1h")
ETH = Series.parse("kraken:ETH-USD:1h")
_buckets = itertools.count(1)


def candle(ts: int, *, close: float | None = None, volume: float | None = 12.5) -> Candle:
    price = close if close is not None else 100.0 + (ts - START) / HOUR
    return Candle(ts, price, price + 1.0, price - 1.0, price, volume)


class Refit:
    """One bucket, the archive the ingest writes, and the refit's reads, each with what it reported."""

    def __init__(self, aws) -> None:
        self.s3 = aws.client("s3")
        self.bucket = f"history-{next(_buckets)}"
        self.s3.create_bucket(Bucket=self.bucket)
        self.archive = CandleArchive(self.s3, self.bucket)
        self.reports: list[tuple[str, str, bool]] = []
        self.history = TrainingHistory(
            self.s3, self.bucket, on_full_read=lambda s, reason, bad: self.reports.append((s.key, reason, bad))
        )

    def ingest(self, series: Series, *candles: Candle) -> None:
        self.archive.put(series, list(candles))

    def hourly_ticks(self, series: Series, first_hour: int, hours: int) -> None:
        """One ingest write per hour, as the hourly schedule makes: one object per tick."""
        for h in range(first_hour, first_hour + hours):
            self.ingest(series, candle(START + h * HOUR))

    def read_and_compare(self, series: Series) -> list[Candle]:
        got = self.history.read(series)
        assert got == self.archive.read(series)
        return got


@pytest.fixture
def refit(aws) -> Refit:
    return Refit(aws)


def test_the_history_plus_the_days_since_reads_exactly_the_full_archive(refit):
    # Given a day of hourly writes with overlapping objects (a run that failed after archiving and wrote again)
    refit.hourly_ticks(BTC, 0, 10)
    refit.ingest(BTC, candle(START + 8 * HOUR), candle(START + 9 * HOUR), candle(START + 10 * HOUR))
    refit.hourly_ticks(BTC, 11, 3)  # day 0 up to 13:00, where the first refit's history will end
    refit.ingest(ETH, candle(START))  # another series, never in BTC's history

    # When the first refit reads: no history yet, so the full read, said as expected, and the history written
    first = refit.read_and_compare(BTC)
    assert [c.ts for c in first] == [START + h * HOUR for h in range(14)]
    assert refit.reports == [(BTC.key, "full archive read: no history yet", False)]
    assert refit.s3.head_object(Bucket=refit.bucket, Key=training_history_key(BTC))

    # Given then: the rest of day 0 (the day spanning the history's end), a rewrite of day 0's hours 12..14 with
    # other values (a later key: the full read's de-duplication lets it win), missing volumes, and day 1
    refit.hourly_ticks(BTC, 14, 10)
    refit.ingest(BTC, *(candle(START + h * HOUR, close=7.0, volume=None) for h in (12, 13, 14)))
    refit.ingest(BTC, candle(START + DAY, volume=None), candle(START + DAY + HOUR))
    refit.hourly_ticks(BTC, 26, 5)

    # When the refit reads again, and again after day 2: the same candles as the full read, from the history
    second = refit.read_and_compare(BTC)
    refit.hourly_ticks(BTC, 48, 24)
    third = refit.read_and_compare(BTC)

    # Then the rewrite won where the full read lets it win, the missing volumes stayed None, nothing was lost
    by_ts = {c.ts: c for c in second}
    # (keys sort by first candle: the rewrite's key 12h-14h sorts after 12h-12h, before 13h-13h and 14h-14h)
    assert [by_ts[START + h * HOUR].close for h in (11, 12, 13, 14)] == [111.0, 7.0, 113.0, 114.0]
    assert [by_ts[START + h * HOUR].volume for h in (11, 12, 13, 24)] == [12.5, None, 12.5, None]
    assert len(second) == 24 + 2 + 5 and len(third) == len(second) + 24
    # And no read but the first fell back to the full read
    assert len(refit.reports) == 1


def _body(series: Series, candles: list[Candle]) -> bytes:
    return encode(series, candles)


def _unsorted(series: Series, candles: list[Candle]) -> bytes:
    return encode(series, [candles[1], candles[0], *candles[2:]])


def _gzip_of(text: bytes) -> bytes:
    return gzip.compress(text)


CORRUPTIONS = {
    "not gzip": (lambda series, candles: b"not a gzip", "not gzip JSON Lines"),
    "truncated": (lambda series, candles: _body(series, candles)[:-9], "not gzip JSON Lines"),
    "not JSON": (lambda series, candles: _gzip_of(b"{nope\n"), "unusable"),
    "a candle without its close": (
        lambda series, candles: _gzip_of(json.dumps({"series": series.key, "ts": 1}).encode()),
        "not gzip JSON Lines",
    ),
    "another series' candles": (lambda series, candles: _body(ETH, candles), "of another series"),
    "out of order": (_unsorted, "not in strictly increasing ts"),
    "empty": (lambda series, candles: _gzip_of(b""), "no candles"),
}


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_an_unusable_history_falls_back_to_the_full_read_says_why_and_is_rewritten(refit, corruption):
    # Given two days archived, a refit's history, then more candles, and the history spoiled
    refit.ingest(BTC, *(candle(START + h * HOUR) for h in range(30)))  # one write: an object per day
    refit.read_and_compare(BTC)
    refit.ingest(BTC, *(candle(START + h * HOUR) for h in range(30, 34)))
    spoil, reason = CORRUPTIONS[corruption]
    history = refit.archive.read(BTC)[:30]
    refit.s3.put_object(Bucket=refit.bucket, Key=training_history_key(BTC), Body=spoil(BTC, history))

    # When the refit reads: the full read's candles, and a warning naming the history and what is wrong
    assert len(refit.read_and_compare(BTC)) == 34
    [(series, said, unexpected)] = refit.reports[1:]
    assert series == BTC.key and unexpected
    assert said.startswith("full archive read: ") and reason in said and training_history_key(BTC) in said

    # Then the history was rewritten: the next read uses it
    refit.hourly_ticks(BTC, 34, 1)
    assert len(refit.read_and_compare(BTC)) == 35 and len(refit.reports) == 2


def test_a_history_candle_no_archive_object_holds_any_more_is_a_full_read(refit):
    # Given a history over day 0 and part of day 1, then the day-1 object holding hour 25 deleted from the archive
    refit.hourly_ticks(BTC, 0, 27)
    refit.read_and_compare(BTC)
    [gone] = [k for k in refit.archive.keys(BTC) if f"/{START + 25 * HOUR}-" in k]
    refit.s3.delete_object(Bucket=refit.bucket, Key=gone)

    # When the refit reads: not the history's stale candle, but the archive as it is, and why
    candles = refit.read_and_compare(BTC)
    assert START + 25 * HOUR not in {c.ts for c in candles} and len(candles) == 26
    assert "1 candles from 2026-11-02 on that no archive object holds" in refit.reports[-1][1]


DAYS = 7


def test_the_refits_s3_requests_per_series_do_not_grow_with_the_archives_age(refit):
    # Given an hourly series ingested hour by hour (one object per tick) for a week, refitted once a day after its
    # last hour, by today's full read and by the history, every request metered
    full_reads: list[tuple[int, int]] = []
    history_reads: list[tuple[int, int]] = []
    for day in range(DAYS):
        refit.hourly_ticks(BTC, day * 24, 24)
        with metered() as usage:
            full = refit.archive.read(BTC)
        full_reads.append((usage.s3_get_class, usage.s3_put_class))
        with metered() as usage:
            assert refit.history.read(BTC) == full
        history_reads.append((usage.s3_get_class, usage.s3_put_class))

    # Then the full read GETs every object ever written: 24 more each day
    assert [gets for gets, _ in full_reads] == [24 * (day + 1) for day in range(DAYS)]
    # And the history's read, after the first (a full read, the history's first write), costs the same every day:
    # 1 GET of the history + the 24 objects of its last day + the 24 of the new day; 1 LIST and 1 PUT (a LIST is
    # billed in the PUT class)
    assert history_reads[0] == (1 + 24, 1 + 1)
    assert history_reads[1:] == [(1 + 24 + 24, 1 + 1)] * (DAYS - 1)


def test_make_bench_history_reports_the_requests_the_refit_makes(aws):
    # Given three days of hourly objects, as `make bench-history DAYS=3` archives them
    report = bench_history.run(3, 1000, aws, bucket="bench-history-test")

    # Then the full read is a GET per object and a LIST; the history's, the test above's count
    runs = report["per_series_per_run"]
    assert runs["full_read"] == {"get": 72, "list": 1, "put": 0, "total": 73}
    assert runs["training_history"] == {"get": 1 + 48, "list": 1, "put": 1, "total": 51}
    # And the projection is the counts times 20 ms, over the readers (coins one by one today)
    scan = report["scan_projection"]
    assert scan["full_read"]["minutes"] == round(1000 * 73 * 0.02 / 60, 1)
    assert scan["training_history"]["minutes"] == round(1000 * 51 * 0.02 / 10 / 60, 1)
