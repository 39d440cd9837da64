"""The snapshot's Volume row says what the volume spike rule says: one baseline, one ratio, one way to write volumes.

The rule judges a candle's volume against the average of the 20 candles before it; a row that averaged the candle in
too once put "4.57x" under a rule sentence saying "5.8x" in the same email, and "1,168,015,502,414" beside "3.18T".
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace

import pytest

from crypto_advisor.analysis.closed_candle import analyze
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.market.indicator_spec import WINDOW_CANDLES
from crypto_advisor.notify.format import snapshot
from crypto_advisor.notify.render import render_email
from crypto_advisor.notify.view import AlertView
from tests.conftest import REPO

from .conftest import HOUR, SERIES, bare_signal

RULE = re.compile(r"Volume (\S+) was ([\d.]+)x its 20-candle average of (\S+),")
ROW = re.compile(r"Volume: (\S+) \(([\d.]+)x the average of the 20 candles before it, (\S+)\)")


def spiking(candles: list[Candle], scale: float) -> list[Candle]:
    """A full analysis window whose volumes are ``scale`` times the market's, the last one 6x the 20 before it."""
    window = [replace(c, volume=(c.volume or 0.0) * scale) for c in candles[-WINDOW_CANDLES:]]
    before = sum(c.volume or 0.0 for c in window[-21:-1]) / 20
    return [*window[:-1], replace(window[-1], volume=6 * before)]


def email_of(window: list[Candle]) -> str:
    signal = analyze(SERIES, window, candle_ts=window[-1].ts, now_ms=window[-1].ts + HOUR, rules=build_rules(None))
    view = AlertView(signal=signal, series=SERIES, firings=tuple(signal.active_firings), candles=tuple(window))
    return render_email(view, chart=False).text


@pytest.mark.parametrize("scale", [1.0, 1e6, 1e11])
def test_the_volume_row_and_the_spike_rule_quote_one_ratio_one_average_and_one_volume(market_candles, scale):
    # Given a volume spike on a coin trading tens of units, tens of millions, or trillions (a micro-priced coin)
    text = email_of(spiking(market_candles, scale))
    # When the email quotes the rule's sentence and the snapshot's Volume row
    rule, row = RULE.search(text), ROW.search(text)
    assert rule is not None and row is not None, text
    # Then both read the same volume and the same average, and the row's ratio is the rule's, to two decimals
    assert row.group(1) == rule.group(1) and row.group(3) == rule.group(3)
    assert float(rule.group(2)) == pytest.approx(float(row.group(2)), abs=0.05)
    assert row.group(2) == "6.00"


def test_a_trillion_unit_volume_reads_in_trillions_not_in_thirteen_digits(market_candles):
    # Given a micro-priced coin's volumes in the trillions
    text = email_of(spiking(market_candles, 1e11))
    row = ROW.search(text)
    # Then the row reads like the rule's sentence
    assert row is not None and row.group(1).endswith("T") and len(row.group(1)) <= 7


def volume_row(candles: list[Candle]) -> tuple[str, str]:
    signal = bare_signal([], candle_ts=candles[-1].ts)
    view = AlertView(signal=signal, series=SERIES, firings=(), candles=tuple(candles))
    fact = next(f for f in snapshot(view) if f.label == "Volume")
    return fact.value, fact.note


def test_a_missing_volume_among_the_candles_before_leaves_no_ratio_as_the_rule_does(market_candles):
    # Given a window where one of the 20 candles before the last has no volume (the rule skips such a candle)
    window = list(market_candles[-30:])
    window[-4] = replace(window[-4], volume=None)
    # Then the row shows the volume and says why there is no ratio, rather than one over 19 candles
    value, note = volume_row(window)
    assert value != "missing"
    assert note == "no average of the 20 candles before it: 1 of them has no volume"


def test_a_young_series_says_how_little_history_there_is(market_candles):
    # Given only 6 candles of history before the last
    _, note = volume_row(list(market_candles[:7]))
    assert note == "no average of the 20 candles before it yet: only 6 candles of history"


def test_the_snapshots_words_load_no_pandas():
    # DashboardFunction words its overview with snapshot() and ships without pandas: the rules' package loads it
    probe = "import sys; import crypto_advisor.notify.format; print('pandas' in sys.modules)"
    done = subprocess.run(  # noqa: S603 - our own interpreter on our own probe
        [sys.executable, "-c", probe], cwd=REPO / "shared", capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
