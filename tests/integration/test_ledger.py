"""The forecast ledger against the embedded AWS: NotifyFunction stores what it emailed and grades it later.

Signals with predictions (in the shape of ``Prediction.as_dict()``) are stored
through the real SignalStore and delivered from the Signals stream as the
event source mapping would; the ledger is the stack's LedgerTable.
"""

from __future__ import annotations

import pytest
from boto3.dynamodb.conditions import Key

from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.ledger import ForecastLedger
from crypto_advisor.adapters.signal_store import SignalStore
from crypto_advisor.analysis.closed_candle import analyze
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.contracts.ledger import GRADED, OPEN, Grade
from crypto_advisor.contracts.signal import Health, Signal
from crypto_advisor.forecast.prediction import Prediction
from crypto_advisor.local.outbox import verify_sender
from crypto_advisor.market.indicator_spec import WINDOW_CANDLES
from crypto_advisor.notify.grading import entries_from
from tests.integration.test_notify_function import BTC, HOUR, LAST, Notify, firing, ingested

HORIZON = 3


def with_predictions(signal: Signal) -> Signal:
    """The signal with a breakout, a path and an interval prediction at its candle, ``HORIZON`` candles ahead."""
    common = {
        "series": BTC.key,
        "candle_ts": signal.candle_ts,
        "horizon": HORIZON,
        "horizon_label": "3h",
        "n": 400,
        "folds": 2,
        "beats_baseline": False,
    }
    close = signal.close
    predictions = [
        Prediction(kind="breakout", model="breakout_rf", threshold_pct=3.0, probability=0.1, text="breakout", **common),
        Prediction(kind="path", model="path_linear", price=close * 1.002, text="path", **common),
        Prediction(kind="interval", model="vol_garch", level=0.8, low=close * 0.98, high=close * 1.02, text="interval",
                   **common),
    ]  # fmt: skip
    return signal.model_copy(update={"predictions": [p.as_dict() for p in predictions]})


def store(stack: Notify, ts: int, rule: str) -> Signal:
    """The analysis' signal at ``ts`` with one firing and predictions, stored as AnalyzeFunction stores it."""
    window = CandleStore(stack.deployed.table, hot_window=0).window(BTC, since_ts=ts - (WINDOW_CANDLES - 1) * HOUR)
    analysed = analyze(BTC, window, candle_ts=ts, now_ms=ts + HOUR + 60_000, rules=build_rules(None))
    signal = with_predictions(analysed.model_copy(update={"firings": [firing(rule)], "health": Health(healthy=True)}))
    assert SignalStore(stack.aws.resource("dynamodb").Table(stack.outputs["SignalsTableName"])).put_once(signal)
    return signal


def ledger_items(stack: Notify) -> dict[str, dict]:
    table = stack.aws.resource("dynamodb").Table(stack.outputs["LedgerTableName"])
    return {i["sk"]: i for i in table.query(KeyConditionExpression=Key("series").eq(BTC.key))["Items"]}


@pytest.fixture
def stack(deployed) -> Notify:
    """A stack with 240 BTC candles ingested and its sender verified."""
    notify = ingested(deployed)
    verify_sender(deployed.stack)
    return notify


@pytest.fixture
def first(stack: Notify) -> Signal:
    """An email with predictions, delivered: 10 candles before the newest."""
    signal = store(stack, LAST - 10 * HOUR, "rsi_oversold")
    assert stack.deliver() == [{"batchItemFailures": []}]
    return signal


def test_an_email_with_predictions_stores_each_one_open_in_the_ledger(stack, first):
    items = ledger_items(stack)
    assert len(stack.emails()) == 1
    assert sorted(items) == [
        f"{first.candle_ts:013d}#breakout#breakout_rf",
        f"{first.candle_ts:013d}#interval#vol_garch",
        f"{first.candle_ts:013d}#path#path_linear",
    ]
    for item in items.values():
        assert item["status"] == OPEN and int(item["due_ts"]) == first.candle_ts + HORIZON * HOUR
        assert float(item["close"]) == first.close


def test_a_later_email_grades_them_against_the_candles_and_quotes_the_live_record(stack, first):
    # When the series emails again, past the cooldown and the horizon
    second = store(stack, LAST - 2 * HOUR, "macd_cross")
    assert stack.deliver() == [{"batchItemFailures": []}]
    # Then the first email's predictions are graded against the stored candles, the second's are open
    items = ledger_items(stack)
    window = CandleStore(stack.deployed.table, hot_window=0).window(BTC, since_ts=first.candle_ts)
    closes = {c.ts: c.close for c in window}
    due = closes[first.candle_ts + HORIZON * HOUR]
    path = items[f"{first.candle_ts:013d}#path#path_linear"]
    assert path["status"] == GRADED and float(path["actual"]) == due
    assert float(path["error"]) == pytest.approx(abs(first.close * 1.002 - due))
    assert float(path["persistence_error"]) == pytest.approx(abs(first.close - due))
    interval = items[f"{first.candle_ts:013d}#interval#vol_garch"]
    assert interval["inside"] == (first.close * 0.98 <= due <= first.close * 1.02)
    highest = max(closes[first.candle_ts + k * HOUR] for k in range(1, HORIZON + 1))
    hit = highest >= first.close * 1.03
    assert items[f"{first.candle_ts:013d}#breakout#breakout_rf"]["hit"] == hit
    assert {i["status"] for sk, i in items.items() if sk.startswith(f"{second.candle_ts:013d}")} == {OPEN}
    # And the second email quotes each model's live record beside its prediction
    text = stack.emails()[-1].parsed().get_body(("plain",)).get_content()
    # (one graded prediction per model is no evidence: the record says so rather than quoting its figures)
    assert text.count("Live: too few graded predictions to judge (1 so far).") == 3  # breakout, path, interval


def test_the_ledger_writes_are_idempotent(stack, first):
    # Given the first email's entries, open in the ledger
    ledger = ForecastLedger(stack.aws.resource("dynamodb").Table(stack.outputs["LedgerTableName"]))
    entries = entries_from(first.predictions, close=first.close, timeframe_ms=HOUR)
    # When one is graded twice (a redelivery racing the first delivery) and all are put again (a re-sent email)
    assert ledger.mark_graded(entries[0], Grade(actual=1.0, hit=True), now_ms=1)
    assert not ledger.mark_graded(entries[0], Grade(actual=2.0, hit=False), now_ms=2)
    assert ledger.put_new(entries, now_ms=3) == 0
    # Then the first grade stands and nothing was reopened
    [read] = [e for e in ledger.read(BTC.key) if e.sk == entries[0].sk]
    assert read.status == GRADED and read.grade == Grade(actual=1.0, hit=True) and read.graded_at == 1
