"""The candle contract: what a source's rows become (accepted, forming, already stored, rejected)."""

from __future__ import annotations

import math

import pytest

from crypto_advisor.contracts.candle import Candle, Rejection, check, missing_ranges, screen

HOUR = 3_600_000
T0 = 1_740_787_200_000  # 2025-03-01T00:00Z, aligned to every timeframe up to 1d


def row(ts: int, o: float = 100.0, h: float = 110.0, lo: float = 90.0, c: float = 105.0, v: float = 5.0) -> list:
    return [ts, o, h, lo, c, v]


def closed_rows(count: int, start: int = T0) -> list[list]:
    return [row(start + i * HOUR) for i in range(count)]


# --- check: one row on its own ---------------------------------------------------------


def test_check_turns_a_valid_row_into_a_candle():
    # Given a well-formed hourly row
    raw = row(T0, 100.0, 110.0, 90.0, 105.0, 5.0)

    # When it is checked
    candle, reason = check(raw, HOUR)

    # Then it becomes the candle it describes, with no reason
    assert reason is None
    assert candle == Candle(T0, 100.0, 110.0, 90.0, 105.0, 5.0)


def test_check_accepts_zero_volume():
    # Given a row with no trades in the period
    raw = row(T0, v=0.0)

    # When it is checked
    candle, reason = check(raw, HOUR)

    # Then volume >= 0 is enough
    assert reason is None
    assert candle is not None and candle.volume == 0.0


def test_check_accepts_numeric_strings_as_numbers():
    # Given a row whose values arrive as decimal strings (some JSON APIs do this)
    raw = [T0, "100.5", "110", "90", "105", "5"]

    # When it is checked
    candle, reason = check(raw, HOUR)

    # Then the values are floats
    assert reason is None
    assert candle == Candle(T0, 100.5, 110.0, 90.0, 105.0, 5.0)


@pytest.mark.parametrize(
    ("raw", "expected_words"),
    [
        pytest.param(row(T0, o=math.nan), ["open", "not finite"], id="nan-open"),
        pytest.param(row(T0, h=math.inf), ["high", "not finite"], id="inf-high"),
        pytest.param(row(T0, v=-math.inf), ["volume", "not finite"], id="minus-inf-volume"),
        pytest.param(row(T0, c="abc"), ["close", "'abc'", "not a number"], id="text-close"),
        pytest.param(row(T0, lo=None), ["low", "None", "not a number"], id="none-low"),
        pytest.param(row(T0, o=0.0, lo=0.0), ["prices must be > 0"], id="zero-price"),
        pytest.param(row(T0, lo=-1.0), ["prices must be > 0", "low=-1.0"], id="negative-low"),
        pytest.param(row(T0, v=-0.5), ["volume", "-0.5", "negative"], id="negative-volume"),
        pytest.param(row(T0, o=100.0, lo=101.0, c=105.0), ["low <= open", "low=101.0"], id="low-above-open"),
        pytest.param(row(T0, o=105.0, lo=101.0, c=100.0), ["low <= open", "close=100.0"], id="low-above-close"),
        pytest.param(row(T0, o=100.0, h=104.0, c=105.0), ["<= high", "high=104.0"], id="high-below-close"),
        pytest.param(row(T0, o=106.0, h=105.5, c=105.0), ["<= high", "open=106.0"], id="high-below-open"),
        pytest.param(row(T0 + 60_000), ["not aligned", "3600s"], id="misaligned-ts"),
    ],
)
def test_check_rejects_a_bad_row_saying_what_is_wrong(raw, expected_words):
    # Given a row broken in one way
    # When it is checked
    candle, reason = check(raw, HOUR)

    # Then there is no candle, and the reason names the problem in words a person can read
    assert candle is None
    assert reason is not None
    for word in expected_words:
        assert word in reason, f"{word!r} not in {reason!r}"


@pytest.mark.parametrize(
    "raw_ts",
    [
        pytest.param(math.nan, id="nan"),
        pytest.param(math.inf, id="inf"),
        pytest.param("1740787200000", id="text"),
        pytest.param(None, id="none"),
        pytest.param(True, id="bool"),
        pytest.param(T0 + 0.5, id="fractional"),
        pytest.param(-HOUR, id="negative"),
        pytest.param(0, id="zero"),
    ],
)
def test_check_rejects_a_timestamp_that_is_not_positive_whole_milliseconds(raw_ts):
    # Given a row whose timestamp cannot be an open time
    raw = [raw_ts, 100.0, 110.0, 90.0, 105.0, 5.0]

    # When it is checked
    candle, reason = check(raw, HOUR)

    # Then it is rejected because of the timestamp
    assert candle is None
    assert reason is not None and "timestamp" in reason


@pytest.mark.parametrize("raw", [[T0, 1.0, 2.0, 0.5, 1.5], "not a row", None, {"ts": T0}], ids=repr)
def test_check_rejects_a_row_that_is_not_six_columns(raw):
    # Given something that is not a [ts, o, h, l, c, v] row
    # When it is checked
    candle, reason = check(raw, HOUR)

    # Then the reason says which shape was expected
    assert candle is None
    assert reason is not None and "expected [ts, open, high, low, close, volume]" in reason


# --- screen: a source's whole answer ----------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "expected_word"),
    [
        pytest.param(row(T0 + HOUR, o=math.nan), "not finite", id="non-finite"),
        pytest.param(row(T0 + HOUR, c="n/a"), "not a number", id="non-numeric"),
        pytest.param(row(T0 + HOUR, lo=0.0), "prices must be > 0", id="price-not-positive"),
        pytest.param(row(T0 + HOUR, v=-1.0), "negative", id="negative-volume"),
        pytest.param(row(T0 + HOUR, lo=101.0), "low <= open", id="low-above-min-open-close"),
        pytest.param(row(T0 + HOUR, h=104.0), "<= high", id="high-below-max-open-close"),
        pytest.param(row(T0 + HOUR + 1), "not aligned", id="misaligned-ts"),
    ],
)
def test_screen_rejects_a_bad_row_naming_its_ts_and_keeps_the_rest(bad, expected_word):
    # Given three closed rows, the middle one broken
    rows = [row(T0), bad, row(T0 + 2 * HOUR)]

    # When the answer is screened
    out = screen(rows, timeframe_ms=HOUR, now_ms=T0 + 10 * HOUR)

    # Then the broken row is rejected with its ts and a readable reason; its neighbours are accepted
    assert [c.ts for c in out.accepted] == [T0, T0 + 2 * HOUR]
    assert len(out.rejected) == 1
    assert out.rejected[0].ts == bad[0]
    assert expected_word in out.rejected[0].reason


def test_screen_names_the_ts_of_a_rejected_row_whose_ts_is_a_whole_float():
    # Given a row with a float timestamp check() accepts (JSON decoders may give 1.7e12 as a float), but negative volume
    rows = [[float(T0), 100.0, 110.0, 90.0, 105.0, -1.0]]

    # When the answer is screened
    out = screen(rows, timeframe_ms=HOUR, now_ms=T0 + 10 * HOUR)

    # Then the rejection still names the candle's ts, as an int
    assert out.rejected == [Rejection(T0, "volume -1.0 is negative")]


@pytest.mark.parametrize("raw_ts", ["yesterday", True, math.nan, T0 + 0.5], ids=repr)
def test_screen_rejection_has_no_ts_when_the_row_has_no_usable_one(raw_ts):
    # Given a row whose timestamp is not a whole number of milliseconds
    rows = [[raw_ts, 100.0, 110.0, 90.0, 105.0, 5.0]]

    # When the answer is screened
    out = screen(rows, timeframe_ms=HOUR, now_ms=T0 + 10 * HOUR)

    # Then it is rejected with ts None (not a made-up one), the reason quoting what was sent
    assert len(out.rejected) == 1
    assert out.rejected[0].ts is None
    assert f"timestamp {raw_ts!r}" in out.rejected[0].reason


def test_screen_rejects_a_repeated_ts_and_keeps_the_first():
    # Given a source that sends the same candle time twice, with different values
    first = row(T0 + HOUR, c=105.0)
    repeat = row(T0 + HOUR, c=106.0)
    rows = [row(T0), first, repeat, row(T0 + 2 * HOUR)]

    # When the answer is screened
    out = screen(rows, timeframe_ms=HOUR, now_ms=T0 + 10 * HOUR)

    # Then the first wins, the repeat is rejected naming its ts and the one it does not follow
    assert [c.ts for c in out.accepted] == [T0, T0 + HOUR, T0 + 2 * HOUR]
    assert out.accepted[1].close == 105.0
    assert out.rejected == [Rejection(T0 + HOUR, f"timestamp {T0 + HOUR} does not follow {T0 + HOUR}")]


def test_screen_rejects_a_decreasing_ts():
    # Given a source whose rows go back in time
    rows = [row(T0), row(T0 + 2 * HOUR), row(T0 + HOUR), row(T0 + 3 * HOUR)]

    # When the answer is screened
    out = screen(rows, timeframe_ms=HOUR, now_ms=T0 + 10 * HOUR)

    # Then the row that goes back is rejected; the series carries on from the last accepted candle
    assert [c.ts for c in out.accepted] == [T0, T0 + 2 * HOUR, T0 + 3 * HOUR]
    assert out.rejected == [Rejection(T0 + HOUR, f"timestamp {T0 + HOUR} does not follow {T0 + 2 * HOUR}")]


def test_screen_counts_the_forming_candle_and_never_accepts_it():
    # Given three closed hours and the hour still forming (20 minutes in), as exchanges send them
    now = T0 + 3 * HOUR + 20 * 60_000
    rows = [*closed_rows(3), row(T0 + 3 * HOUR)]

    # When the answer is screened
    out = screen(rows, timeframe_ms=HOUR, now_ms=now)

    # Then the forming candle is counted, not accepted and not rejected
    assert [c.ts for c in out.accepted] == [T0, T0 + HOUR, T0 + 2 * HOUR]
    assert out.forming == 1
    assert out.rejected == []


def test_screen_accepts_a_candle_that_closed_exactly_now():
    # Given a candle whose period ends at this very millisecond
    now = T0 + HOUR

    # When the answer is screened
    out = screen([row(T0)], timeframe_ms=HOUR, now_ms=now)

    # Then it is closed (ts + timeframe == now) and accepted
    assert [c.ts for c in out.accepted] == [T0]
    assert out.forming == 0


def test_screen_treats_a_candle_one_millisecond_short_of_closing_as_forming():
    # Given a candle whose period ends one millisecond from now
    now = T0 + HOUR - 1

    # When the answer is screened
    out = screen([row(T0)], timeframe_ms=HOUR, now_ms=now)

    # Then it is still forming
    assert out.accepted == []
    assert out.forming == 1


def test_screen_counts_rows_at_or_before_the_cursor_as_already_stored():
    # Given a cursor at the second hour and a source answer that overlaps it
    cursor = T0 + HOUR
    rows = closed_rows(4)

    # When the answer is screened after the cursor
    out = screen(rows, timeframe_ms=HOUR, now_ms=T0 + 10 * HOUR, after_ts=cursor)

    # Then rows at and before the cursor are counted as already stored, not accepted or rejected
    assert out.already_stored == 2
    assert [c.ts for c in out.accepted] == [T0 + 2 * HOUR, T0 + 3 * HOUR]
    assert out.rejected == []


def test_screen_of_nothing_is_empty():
    # Given a source that answered with no rows
    # When the answer is screened
    out = screen([], timeframe_ms=HOUR, now_ms=T0)

    # Then nothing is accepted, rejected or counted
    assert (out.accepted, out.rejected, out.forming, out.already_stored) == ([], [], 0, 0)


# --- missing_ranges ---------------------------------------------------------------------


def candles(*offsets: int) -> list[Candle]:
    return [Candle(T0 + k * HOUR, 100.0, 110.0, 90.0, 105.0, 5.0) for k in offsets]


def test_missing_ranges_of_a_contiguous_run_is_empty():
    # Given candles that follow the cursor with no hole
    run = candles(1, 2, 3)

    # When holes are looked for
    gaps = missing_ranges(run, timeframe_ms=HOUR, after_ts=T0)

    # Then there are none
    assert gaps == []


def test_missing_ranges_reports_each_hole_by_first_and_last_missing_ts():
    # Given hours 0, 1, 4, 5, 7 (2-3 and 6 are missing)
    run = candles(0, 1, 4, 5, 7)

    # When holes are looked for
    gaps = missing_ranges(run, timeframe_ms=HOUR, after_ts=None)

    # Then each hole is named by its first and last missing open time
    assert gaps == [(T0 + 2 * HOUR, T0 + 3 * HOUR), (T0 + 6 * HOUR, T0 + 6 * HOUR)]


def test_missing_ranges_counts_a_hole_between_the_cursor_and_the_first_candle():
    # Given a cursor at hour 0 and new candles starting at hour 3
    run = candles(3, 4)

    # When holes are looked for
    gaps = missing_ranges(run, timeframe_ms=HOUR, after_ts=T0)

    # Then hours 1-2 are a gap: downtime the source could not fill
    assert gaps == [(T0 + HOUR, T0 + 2 * HOUR)]


def test_missing_ranges_without_a_cursor_does_not_invent_a_leading_hole():
    # Given a first run (no cursor) whose candles start at hour 5
    run = candles(5, 6)

    # When holes are looked for
    gaps = missing_ranges(run, timeframe_ms=HOUR, after_ts=None)

    # Then there is no hole: history before the first candle was never stored
    assert gaps == []


# --- bounds and types (issue 11): what used to be accepted and must not be ------------------


@pytest.mark.parametrize(
    ("raw", "expected_words"),
    [
        pytest.param(row(T0, o=True, lo=True), ["open", "True", "not a number"], id="boolean-price"),
        pytest.param(row(T0, v=False), ["volume", "False", "not a number"], id="boolean-volume"),
        pytest.param([*row(T0), 7.0], ["expected [ts, open, high, low, close, volume]"], id="extra-column"),
        pytest.param(row(T0, o=1e-300, lo=1e-300), ["prices must lie between 1e-15 and 1e+15"], id="price-1e-300"),
        pytest.param(row(T0, h=1e20), ["prices must lie between", "high=1e+20"], id="price-1e20"),
        pytest.param(row(T0, v=1e30), ["volume 1e+30 is above 1e+21"], id="volume-1e30"),
        pytest.param(row(-5), ["timestamp -5", "positive whole number"], id="negative-ts"),
        pytest.param(row(86_400_000), ["1970-01-02", "before 2009-01-03"], id="ts-in-1970"),
        pytest.param(row(T0 // 1000 // 3600 * 3600), ["before 2009-01-03"], id="ts-in-seconds"),
    ],
)
def test_check_refuses_what_is_no_candle_with_a_named_reason(raw, expected_words):
    # Given a row of the wrong type or out of any market's range
    # When it is checked
    candle, reason = check(raw, HOUR)

    # Then there is no candle, and the reason says what is wrong
    assert candle is None and reason is not None
    for word in expected_words:
        assert word in reason, f"{word!r} not in {reason!r}"


def test_check_accepts_the_smallest_real_quotes():
    # Given a coin quoted around 1e-10 (a meme coin in BTC terms)
    candle, reason = check(row(T0, o=1.2e-10, h=1.3e-10, lo=1.1e-10, c=1.25e-10, v=4e15), HOUR)

    # Then it is a candle
    assert reason is None and candle is not None


def test_screen_rejects_a_candle_far_in_the_future_instead_of_counting_it_as_forming():
    # Given an answer whose last row opens in the year 2100 (and one just forming before it)
    year_2100 = 4_102_444_800_000
    now = T0 + 3 * HOUR + 20 * 60_000
    rows = [*closed_rows(3), row(T0 + 3 * HOUR), row(year_2100)]

    # When it is screened
    out = screen(rows, timeframe_ms=HOUR, now_ms=now)

    # Then the forming candle is counted as such, and the year-2100 one is rejected with its reason
    assert out.forming == 1
    assert out.rejected == [
        Rejection(year_2100, f"timestamp {year_2100} opens more than an hour after the clock ({now})")
    ]


def test_screen_counts_a_candle_a_late_run_sees_ahead_of_its_clock_as_forming():
    # Given a run whose invocation was retried 15 minutes after its event's time: the exchange already has the next
    # 15-minute candle, which opens after the run's clock
    quarter = 15 * 60_000
    now = T0 + 4 * quarter + 60_000
    rows = [[T0 + i * quarter, 100.0, 110.0, 90.0, 105.0, 5.0] for i in range(6)]

    # When it is screened
    out = screen(rows, timeframe_ms=quarter, now_ms=now)

    # Then the candle ahead of the clock is forming (not closed by the clock), not rejected
    assert [c.ts for c in out.accepted] == [T0 + i * quarter for i in range(4)]
    assert out.forming == 2 and out.rejected == []
