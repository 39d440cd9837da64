"""A candle too small to trade on never emails, however rare for its coin: a pegged coin's wiggles are noise.

Rarity is measured on the coin's own history, so a stablecoin's 0.03% move reads "7.7 sigma" and the weekly budget
filled itself with such emails (2.2 a week on a USDC-like series). ``alert_budget.too_small`` holds back a candle that
moved less than 0.1% on a coin whose candles span less than that on average.
"""

from __future__ import annotations

import numpy as np

from crypto_advisor.analysis.alert_budget import MIN_MOVE, candidate_of, too_small
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.cli.alert_simulation import simulate
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.market_context import MarketContext
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import FiringRecord, Health, Rarity, Signal
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import AlertPolicy
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.notify.policy import Send, Suppress, decide
from tests.unit.notify.conftest import firing as make_firing

T0 = 1_793_394_000_000
SERIES = Series.parse("kraken:USDC-USD:1h")
POLICY = AlertPolicy(recipients=("me@example.com",))


def firing(rule: str = "bb_breakout", score: float = 500.0) -> FiringRecord:
    """A strong bearish firing, as rare as ``score`` candles."""
    rarity = Rarity(score=score, measure="range", words=f"the lowest close in {score:g} hours")
    return make_firing(rule, direction="bearish", severity=3, rarity=rarity)


def signal(move: float | None, atr_pct: float | None, *firings: FiringRecord, close: float = 1.0) -> Signal:
    """A healthy signal whose candle moved ``move`` (a fraction) on a coin whose ATR is ``atr_pct`` of the close."""
    return Signal(
        series=SERIES.key,
        candle_ts=T0,
        close=close,
        firings=list(firings or (firing(),)),
        indicators={"atr_14": atr_pct * close if atr_pct is not None else None},
        market=MarketContext(move=move, move_sigma=7.7) if move is not None else None,
        health=Health(healthy=True),
        analyzed_at=T0 + HOUR_MS,
    )


def test_a_pegged_coins_rare_wiggle_is_held_back_and_says_why_in_numbers():
    # Given a rare, strong firing on a candle that moved 0.03% on a coin whose candles span 0.012% on average
    wiggle = signal(-0.0003, 0.00012)
    # When the policy decides, with no rarity bar in its way
    decision = decide(wiggle, POLICY, [], bar=0.0)
    # Then no email: it is too small to trade on, and the log says how small against what
    assert isinstance(decision, Suppress) and decision.reason == "too_small"
    assert decision.detail == (
        "too small to trade on: the candle moved 0.03% and its candles span 0.012% on average (ATR 14), "
        "under the 0.1% an alert needs"
    )
    # and the budget's calibration does not count it as a candidate either
    assert candidate_of(wiggle, POLICY) is None


def test_a_move_of_the_floor_or_a_lively_coins_quiet_candle_still_emails():
    # Given the peg breaking by 0.1%, and a quiet candle (0.03%) of a coin whose candles span 0.5% (a cross on BTC)
    for alive in (signal(-MIN_MOVE, 0.00012), signal(-0.0003, 0.005)):
        # Then each emails as before
        assert isinstance(decide(alive, POLICY, [], bar=0.0), Send)
        assert too_small(alive) is None and candidate_of(alive, POLICY) is not None


def test_a_signal_without_its_move_or_range_is_judged_as_before():
    # Given a signal stored before the move and the ATR were kept (neither measured)
    old = signal(None, None)
    # Then nothing holds it back for its size
    assert too_small(old) is None and isinstance(decide(old, POLICY, [], bar=0.0), Send)
    # and one that kept only its ATR is judged by it alone
    assert too_small(signal(None, 0.0002)) is not None and too_small(signal(None, 0.002)) is None


def test_the_users_own_condition_emails_a_pegged_candle_all_the_same():
    # Given a watchlist whose USDC series asks to hear of any close under 0.9999, and a 0.02% dip that crosses it
    watchlist = parse_watchlist(
        "series:\n  - source: kraken\n    symbol: USDC/USD\n    timeframe: 1h\n    conditions:\n"
        "      - name: dip\n        when: close < 0.9999\nalerts:\n  recipients: [me@example.com]\n"
    )
    watched = watchlist.series[0]
    asked = signal(-0.0002, 0.0001, firing("condition:dip", score=1.0))
    # When the policy decides
    decision = decide(asked, watched.alerts, [], bar=0.0, conditions=watched.conditions)
    # Then the user gets what they asked for
    assert isinstance(decision, Send) and decision.rules == ("condition:dip",)


def pegged(seed: int, n: int, wiggle: float) -> list[Candle]:
    """Hourly candles around 1.0 whose closes wiggle by about ``wiggle`` (a fraction), then a 3% break of the peg."""
    rng = np.random.default_rng(seed)
    closes = 1.0 + wiggle * np.clip(rng.standard_normal(n), -3, 3)
    closes[-20:] = 0.97 - 0.002 * np.arange(20)  # the peg breaks and keeps sliding
    candles, before = [], 1.0
    for i, close in enumerate(closes.tolist()):
        body_high, body_low = max(before, close), min(before, close)
        spread = wiggle / 4
        volume = float(rng.lognormal(10, 0.5))
        candles.append(Candle(T0 + i * HOUR_MS, before, body_high + spread, body_low - spread, close, volume))
        before = close
    return candles


def test_a_replayed_stablecoin_emails_only_when_its_peg_breaks():
    # Given 1,000 hourly candles of a coin pegged to 1.0 that wiggles by about 0.01%, then breaks its peg by 3%;
    # and the same market wiggling 100 times as much (1%), which the same rules do email about
    rules = build_rules(parse_watchlist("series:\n  - source: kraken\n    symbol: USDC/USD\n    timeframe: 1h\n").rules)
    calm, lively = pegged(3, 1_000, 0.0001), pegged(3, 1_000, 0.01)
    # When the live analysis and policy run over them, as make alert-quality does
    calm_emails = simulate(SERIES, calm, rules, POLICY).emails
    lively_emails = simulate(SERIES, lively, rules, POLICY).emails
    # Then the pegged coin's wiggles emailed nothing (they are as rare for it as the lively coin's are for that one,
    # which emailed), and the break of the peg did
    broke = calm[-20].ts
    assert [e for e in lively_emails if e.ts < broke]
    assert not [e for e in calm_emails if e.ts < broke]
    assert [e for e in calm_emails if e.ts >= broke]
