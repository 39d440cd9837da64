"""The series page's live records say what the email says: no verdict from a prediction or two."""

from __future__ import annotations

from crypto_advisor.contracts.ledger import GRADED, Grade, LedgerEntry
from crypto_advisor.dashboard.series_view import live_answers
from crypto_advisor.notify.grading import live_records

HOUR = 3_600_000
T0 = 1_767_225_600_000  # 2026-01-01T00:00Z


def test_one_graded_prediction_reads_as_too_few_on_the_series_page():
    # Given one graded 24h path prediction, closer than no-change
    grade = Grade(100.0, error=1.1, persistence_error=1.2)
    entry = LedgerEntry(
        "kraken:BTC-USD:1h", T0, "path", "path_lstm", 24, T0 + 24 * HOUR, 100.0, price=1.0, status=GRADED, grade=grade
    )
    records = live_records([entry])
    # When the series page answers / Then it claims nothing from it
    [answer] = live_answers(records)
    assert (answer.model, answer.n) == ("path_lstm", 1)
    assert answer.text == "Live: too few graded predictions to judge (1 so far)."
