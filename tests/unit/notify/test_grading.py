"""The forecast ledger's logic: entries from a signal's predictions, grading against real candles, live records."""

from __future__ import annotations

import dataclasses

import pytest

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.ledger import GRADED, OPEN, Grade, LedgerEntry
from crypto_advisor.notify.grading import entries_from, gradable, grade, live_records

HOUR = 3_600_000
T0 = 1_767_225_600_000  # 2026-01-01T00:00Z
SERIES = "kraken:BTC-USD:1h"


def prediction(kind: str, model: str, **values) -> dict:
    """A prediction dict as ``Prediction.as_dict()`` stores it on the Signal (the fields the ledger reads)."""
    base = {"kind": kind, "model": model, "series": SERIES, "candle_ts": T0, "horizon": 3, "horizon_label": "3h"}
    base.update(
        {"n": 500, "folds": 4, "beats_baseline": False, "headline": False, "text": f"{model} says so"}, **values
    )
    return base


PREDICTIONS = [
    prediction("breakout", "breakout_rf", threshold_pct=3.0, probability=0.7),
    prediction("path", "path_linear", price=103.0, path=[101.0, 102.0, 103.0]),
    prediction("interval", "vol_garch", level=0.8, low=98.0, high=102.0),
]


def candles(*closes: float, start: int = T0) -> list[Candle]:
    """Hourly candles from ``start`` with these closes (the first is the prediction's candle)."""
    return [Candle(start + i * HOUR, c, c, c, c, 1.0) for i, c in enumerate(closes)]


def test_each_prediction_becomes_an_open_entry_due_horizon_candles_later():
    entries = entries_from(PREDICTIONS, close=100.0, timeframe_ms=HOUR)
    assert [(e.kind, e.model, e.status, e.due_ts, e.close) for e in entries] == [
        ("breakout", "breakout_rf", OPEN, T0 + 3 * HOUR, 100.0),
        ("path", "path_linear", OPEN, T0 + 3 * HOUR, 100.0),
        ("interval", "vol_garch", OPEN, T0 + 3 * HOUR, 100.0),
    ]
    assert (
        entries[0].probability == 0.7 and entries[1].price == 103.0 and (entries[2].low, entries[2].high) == (98, 102)
    )


def test_malformed_predictions_are_left_out_of_the_ledger():
    bad = [{"text": "no fields"}, prediction("path", "path_linear"), prediction("weird", "x"), "not a dict"]
    assert entries_from(bad, close=100.0, timeframe_ms=HOUR) == []


def test_nothing_is_graded_before_the_due_candle_is_in_the_window():
    # Given the predictions at T0 (horizon 3) and candles only up to T0 + 2h
    entries = entries_from(PREDICTIONS, close=100.0, timeframe_ms=HOUR)
    # Then none can be graded yet
    assert gradable(entries, candles(100, 101, 104), HOUR) == []


def test_once_due_each_kind_is_graded_against_the_real_closes():
    # Given the closes after T0: 101, 104 (a +4% high), then 101 at the due candle
    entries = entries_from(PREDICTIONS, close=100.0, timeframe_ms=HOUR)
    # When graded with the due candle in the window
    graded = {e.model: e.grade for e in gradable(entries, candles(100, 101, 104, 101, 99), HOUR)}
    # Then: a breakout (104 >= 103), the path's error vs persistence's, the close inside the interval
    assert graded["breakout_rf"] == Grade(actual=101.0, hit=True)
    assert graded["path_linear"] == Grade(actual=101.0, error=2.0, persistence_error=1.0)
    assert graded["vol_garch"] == Grade(actual=101.0, inside=True)


def test_a_breakout_with_a_missing_candle_inside_its_horizon_stays_open():
    [entry] = entries_from(PREDICTIONS[:1], close=100.0, timeframe_ms=HOUR)
    closes = {T0: 100.0, T0 + HOUR: 101.0, T0 + 3 * HOUR: 101.0}  # T0 + 2h missing
    assert grade(entry, closes, HOUR) is None


def test_no_breakout_and_a_close_outside_the_interval():
    entries = entries_from(PREDICTIONS, close=100.0, timeframe_ms=HOUR)
    graded = {e.model: e.grade for e in gradable(entries, candles(100, 101, 102.9, 97), HOUR)}
    assert graded["breakout_rf"].hit is False and graded["vol_garch"].inside is False


def test_graded_entries_are_not_graded_again():
    # Given entries already graded (a later email, or a redelivered one, sees them again)
    entries = entries_from(PREDICTIONS, close=100.0, timeframe_ms=HOUR)
    done = [e.graded(Grade(actual=101.0, hit=True), 1) for e in entries]
    # Then nothing is gradable however many times the same candles are read
    assert gradable(done, candles(100, 101, 104, 101), HOUR) == []
    assert all(e.status == GRADED for e in done)


def entry(model: str, kind: str, at: int, grade_: Grade | None, **values) -> LedgerEntry:
    status = GRADED if grade_ is not None else OPEN
    return LedgerEntry(SERIES, at, kind, model, 3, at + 3 * HOUR, 100.0, status=status, grade=grade_, **values)


def test_the_live_record_counts_calls_errors_and_coverage_over_graded_entries_only():
    entries = [
        entry("breakout_rf", "breakout", T0, Grade(100.0, hit=True), probability=0.8),  # a call a breakout followed
        entry("breakout_rf", "breakout", T0 + HOUR, Grade(100.0, hit=False), probability=0.6),  # a call, none came
        entry("breakout_rf", "breakout", T0 + 2 * HOUR, Grade(100.0, hit=False), probability=0.1),  # no call
        entry("breakout_rf", "breakout", T0 + 3 * HOUR, None, probability=0.9),  # open: not counted
        entry("path_linear", "path", T0, Grade(100.0, error=2.0, persistence_error=3.0), price=1.0),
        entry("path_linear", "path", T0 + HOUR, Grade(200.0, error=2.0, persistence_error=2.0), price=1.0),
        entry("vol_garch", "interval", T0, Grade(100.0, inside=True), level=0.8, low=1.0, high=2.0),
        entry("vol_garch", "interval", T0 + HOUR, Grade(100.0, inside=False), level=0.8, low=1.0, high=2.0),
    ]
    records = live_records(entries)
    rf = records["breakout_rf"]
    assert (rf.n, rf.calls, rf.called_hits, rf.hits) == (3, 2, 1, 1)
    assert rf.brier == pytest.approx((0.2**2 + 0.6**2 + 0.1**2) / 3)
    assert rf.brier_reference == pytest.approx(1 / 3 * 2 / 3)
    path = records["path_linear"]
    assert path.n == 2 and path.mae_pct == pytest.approx((0.02 + 0.01) / 2)
    assert path.persistence_mae_pct == pytest.approx((0.03 + 0.01) / 2)
    garch = records["vol_garch"]
    assert (garch.n, garch.inside, garch.level) == (2, 1, 0.8)


def test_the_live_record_covers_only_the_most_recent_graded_entries():
    old_misses = [entry("vol_garch", "interval", T0 + i * HOUR, Grade(1.0, inside=False), level=0.8) for i in range(5)]
    recent_hits = [
        dataclasses.replace(e, candle_ts=e.candle_ts + 100 * HOUR, grade=Grade(1.0, inside=True)) for e in old_misses
    ]
    record = live_records(old_misses + recent_hits, window=5)["vol_garch"]
    assert (record.n, record.inside) == (5, 5)
