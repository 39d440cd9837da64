"""``make alert-quality``'s headline test on pairs that mostly do not move: an unchanged close is half a hit, for
the emails and for the base rate alike (so emails sent when a thin pair trades cannot beat its quiet hours)."""

from __future__ import annotations

import numpy as np
import pytest

from crypto_advisor.analysis.edge_verdicts import EDGE, WORSE
from crypto_advisor.cli.alert_simulation import measure
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.training.email_record import Email, Simulation
from tests.unit.analysis.test_flat_moves import thin_market

HOUR = 3_600_000
SERIES = Series.parse("kraken:THIN-USD:1h")


def simulation(closes: np.ndarray, emails: list[tuple[int, str]], first: int = 50) -> Simulation:
    """A simulation over hourly ``closes`` whose directional emails are at ``(candle index, direction)``."""
    candles = [Candle(i * HOUR, c, c, c, c, 1.0) for i, c in enumerate(closes.tolist())]
    sent = [Email(candles[i].ts, i, "bb_breakout", d, "", ("bb_breakout",)) for i, d in emails]
    return Simulation(SERIES, candles, first_index=first, emails=sent, analysed=len(candles) - first)


def test_the_headline_hit_and_base_rate_count_an_unchanged_close_as_half():
    # Given closes that go flat, up, flat, down, over and over, and one bullish email followed by an unchanged close
    closes = np.tile([100.0, 100.0, 101.0, 101.0], 100)
    # When the headlines are measured
    skill = measure(simulation(closes, [(200, "bullish")]))["headline"]["skill"]
    # Then 1 candle later the email is half right (it read 0%) against a base of 1 up and 2 halves in 4 (it read
    # 25%), and 4 candles later, every close unchanged, a coin toss both (it read 0% against 0%)
    assert (skill["1"]["hit_rate"], skill["1"]["base_rate"]) == (0.5, 0.5)
    assert (skill["4"]["hit_rate"], skill["4"]["base_rate"]) == (0.5, 0.5)


def test_headlines_without_an_edge_on_a_mostly_flat_pair_are_not_better_than_chance():
    # Given a pair flat on 80% of its candles, and an email in a random direction on the first candle that moved a
    # day or more after the previous email
    closes, ticks = thin_market(seed=1, n=20_000)
    rng = np.random.default_rng(1)
    emails: list[tuple[int, str]] = []
    for i in np.nonzero(ticks)[0].tolist():
        if i >= 50 and (not emails or i >= emails[-1][0] + 24):
            emails.append((i, "bullish" if rng.random() < 0.5 else "bearish"))
    # When the headlines are measured
    skill = measure(simulation(closes, emails))["headline"]["skill"]
    # Then they were right about as often as any candle's coin toss (1 candle later they read 45% against a 10% base
    # rate, t = 13: "better than chance" at every horizon), and the report finds no edge at any horizon
    assert skill["1"]["n"] > 300 and skill["1"]["base_rate"] == pytest.approx(0.5, abs=0.01)
    assert skill["1"]["hit_rate"] == pytest.approx(skill["1"]["base_rate"], abs=0.06)
    assert all(figures["verdict"] not in (EDGE, WORSE) for figures in skill.values())
    assert all("better than chance" not in figures["reading"] for figures in skill.values())
