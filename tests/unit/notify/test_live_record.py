"""The live record states no more than its graded predictions show: enough independent ones, a test, no base-rate
credit (DESIGN, "Alert semantics": a claim about the past is significance-tested, otherwise there is no evidence)."""

from __future__ import annotations

from crypto_advisor.analysis.edge_verdicts import EDGE, NO_EVIDENCE, TOO_FEW, WORSE
from crypto_advisor.contracts.ledger import GRADED, Grade, LedgerEntry
from crypto_advisor.notify.format import live_record
from crypto_advisor.notify.grading import LIVE_T, MIN_JUDGED, live_records, non_overlapping

HOUR = 3_600_000
DAY = 24 * HOUR
T0 = 1_767_225_600_000  # 2026-01-01T00:00Z


def graded(kind: str, model: str, at: int, grade: Grade, **values) -> LedgerEntry:
    """A graded 24h prediction made at ``at``."""
    return LedgerEntry("kraken:BTC-USD:1h", at, kind, model, 24, at + DAY, 100.0, status=GRADED, grade=grade, **values)


def paths(errors: list[float], *, persistence: float = 1.0, spacing: int = DAY) -> list[LedgerEntry]:
    """Path predictions ``spacing`` apart, closing at 100, with these errors (and persistence's) in price units."""
    return [
        graded("path", "path_linear", T0 + i * spacing, Grade(100.0, error=e, persistence_error=persistence), price=1.0)
        for i, e in enumerate(errors)
    ]


def breakouts(outcomes: list[tuple[float, bool]]) -> list[LedgerEntry]:
    """Breakout predictions a day apart (no two share a candle): (probability, whether the breakout came)."""
    return [
        graded("breakout", "breakout_rf", T0 + i * DAY, Grade(100.0, hit=hit), threshold_pct=3.0, probability=p)
        for i, (p, hit) in enumerate(outcomes)
    ]


def test_one_graded_prediction_is_too_few_to_judge_and_claims_nothing():
    # Given one path prediction whose error (1.1%) was below no-change's (1.2%)
    record = live_records(paths([1.1], persistence=1.2))["path_linear"]
    # When it is worded / Then it says there is too little to judge, with no figure and no verdict
    assert live_record(record) == "Live: too few graded predictions to judge (1 so far)."
    assert record.verdict == TOO_FEW


def test_predictions_an_hour_apart_count_as_few_independent_ones():
    # Given 30 hourly 24h predictions (they share up to 23 of their 24 candles), each better than no-change
    record = live_records(paths([0.5] * 30, spacing=HOUR))["path_linear"]
    # Then only the non-overlapping ones count, and 2 are far short of a record
    assert live_record(record) == (
        "Live: too few graded predictions to judge (30 so far, only 2 of them non-overlapping)."
    )
    assert (record.n, record.independent) == (30, 2)


def test_a_small_gap_in_error_over_enough_predictions_is_no_evidence_of_skill():
    # Given 25 independent predictions whose mean error is a hair below no-change's, with much spread
    record = live_records(paths([0.4, 1.6, 0.8, 1.3, 0.6] * 5))["path_linear"]
    # Then the figures are stated, and the verdict is the test's: no evidence, never "better"
    assert live_record(record) == (
        "Live, over the last 25 graded predictions: MAE 0.9% vs no-change 1.0%;"
        " no evidence it beats no-change (t = 0.7)."
    )
    assert record.verdict == NO_EVIDENCE and record.independent == 25 >= MIN_JUDGED


def test_a_consistent_edge_over_enough_predictions_is_called_better_with_its_t():
    # Given 25 independent predictions each clearly closer than no-change
    record = live_records(paths([0.5, 0.6, 0.7, 0.4, 0.8] * 5))["path_linear"]
    # Then the record is better than no-change, and says on what t
    assert live_record(record).startswith(
        "Live, over the last 25 graded predictions: MAE 0.6% vs no-change 1.0%; better than no-change (t = "
    )
    assert record.verdict == EDGE and record.t is not None and record.t >= LIVE_T


def test_a_consistently_larger_error_is_called_worse():
    record = live_records(paths([1.5, 1.6, 1.7, 1.4, 1.8] * 5))["path_linear"]
    assert "; worse than no-change (t = -" in live_record(record)
    assert record.verdict == WORSE


def test_always_saying_no_breakout_gets_no_credit_for_the_base_rate():
    # Given a forecaster that always says P = 0.05, over 50 independent days of which 10 broke out
    record = live_records(breakouts([(0.05, i < 10) for i in range(50)]))["breakout_rf"]
    # Then it is not "40 of 50 called right": it made no call, and its Brier score is no better than the base rate's
    assert live_record(record) == (
        "Live, over the last 50 graded predictions: no breakout call (P >= 0.5); a breakout came 10 times;"
        " Brier 0.18 vs 0.16 for always the live frequency; no evidence it beats the base rate (t = -1.3)."
    )


def test_breakout_calls_are_read_by_how_often_a_breakout_followed_them():
    # Given 5 calls (P = 0.6) of which 2 were followed by a breakout, and 20 non-calls with 3 breakouts
    record = live_records(breakouts([(0.6, i < 2) for i in range(5)] + [(0.1, i < 3) for i in range(20)]))[
        "breakout_rf"
    ]
    # Then the calls' hits sit beside how often a breakout came at all
    assert "a breakout followed 2 of its 5 breakout calls (P >= 0.5) and 5 of all 25;" in live_record(record)


def test_an_interval_states_its_coverage_once_there_are_enough():
    inside = [
        graded("interval", "vol_garch", T0 + i * DAY, Grade(100.0, inside=i % 5 != 0), level=0.8, low=1.0, high=2.0)
        for i in range(25)
    ]
    assert live_record(live_records(inside)["vol_garch"]) == (
        "Live, over the last 25 graded predictions: the close fell inside 20 of 25 times (aims at 80%)."
    )
    assert live_record(live_records(inside[:3])["vol_garch"]) == (
        "Live: too few graded predictions to judge (3 so far)."
    )


def test_non_overlapping_keeps_the_oldest_then_each_one_made_at_or_after_the_kept_ones_due_candle():
    # Given 24h predictions made at 0h, 1h, 24h, 30h and 48h (newest first, as the ledger reads them)
    grade = Grade(100.0, error=1.0, persistence_error=1.0)
    entries = [graded("path", "path_linear", T0 + h * HOUR, grade, price=1.0) for h in (48, 30, 24, 1, 0)]
    # Then the kept ones are 0h, 24h (the first one's due candle) and 48h
    assert [(e.candle_ts - T0) // HOUR for e in non_overlapping(entries)] == [0, 24, 48]


def test_a_t_of_2_on_20_predictions_is_not_yet_evidence_as_on_a_large_sample():
    # Student's t with 19 degrees of freedom: t = 2.05 is p = 0.027, above the 0.0228 that t >= 2 means on a large
    # sample (the model cards' reading); t = 2.3 is p = 0.016, below it.
    from crypto_advisor.notify.grading import LiveRecord

    def record(t: float) -> LiveRecord:
        return LiveRecord(model="path_linear", kind="path", n=20, independent=20, t=t)

    assert record(2.05).verdict == NO_EVIDENCE and record(-2.05).verdict == NO_EVIDENCE
    assert record(2.3).verdict == EDGE and record(-2.3).verdict == WORSE
