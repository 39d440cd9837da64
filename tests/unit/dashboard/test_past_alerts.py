"""How the series' past alerts fared (the replay report's ``email_record``), on the series page and in a re-rendered
email, in the alert email's own words.

The series page reads the replay report once for the rules' records and the email record; each is read apart, so
a malformed one (a newer or broken training run wrote it) is left out with a note and the other is still shown, as
the notifier does for the email it sends. A re-rendered email (sent before the archive began) quotes the record as
a sent one does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.decisions import Decision
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.dashboard.alert_history import alert_id
from crypto_advisor.dashboard.service import Dashboard
from crypto_advisor.notify.format import email_record_words
from crypto_advisor.notify.replay_figures import email_record
from crypto_advisor.notify.text import PAST_ALERTS_TITLE
from crypto_advisor.notify.view import EmailRecord
from tests.unit.notify.conftest import bare_signal, firing
from tests.unit.notify.test_email_record import horizon, ltc

WATCHLIST = parse_watchlist("series:\n  - {source: kraken, symbol: BTC/USD}\n")
BTC = WATCHLIST.series[0].series
HOUR = BTC.timeframe_ms
SIGNAL = bare_signal([firing()])
#: the series' newest candle: the alert's own
CURSOR = SIGNAL.candle_ts
#: RSI oversold's record as the training run writes it: 37 firings with an outcome 24 candles later
RULES = [{"rule_id": "rsi_oversold", "horizons": {"24": {"n": 37, "hit_rate": 0.58, "base_rate": 0.51}}}]


def replay_report(**changes: Any) -> dict[str, Any]:
    """A replay report with RSI oversold's record and LTC's email record (test_email_record's), unless changed."""
    return {"replayed": 2_000, "rules": RULES, "email_record": ltc(), **changes}


def worded(record: EmailRecord | None) -> str | None:
    """The email's own sentence for ``record`` on BTC/USD 1h (what a sent alert email quotes)."""
    assert record is not None
    return email_record_words(record, BTC.label, HOUR)


class Figures:
    """The replay reports in S3: ``report`` (None: none written yet), every read counted."""

    def __init__(self, report: dict[str, Any] | None) -> None:
        self.report = report
        self.reads = 0

    def read(self, series: Series) -> dict[str, Any] | None:
        self.reads += 1
        return self.report


class Stores:
    """Every other store: the one alert's signal and its sent decision, no candles, cards, ledger or news."""

    def window(self, series: Series, *, since_ts: int = 1, cursor: int | None = None) -> list[Candle]:
        return []

    def cursor(self, series: Series) -> int | None:
        return CURSOR

    def cursors(self, series: Sequence[Series]) -> dict[str, int | None]:
        return {s.key: CURSOR for s in series}

    def between(self, series: str, since_ts: int, until_ts: int) -> list[Signal]:
        return []

    def latest(self, series: str, until_ts: int) -> Signal | None:
        return SIGNAL

    def at(self, series: str, candle_ts: int) -> Signal | None:
        return SIGNAL if (series, candle_ts) == (SIGNAL.series, SIGNAL.candle_ts) else None

    def page(self, key: str, *, before_ts: int, limit: int) -> list[Decision]:
        return []

    def get(self, key: str, candle_ts: int) -> Decision | None:
        return Decision(key=key, candle_ts=candle_ts, status="sent", rules=("rsi_oversold",))

    def served_cards(self, series: Series) -> tuple[Sequence[Any], None]:
        return (), None

    def read(self, series: str) -> list[Any]:  # the forecast ledger
        return []

    def recent(self, coin: str, since_ms: int, until_ms: int) -> list[Any]:
        return []


def board(figures: Figures) -> Dashboard:
    stores = Stores()
    return Dashboard(
        watchlist=lambda: WATCHLIST,
        candles=stores,
        signals=stores,
        decisions=stores,
        figures=figures,
        models=stores,
        ledger=stores,
        news=stores,
        clock_ms=lambda: CURSOR + 2 * HOUR,
    )


# --- the series page ---------------------------------------------------------------------------


def test_the_series_page_says_how_past_alerts_fared_in_the_emails_words_from_the_one_read_of_the_report():
    # Given a replay report with the rules' records and the email record
    figures = Figures(replay_report())
    # When the series page is asked for
    detail = board(figures).series(BTC.key, days=7)
    # Then it quotes the alert email's own sentence, the rules' records beside it, from one read of the report
    assert detail.past_alerts == worded(email_record(replay_report()))
    assert detail.past_alerts is not None
    assert detail.past_alerts.startswith("With your settings, 592 alerts would have been emailed on BTC/USD 1h")
    assert [r.rule for r in detail.rule_records] == ["rsi_oversold"]
    assert (figures.reads, detail.notes) == (1, [])


@pytest.mark.parametrize(
    "report",
    [
        pytest.param(None, id="no replay report yet"),
        pytest.param({"replayed": 2_000, "rules": RULES}, id="a report written before emails were judged"),
        pytest.param(replay_report(email_record=None), id="a null record"),
        pytest.param(
            replay_report(email_record={**ltc(), "horizons": {"1": horizon(0, blocks=0, hit_rate=None)}}),
            id="no horizon with an outcome",
        ),
    ],
)
def test_a_series_without_an_email_record_to_quote_has_none_and_no_note(report: dict[str, Any] | None):
    detail = board(Figures(report)).series(BTC.key, days=7)
    assert (detail.past_alerts, detail.notes) == (None, [])


def test_a_malformed_email_record_is_left_out_with_a_note_naming_it_and_the_rules_records_are_still_shown():
    # Given an email record whose 4-candle hit rate is a percentage, not a share
    malformed = ltc()
    malformed["horizons"]["4"]["hit_rate"] = 47.3
    # When the series page is asked for
    detail = board(Figures(replay_report(email_record=malformed))).series(BTC.key, days=7)
    # Then it quotes no record, says why, and still shows the rules' records
    assert detail.past_alerts is None
    assert detail.notes == [
        "past alerts unreadable: email_record.horizons['4'].hit_rate is 47.3, not a share in [0, 1]"
    ]
    assert [r.rule for r in detail.rule_records] == ["rsi_oversold"]


def test_malformed_rule_records_are_left_out_with_a_note_and_the_past_alerts_are_still_shown():
    # Given a report whose rules are not a list (the email record is well formed)
    detail = board(Figures(replay_report(rules="rsi_oversold"))).series(BTC.key, days=7)
    # Then the page still answers: no rules' records, a note saying why, and the past alerts quoted
    assert detail.rule_records == []
    assert len(detail.notes) == 1 and detail.notes[0].startswith(
        "rule records unreadable: replay report has no 'rules'"
    )
    assert detail.past_alerts == worded(email_record(replay_report()))


# --- the re-rendered email ---------------------------------------------------------------------


def test_a_re_rendered_email_quotes_how_past_alerts_fared_as_a_sent_one_does():
    # Given an alert sent before the archive began, and the series' replay report with its email record
    page = board(Figures(replay_report()))
    # When the Alerts page opens its email
    answer = page.email(alert_id(SIGNAL.series, SIGNAL.candle_ts))
    # Then the re-rendering has the email's section, in both parts, in the email's words
    said = worded(email_record(replay_report()))
    assert answer.source == "re-rendered" and said is not None
    assert f"{PAST_ALERTS_TITLE.upper()}\n" in answer.text and said in answer.text
    assert PAST_ALERTS_TITLE in answer.html and said in answer.html


def test_a_re_rendered_email_with_a_malformed_email_record_still_answers_and_says_what_was_left_out():
    # Given a replay report whose email record is not a mapping
    answer = board(Figures(replay_report(email_record="nope"))).email(alert_id(SIGNAL.series, SIGNAL.candle_ts))
    # Then the email is re-rendered without the section, with the rules' records, and the note says why
    assert PAST_ALERTS_TITLE.upper() not in answer.text
    assert "past alerts unreadable: email_record is 'nope', not a mapping" in answer.note
