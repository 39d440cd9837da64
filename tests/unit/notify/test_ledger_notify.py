"""The notifier and the forecast ledger: predictions stored when emailed, graded by a later email, never in the way.

The ledger fake keeps the real adapter's conditions (put only if absent,
grade only if open); the adapter itself runs against the embedded AWS in
tests/integration/test_ledger.py.
"""

from __future__ import annotations

import pytest

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.ledger import GRADED, OPEN
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.watchlist import AlertPolicy, WatchedSeries
from crypto_advisor.notify.format import email_content
from crypto_advisor.notify.outcomes import AlreadyDecided, Sent
from crypto_advisor.notify.render import render_email
from crypto_advisor.notify.service import Notifier
from tests.fakes.candles import FakeCandles
from tests.fakes.notify import FakeFigures, FakeLedger, FakeLog, FakeMailer, FakeWatchlist, RecordingRenderer
from tests.unit.notify.conftest import HOUR, SERIES
from tests.unit.notify.test_service import NOW, SENDER

HORIZON = 2
POLICY = AlertPolicy(recipients=("me@example.com",), min_severity=1, cooldown_ms=HOUR)


def predictions_at(signal: Signal, *, skilled: bool = False) -> list[dict]:
    """The four predictions of a model set at the signal's candle (shape of ``Prediction.as_dict()``)."""
    common = {
        "series": SERIES.key,
        "candle_ts": signal.candle_ts,
        "horizon": HORIZON,
        "horizon_label": "2h",
        "n": 400,
        "folds": 2,
    }
    close = signal.close
    return [
        {**common, "kind": "breakout", "model": "breakout_rf", "threshold_pct": 3.0, "probability": 0.2,
         "beats_baseline": False, "headline": False, "text": "P(+3% within 2h) = 0.20; shown for information only"},
        {**common, "kind": "path", "model": "path_linear", "price": close * 1.01, "path": [close, close * 1.01],
         "beats_baseline": skilled, "headline": skilled, "text": f"2h: {close * 1.01:.0f} by the linear model"},
        {**common, "kind": "path", "model": "path_lstm", "price": close * 0.99, "path": [close, close * 0.99],
         "beats_baseline": False, "headline": False, "text": f"2h: {close * 0.99:.0f} by the LSTM"},
        {**common, "kind": "interval", "model": "vol_garch", "level": 0.8, "low": close * 0.97, "high": close * 1.03,
         "beats_baseline": False, "headline": False, "text": "80% interval for 2h (GARCH volatility)"},
    ]  # fmt: skip


@pytest.fixture
def signal(fired) -> Signal:
    signal = fired[1]
    return signal.model_copy(update={"predictions": predictions_at(signal)})


@pytest.fixture
def parts(market_candles):
    return {
        "watchlist": FakeWatchlist(WatchedSeries(series=SERIES, backfill_candles=720, alerts=POLICY)),
        "log": FakeLog(),
        "candles": FakeCandles(market_candles),
        "figures": FakeFigures(),
        "mailer": FakeMailer(),
        "render": RecordingRenderer(),
        "ledger": FakeLedger(),
    }


def notifier(parts) -> Notifier:
    return Notifier(sender=SENDER, **parts)


def later(signal: Signal, market_candles: list[Candle], hours: int) -> Signal:
    """The same firings ``hours`` later, at that candle's close, with its own predictions."""
    at = signal.candle_ts + hours * HOUR
    close = next(c.close for c in market_candles if c.ts == at)
    moved = signal.model_copy(
        update={"candle_ts": at, "close": close, "analyzed_at": signal.analyzed_at + hours * HOUR}
    )
    return moved.model_copy(update={"predictions": predictions_at(moved)})


def test_an_emailed_signal_puts_each_prediction_in_the_ledger_open(parts, signal):
    outcome = notifier(parts).notify(signal, now_ms=NOW)
    assert isinstance(outcome, Sent) and outcome.recorded == 4
    entries = parts["ledger"].items.values()
    assert {(e.model, e.status, e.due_ts, e.close) for e in entries} == {
        (m, OPEN, signal.candle_ts + HORIZON * HOUR, signal.close)
        for m in ("breakout_rf", "path_linear", "path_lstm", "vol_garch")
    }


def test_a_later_email_grades_due_predictions_and_shows_the_live_record(parts, signal, market_candles):
    # Given an email with predictions at t (horizon 2)
    notifier(parts).notify(signal, now_ms=NOW)
    # When the series emails again 3 candles later
    outcome = notifier(parts).notify(later(signal, market_candles, 3), now_ms=NOW + 3 * HOUR)
    # Then the first email's predictions are graded against the real closes, and the live record is in the email
    assert isinstance(outcome, Sent) and outcome.graded == 4
    due = next(c.close for c in market_candles if c.ts == signal.candle_ts + HORIZON * HOUR)
    linear = parts["ledger"].items[(SERIES.key, f"{signal.candle_ts:013d}#path#path_linear")]
    assert linear.status == GRADED and linear.grade.actual == due
    assert linear.grade.error == pytest.approx(abs(signal.close * 1.01 - due))
    assert linear.grade.persistence_error == pytest.approx(abs(signal.close - due))
    view = parts["render"].views[-1]
    assert set(view.live_records) == {"breakout_rf", "path_linear", "path_lstm", "vol_garch"}
    text = parts["mailer"].messages()[-1].get_body(("plain",)).get_content()
    assert text.count("Live: too few graded predictions to judge (1 so far).") == 4  # one per model, no verdict


def test_predictions_not_yet_due_are_left_open(parts, signal, market_candles):
    notifier(parts).notify(signal, now_ms=NOW)
    outcome = notifier(parts).notify(later(signal, market_candles, 1), now_ms=NOW + HOUR)
    assert outcome.graded == 0 and parts["render"].views[-1].live_records == {}


def test_a_redelivered_email_grades_and_records_nothing_again(parts, signal, market_candles):
    # Given the later email sent once (grading the first one's predictions)
    notifier(parts).notify(signal, now_ms=NOW)
    second = later(signal, market_candles, 3)
    notifier(parts).notify(second, now_ms=NOW + 3 * HOUR)
    before = dict(parts["ledger"].items)
    # When its stream record is delivered again
    again = notifier(parts).notify(second, now_ms=NOW + 3 * HOUR + 1_000)
    # Then nothing is sent, graded or stored
    assert isinstance(again, AlreadyDecided)
    assert parts["ledger"].items == before and len(parts["mailer"].sent) == 2


def test_an_unreadable_ledger_does_not_hold_back_the_email(parts, signal):
    # Given a ledger that fails every call
    parts["ledger"].fail = StorageError("ProvisionedThroughputExceededException")
    # When a signal with predictions is handled
    outcome = notifier(parts).notify(signal, now_ms=NOW)
    # Then the email went out once, the log says sent, and the outcome carries both ledger failures as notes
    assert isinstance(outcome, Sent) and len(parts["mailer"].sent) == 1
    assert parts["log"].items[(signal.series, signal.candle_ts)]["status"] == "sent"
    assert [n.split(":")[0] for n in outcome.notes] == ["forecast ledger unreadable", "forecast ledger write failed"]
    assert outcome.recorded == 0


def test_a_model_without_skill_is_never_the_first_prediction_and_says_so(make_view, fired):
    # Given predictions where only the linear path (listed second) beats its baseline
    predictions = predictions_at(fired[1], skilled=True)
    # When the email content is worded
    items = email_content(make_view({"predictions": predictions})).predictions
    # Then the skilled linear path leads, and every other one is for information only
    assert items[0].skilled and items[0].headline and "linear model" in items[0].text
    assert all(not i.skilled and "for information only" in i.text for i in items[1:])


def test_with_no_skilled_model_nothing_is_emphasised(make_view, fired):
    # Given predictions none of whose models beat their baselines / When the email is rendered
    html = render_email(make_view({"predictions": predictions_at(fired[1], skilled=False)})).html
    # Then none is bold, and each says it is for information only
    assert "<strong>2h:" not in html and "<strong>P(+3%" not in html and "<strong>80%" not in html
    assert html.count("for information only") == 4
