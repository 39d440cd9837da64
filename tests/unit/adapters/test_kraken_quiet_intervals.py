"""Kraken writes no OHLC row for an interval without trades: KrakenSource fills the ones its answer proves quiet.

The real ccxt ``kraken`` class reads recorded Kraken answers, and the ingest use case stores what the adapter
returns in memory: each test says what the run reports and stores, as a user of the series would see it.
"""

from __future__ import annotations

from typing import Any

import pytest
import responses

from crypto_advisor.adapters.kraken import FILL_SPAN, KRAKEN_MAX_CANDLES, KrakenSource, new_exchange
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.candle_update import MAX_CANDLES
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.ingest.service import SeriesReport, Stores, ingest_series
from tests.fakes.ingest import MemoryArchive, MemoryCandleStore, MemoryStream
from tests.recorded import kraken

HOUR_S = 3_600
MINUTE_S = 60
NOW_S = 1_767_273_634  # 2026-01-01T13:20:34Z: the 13:00 candle is still forming
FORMING_OPEN_S = NOW_S - NOW_S % HOUR_S
NOW_MS = NOW_S * 1000

XRP_1H = WatchedSeries(series=Series.of("kraken", "XRP/USD", "1h"), backfill_candles=720)
XRP_1M = WatchedSeries(series=Series.of("kraken", "XRP/USD", "1m"), backfill_candles=720)


class Run:
    """One ingest of XRP/USD through the real KrakenSource over one recorded answer, from a stored cursor."""

    def __init__(self, rsps: responses.RequestsMock, watched: WatchedSeries = XRP_1H) -> None:
        self.rsps = rsps
        self.watched = watched
        self.store = MemoryCandleStore()
        self.stream = MemoryStream()
        self.stores = Stores(candles=self.store, archive=MemoryArchive(), stream=self.stream)

    def ingest(self, rows: list[list[Any]], *, cursor_s: int, now_s: int = NOW_S) -> SeriesReport:
        """Kraken answers ``rows`` (its own format: seconds, string prices); the last stored candle opens at
        ``cursor_s``."""
        kraken.register_markets(self.rsps)
        kraken.register_ohlc(self.rsps, "XXRPZUSD", rows)
        self.store.cursors[self.watched.series.key] = cursor_s * 1000
        source = KrakenSource(new_exchange(enableRateLimit=False), sleep=lambda _: None)
        return ingest_series(self.watched, now_ms=now_s * 1000, source=source, stores=self.stores)

    def stored(self, ts_s: int) -> Candle | None:
        return self.store.candles[self.watched.series.key].get(ts_s * 1000)


def hours(first_open_s: int, count: int) -> list[list[Any]]:
    """Kraken's rows for ``count`` hours from ``first_open_s``, XRP/USD-priced, every hour traded."""
    return kraken.ohlc_rows(first_open_s, count, decimals=5, start=2.1)


def without(rows: list[list[Any]], *open_s: int) -> list[list[Any]]:
    """The answer with no row for the given hours: Kraken's answer when nobody traded then."""
    return [row for row in rows if row[0] not in open_s]


def close_of(rows: list[list[Any]], open_s: int) -> float:
    return float(next(row for row in rows if row[0] == open_s)[4])


def candle_of(row: list[Any]) -> Candle:
    """The candle a Kraken row is stored as (its volume is the seventh value: the sixth is the vwap)."""
    return Candle(row[0] * 1000, float(row[1]), float(row[2]), float(row[3]), float(row[4]), float(row[6]))


# --- quiet intervals between two rows: filled --------------------------------------------------


@pytest.mark.parametrize("quiet_hours", [1, 3], ids=["one-quiet-hour", "three-quiet-hours"])
def test_quiet_hours_between_two_rows_are_stored_flat_with_volume_zero_and_no_gap(rsps, quiet_hours):
    # Given the last stored candle opened 100 hours ago, and Kraken answers every hour since but the quiet ones
    # 40 hours ago (nobody traded: Kraken writes no row), the 13:00 candle still forming
    first_s = FORMING_OPEN_S - 99 * HOUR_S
    full = hours(first_s, 100)
    quiet = [FORMING_OPEN_S - (40 - i) * HOUR_S for i in range(quiet_hours)]
    run = Run(rsps)

    # When the series is ingested
    report = run.ingest(without(full, *quiet), cursor_s=first_s - HOUR_S)

    # Then no gap is reported, in the run's report or in the Kinesis record the analysis reads
    assert report.status == "stored"
    assert report.gaps == []
    assert run.stream.updates[-1].gaps == []
    # And each quiet hour is stored as a flat candle at the close before it, with volume 0, and published
    before = close_of(full, quiet[0] - HOUR_S)
    for ts_s in quiet:
        assert run.stored(ts_s) == Candle(ts_s * 1000, before, before, before, before, 0.0)
        assert ts_s * 1000 in run.stream.updates[-1].candle_ts
    # And every closed hour since the cursor is stored, and the cursor is the last closed hour, as without a hole
    assert report.stored == 99
    assert run.store.cursors[XRP_1H.series.key] == (FORMING_OPEN_S - HOUR_S) * 1000
    # And the hours Kraken did send are stored as it sent them
    assert run.stored(quiet[-1] + HOUR_S) == candle_of(next(r for r in full if r[0] == quiet[-1] + HOUR_S))


def test_a_quiet_hour_before_the_forming_candle_is_filled(rsps):
    # Given the last closed hour had no trade, and Kraken's answer ends with the forming 13:00 candle
    first_s = FORMING_OPEN_S - 9 * HOUR_S
    full = hours(first_s, 10)
    quiet_s = FORMING_OPEN_S - HOUR_S
    run = Run(rsps)

    # When the series is ingested
    report = run.ingest(without(full, quiet_s), cursor_s=first_s - HOUR_S)

    # Then the forming candle's row proves the 12:00 hour quiet: it is stored flat, nothing is lagging
    before = close_of(full, quiet_s - HOUR_S)
    assert run.stored(quiet_s) == Candle(quiet_s * 1000, before, before, before, before, 0.0)
    assert report.gaps == []
    assert report.lagging is None
    assert report.forming == 1


# --- holes the answer does not prove quiet: gaps, as before ---------------------------------------


def test_a_capped_answers_leading_hole_stays_a_gap(rsps):
    # Given the last stored candle opened 800 hours ago, and Kraken answers only its newest 720 rows (its cap)
    first_s = FORMING_OPEN_S - (KRAKEN_MAX_CANDLES - 1) * HOUR_S
    rows = hours(first_s, KRAKEN_MAX_CANDLES)
    cursor_s = FORMING_OPEN_S - 800 * HOUR_S
    run = Run(rsps)

    # When the series is ingested
    report = run.ingest(rows, cursor_s=cursor_s)

    # Then the hours between the cursor and Kraken's oldest row are a reported gap, not made-up candles
    gap = ((cursor_s + HOUR_S) * 1000, (first_s - HOUR_S) * 1000)
    assert report.gaps == [gap]
    assert run.stream.updates[-1].gaps == [gap]
    assert run.stored(cursor_s + HOUR_S) is None
    assert run.stored(first_s - HOUR_S) is None
    assert report.stored == KRAKEN_MAX_CANDLES - 1


def test_quiet_hours_after_the_last_row_are_not_filled(rsps):
    # Given Kraken's answer ends with the 10:00 candle: nobody traded at 11:00, 12:00 or in the forming 13:00 yet
    first_s = FORMING_OPEN_S - 9 * HOUR_S
    full = hours(first_s, 10)
    last_row_s = FORMING_OPEN_S - 3 * HOUR_S
    run = Run(rsps)

    # When the series is ingested
    report = run.ingest([row for row in full if row[0] <= last_row_s], cursor_s=first_s - HOUR_S)

    # Then the hours after the last row are not stored (Kraken may not have committed them yet): the series is
    # lagging, asked again next run, and the cursor stays on the last row Kraken sent
    assert run.stored(last_row_s + HOUR_S) is None
    assert run.stored(last_row_s + 2 * HOUR_S) is None
    assert report.lagging == ((last_row_s + HOUR_S) * 1000, (FORMING_OPEN_S - HOUR_S) * 1000)
    assert report.gaps == []
    assert run.store.cursors[XRP_1H.series.key] == last_row_s * 1000


def test_a_rejected_row_and_a_quiet_hour_after_it_stay_a_gap(rsps):
    # Given Kraken sends the 08:00 candle with its high below its low, and no row for 09:00 (nobody traded)
    first_s = FORMING_OPEN_S - 9 * HOUR_S
    full = hours(first_s, 10)
    bad_s, quiet_s = FORMING_OPEN_S - 5 * HOUR_S, FORMING_OPEN_S - 4 * HOUR_S
    rows = without(full, quiet_s)
    bad = next(row for row in rows if row[0] == bad_s)
    bad[2] = f"{float(bad[3]) - 0.01:.5f}"
    run = Run(rsps)

    # When the series is ingested
    report = run.ingest(rows, cursor_s=first_s - HOUR_S)

    # Then the corrupt candle is rejected with its reason, and neither it nor the hour after it (whose close
    # would come from it) is replaced by a made-up candle: both are one reported gap
    assert [(r.ts, r.reason.split(":")[0]) for r in report.rejected] == [(bad_s * 1000, "inconsistent range")]
    assert run.stored(bad_s) is None
    assert run.stored(quiet_s) is None
    assert report.gaps == [(bad_s * 1000, quiet_s * 1000)]
    assert run.stream.updates[-1].gaps == [(bad_s * 1000, quiet_s * 1000)]


def test_a_row_whose_open_time_cannot_be_read_leaves_its_answer_unfilled(rsps):
    # Given Kraken sends a row whose open time is not a number (ccxt drops it) among rows with a quiet hour
    first_s = FORMING_OPEN_S - 9 * HOUR_S
    full = hours(first_s, 10)
    unreadable_s, quiet_s = FORMING_OPEN_S - 6 * HOUR_S, FORMING_OPEN_S - 3 * HOUR_S
    rows = without(full, quiet_s)
    next(row for row in rows if row[0] == unreadable_s)[0] = "garbled"
    run = Run(rsps)

    # When the series is ingested
    report = run.ingest(rows, cursor_s=first_s - HOUR_S)

    # Then the answer does not show which interval that row was, so no hole of it is filled: both are gaps
    assert report.gaps == [(unreadable_s * 1000, unreadable_s * 1000), (quiet_s * 1000, quiet_s * 1000)]
    assert run.stored(unreadable_s) is None
    assert run.stored(quiet_s) is None


# --- what does not change -------------------------------------------------------------------------


def test_a_series_that_trades_every_hour_is_stored_as_kraken_sent_it(rsps):
    # Given Kraken answers a row for every hour since the cursor
    first_s = FORMING_OPEN_S - 99 * HOUR_S
    rows = hours(first_s, 100)
    run = Run(rsps)

    # When the series is ingested
    report = run.ingest(rows, cursor_s=first_s - HOUR_S)

    # Then exactly Kraken's closed rows are stored, none made up, and no gap is reported
    expected = [candle_of(row) for row in rows]
    assert sorted(run.store.candles[XRP_1H.series.key].values(), key=lambda c: c.ts) == expected[:-1]
    assert report.gaps == []
    assert report.lagging is None
    assert run.stream.updates[-1].candle_ts == [c.ts for c in expected[:-1]]


def test_a_quiet_stretch_longer_than_one_update_holds_is_filled_only_in_its_newest_part(rsps):
    # Given a thin 1m pair: the cursor 6000 minutes back, and Kraken's rows at the minute after it and the last
    # two minutes, nobody having traded in between
    now_s = NOW_S - NOW_S % MINUTE_S
    cursor_s = now_s - 6000 * MINUTE_S
    rows = [
        *kraken.ohlc_rows(cursor_s + MINUTE_S, 1, MINUTE_S, decimals=5, start=2.1),
        *kraken.ohlc_rows(now_s - MINUTE_S, 2, MINUTE_S, decimals=5, start=2.1),
    ]
    run = Run(rsps, XRP_1M)

    # When the series is ingested
    report = run.ingest(rows, cursor_s=cursor_s, now_s=now_s)

    # Then one Kinesis record still holds the update (the series does not fail on every run): the newest
    # FILL_SPAN minutes are filled, the older part of the stretch is a reported gap
    assert report.status == "stored"
    assert report.stored <= MAX_CANDLES
    fill_from_s = now_s - FILL_SPAN * MINUTE_S
    assert report.gaps == [((cursor_s + 2 * MINUTE_S) * 1000, (fill_from_s - MINUTE_S) * 1000)]
    assert run.stored(fill_from_s) is not None
    assert run.stored(fill_from_s).volume == 0.0
    assert run.stream.updates[-1].candle_ts[-1] == (now_s - MINUTE_S) * 1000


def test_a_quiet_hour_right_after_the_stored_candle_is_filled_from_its_row(rsps):
    # Given the last stored candle opened at 10:00, nobody traded at 11:00, and the tick at 13:20 finds 12:00 closed:
    # the common case on a 5-minute schedule (the quiet hour is the first one asked for)
    cursor_s = FORMING_OPEN_S - 3 * HOUR_S
    full = hours(cursor_s, 4)  # Kraken's rows from the stored candle on, the 13:00 one forming
    quiet_s = cursor_s + HOUR_S
    run = Run(rsps)

    # When the series is ingested from the cursor
    report = run.ingest(without(full, quiet_s), cursor_s=cursor_s)

    # Then the adapter asked from the stored candle, whose row bounds the quiet hour and gives its close:
    # 11:00 is stored flat, no gap is reported, and the stored candle is not published again
    before = close_of(full, cursor_s)
    assert run.stored(quiet_s) == Candle(quiet_s * 1000, before, before, before, before, 0.0)
    assert report.gaps == [] and run.stream.updates[-1].gaps == []
    assert cursor_s * 1000 not in run.stream.updates[-1].candle_ts
    assert report.stored == 2
