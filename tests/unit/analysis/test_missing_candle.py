"""No Signal without its candle: an update whose candle is not stored (yet) fails, to be retried, and stores nothing.

Before issue 11 such an update stored a Signal with a NaN close (``null`` in
JSON) for good, which then failed the notifier on every retry.
"""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from crypto_advisor.analysis.closed_candle import CandleNotInWindow, analyze
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.analysis.service import analyze_update
from crypto_advisor.contracts.signal import Health, Signal
from crypto_advisor.market.indicator_spec import IndicatorParams
from crypto_advisor.market.indicators import indicator_frame
from tests.fakes.analysis import News, Signals
from tests.fakes.candles import FakeCandles
from tests.unit.analysis.test_analyze_news import CANDLES, CLOSE, LAST, SERIES, UPDATE


@pytest.mark.parametrize(
    "stored",
    [pytest.param([], id="empty-window"), pytest.param(CANDLES[:-1], id="table-behind-the-stream")],
)
def test_an_update_whose_candle_is_not_stored_fails_and_stores_nothing(stored):
    # Given a Candles table without the candle the update names (none at all, or only the ones before it)
    signals, news = Signals(), News()

    # When the update is analysed
    with pytest.raises(CandleNotInWindow, match=f"candle {LAST} of {SERIES.key} is not stored"):
        analyze_update(UPDATE, candles=FakeCandles(stored), signals=signals, rules=build_rules(), news=news)

    # Then no Signal was stored (the stream retries the record), and nothing else was read for it
    assert signals.stored == [] and news.asked == []


def test_the_pure_analysis_refuses_a_window_without_the_candle_too():
    # Given / When the replay's entry point is handed a window that stops before the candle / Then it refuses
    with pytest.raises(CandleNotInWindow):
        analyze(SERIES, CANDLES[:-1], candle_ts=LAST, now_ms=CLOSE, rules=build_rules())


#: The candle before the last: a window cut there ends one candle before CANDLES does.
BEFORE = CANDLES[-2].ts


@pytest.mark.parametrize(
    ("candle_ts", "frame_of", "params", "says"),
    [
        pytest.param(LAST, CANDLES, IndicatorParams(bb=(10, 2.5)), "with other parameters", id="other-parameters"),
        pytest.param(LAST, CANDLES[:-1], None, f"not that of the window cut at candle {LAST}", id="previous-frame"),
        pytest.param(BEFORE, CANDLES, None, f"not that of the window cut at candle {BEFORE}", id="window-not-cut"),
    ],
)
def test_a_shared_indicator_frame_of_another_window_or_parameters_is_refused(candle_ts, frame_of, params, says):
    # Given the stored window and an indicator frame the caller shares that is not the frame of that window cut at
    # the candle: built with other parameters (Bollinger bands, whose column names do not say their period), one
    # candle short (the previous update's), or of a window that goes past the candle
    shared = indicator_frame(frame_of, params or IndicatorParams())
    # When the candle is analysed with it / Then the analysis refuses, naming the mismatch, rather than judge one
    # market and report another
    with pytest.raises(ValueError, match=says):
        analyze(SERIES, CANDLES, candle_ts=candle_ts, now_ms=CLOSE, rules=build_rules(), indicators=shared)


@pytest.mark.parametrize("close", [math.nan, math.inf, 0.0, -1.0])
def test_a_signal_cannot_be_made_without_a_real_close(close):
    # Given / When a Signal is built with a close that is no candle's / Then the contract refuses it
    with pytest.raises(ValidationError, match="close"):
        Signal(series=SERIES.key, candle_ts=LAST, close=close, health=Health(healthy=True), analyzed_at=CLOSE)
