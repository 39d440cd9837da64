"""The alert budget: the rarity bar is set on the series' own history so the emails fit the weekly budget."""

from __future__ import annotations

import re

import numpy as np
import pytest

from crypto_advisor.analysis.alert_budget import (
    BUDGET_FILL,
    AlertBar,
    Candidate,
    Rarest,
    calibrate,
    candidate_of,
    current_bar,
    default_bar,
    floor_candles,
    over_budget,
    simulate,
)
from crypto_advisor.contracts.market_context import MarketContext
from crypto_advisor.contracts.signal import FiringRecord, Health, Rarity, Signal
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS, WEEK_MS
from crypto_advisor.contracts.watchlist import AlertPolicy

HOUR = HOUR_MS


def history(weeks: int, per_day: int, seed: int = 3) -> list[Candidate]:
    """``per_day`` firing candles a day whose scores are record lengths of a random walk (heavy-tailed, like real)."""
    rng = np.random.default_rng(seed)
    out = []
    for day in range(weeks * 7):
        for k in range(per_day):
            ts = day * DAY_MS + int(rng.integers(0, 24)) * HOUR
            score = float(min(720, int(1 / max(rng.random(), 1e-9))))  # P(score >= s) ~ 1/s: records of a random walk
            out.append(Candidate(ts + k, {rng.choice(["fib_cross", "macd_cross", "volume_spike"]): score}))
    return out


def rate(candidates, bar, weeks, cap=3):
    return len(simulate(candidates, bar, cooldown_ms=6 * HOUR, weekly_cap=cap)) / weeks


def test_the_calibrated_bar_sends_at_most_the_aimed_share_of_the_budget_on_its_history():
    candidates = history(weeks=26, per_day=12)
    bar = calibrate(
        candidates, span_ms=26 * WEEK_MS, timeframe_ms=HOUR, max_per_week=3, cooldown_ms=6 * HOUR, weekly_cap=3
    )
    assert bar.source == "calibrated" and bar.weeks == 26
    assert rate(candidates, bar.score, 26) <= 3 * BUDGET_FILL
    # ... and it is the lowest such bar among the scores that occur: one step lower sends more than the aim.
    lower = max(c for cand in candidates for c in cand.scores.values() if c < bar.score)
    assert lower < floor_candles(HOUR) or rate(candidates, lower, 26) > 3 * BUDGET_FILL


def test_a_bigger_budget_lowers_the_bar_and_never_below_the_floor():
    candidates = history(weeks=26, per_day=12)
    kwargs = {"span_ms": 26 * WEEK_MS, "timeframe_ms": HOUR, "cooldown_ms": 6 * HOUR, "weekly_cap": 50}
    tight = calibrate(candidates, max_per_week=1, **kwargs)
    loose = calibrate(candidates, max_per_week=20, **kwargs)
    lavish = calibrate(candidates, max_per_week=168, **kwargs)
    assert tight.score > loose.score >= lavish.score == floor_candles(HOUR) == 48


def test_too_little_history_keeps_the_default_bar_of_two_weeks():
    bar = calibrate(
        history(weeks=2, per_day=5),
        span_ms=2 * WEEK_MS,
        timeframe_ms=HOUR,
        max_per_week=3,
        cooldown_ms=6 * HOUR,
        weekly_cap=3,
    )
    assert bar == default_bar(HOUR, 3) and bar.score == 336
    assert default_bar(DAY_MS, 3).score == 14  # the same two weeks on daily candles
    assert default_bar(7 * DAY_MS, 3).score == 10  # never under 10 candles


def test_the_simulation_keeps_cooldown_and_the_rolling_weekly_cap():
    # Each hour a little rarer than the last, so the follow-up check lets every one through: the cap stops them.
    burst = [Candidate(i * HOUR, {"macd_cross": 500.0, f"rule_{i}": 500.0 + i}) for i in range(10)]
    sent = simulate(burst, 100, cooldown_ms=6 * HOUR, weekly_cap=3)
    assert [ts for ts, _ in sent] == [0, HOUR, 2 * HOUR]
    assert sent[0][1] == ("macd_cross", "rule_0") and sent[1][1] == ("rule_1",)  # macd_cross cooling after the first
    later = [*burst, Candidate(WEEK_MS, {"fib_cross": 500.0})]
    assert simulate(later, 100, cooldown_ms=6 * HOUR, weekly_cap=3)[-1][0] == WEEK_MS  # the week rolled on


def test_the_simulation_holds_back_a_follow_up_no_rarer_than_the_email_within_the_cooldown():
    # Different rules each hour (no per-rule cooldown applies): only a rarer record, or the cooldown's end, emails.
    scores = [500.0, 500.0, 450.0, 600.0, 600.0, 600.0, 600.0, 600.0, 600.0, 600.0]
    burst = [Candidate(i * HOUR, {f"rule_{i}": score}) for i, score in enumerate(scores)]
    sent = simulate(burst, 100, cooldown_ms=6 * HOUR, weekly_cap=10)
    assert [ts // HOUR for ts, _ in sent] == [0, 3, 9]


def test_the_simulation_breaks_a_tie_of_capped_records_by_the_size_of_the_candles_move_as_the_live_policy_does():
    # A stablecoin: a 0.1% dip (9.6 sigma), the slide's next candle (10.2 sigma), a 10% collapse (608 sigma), each
    # "the lowest close in at least 29 days" (capped at 719), each a different rule
    moves = [9.6, 10.2, 608.0]
    slide = [
        Candidate(i * HOUR, {f"rule_{i}": 719.0}, frozenset({f"rule_{i}"}), sigma) for i, sigma in enumerate(moves)
    ]
    sent = simulate(slide, 100, cooldown_ms=6 * HOUR, weekly_cap=10)
    # The dip and the collapse are emailed; the similar candle between them is held back
    assert [ts // HOUR for ts, _ in sent] == [0, 2]
    # Without the moves (candidates of signals stored before the market context), the scores decide: the dip only
    unmeasured = [Candidate(c.ts, c.scores, c.capped) for c in slide]
    assert [ts // HOUR for ts, _ in simulate(unmeasured, 100, cooldown_ms=6 * HOUR, weekly_cap=10)] == [0]


def test_a_candidate_keeps_which_rules_hold_a_capped_record_and_the_size_of_its_candles_move():
    capped = Rarity(score=719, measure="range", words="the lowest close in at least 29 days", capped=True)
    shorter = Rarity(score=300, measure="move", words="the largest hourly drop in 12 days")
    firings = [firing("rsi_oversold", capped), firing("macd_cross", shorter), firing("macd_cross", capped)]
    signal = Signal(
        series="kraken:USDT-USD:1h",
        candle_ts=0,
        close=0.9,
        firings=firings,
        market=MarketContext(move=-0.0975, move_sigma=-607.9),
        health=Health(healthy=True),
        analyzed_at=HOUR,
    )
    assert candidate_of(signal, AlertPolicy()) == Candidate(
        0, {"rsi_oversold": 719.0, "macd_cross": 719.0}, frozenset({"rsi_oversold", "macd_cross"}), 607.9
    )
    unmeasured = candidate_of(signal.model_copy(update={"market": None}), AlertPolicy())
    assert unmeasured is not None and unmeasured.move_sigma is None


def firing(rule: str, rarity: Rarity) -> FiringRecord:
    return FiringRecord(
        rule_id=rule,
        direction="bearish",
        severity=2,
        value=1.0,
        threshold=1.0,
        distance=0.0,
        unit="",
        sentence=f"{rule} fired",
        rarity=rarity,
    )


def test_the_live_bar_is_the_stored_one_unless_the_budget_changed_since():
    stored = calibrate(
        history(weeks=10, per_day=12),
        span_ms=10 * WEEK_MS,
        timeframe_ms=HOUR,
        max_per_week=3,
        cooldown_ms=6 * HOUR,
        weekly_cap=3,
    ).as_dict()
    assert current_bar(stored, timeframe_ms=HOUR, max_per_week=3) == AlertBar.from_dict(stored)
    assert current_bar(stored, timeframe_ms=HOUR, max_per_week=5) == default_bar(HOUR, 5)
    assert current_bar(None, timeframe_ms=HOUR, max_per_week=3) == default_bar(HOUR, 3)
    with pytest.raises(ValueError, match="alert bar without a numeric score"):
        current_bar({"score": "high"}, timeframe_ms=HOUR, max_per_week=3)


# --- over the budget: a capped record rarer than every email of the week passes the spent cap, as live ----------------

#: (hour, rule, score, capped, move sigma): three routine emails spend a week's cap of 3, then a stablecoin's depeg, a
#: similar candle of its slide past the cooldown, a collapse of another order, and a long but uncapped record.
WEEK_THEN_DEPEG = [
    (0, "volume_spike", 400.0, False, 3.0),
    (30, "rsi_oversold", 719.0, True, 9.6),
    (80, "bb_breakout", 500.0, False, 4.0),
    (100, "price_change_1h", 719.0, True, 608.0),
    (108, "obv_divergence", 719.0, True, 700.0),
    (116, "fib_cross", 719.0, True, 950.0),
    (124, "macd_cross", 710.0, False, 2000.0),
]


def test_the_simulation_sends_a_capped_record_rarer_than_every_email_of_the_week_over_the_spent_cap():
    candidates = [
        Candidate(hour * HOUR, {rule: score}, frozenset({rule}) if capped else frozenset(), sigma)
        for hour, rule, score, capped, sigma in WEEK_THEN_DEPEG
    ]
    sent = simulate(candidates, 100, cooldown_ms=6 * HOUR, weekly_cap=3)
    # The depeg and the collapse of another order pass the spent cap; the slide's similar candle and the uncapped
    # record do not
    assert [ts // HOUR for ts, _ in sent] == [0, 30, 80, 100, 116]


def live_and_simulated(signals: list[Signal], policy: AlertPolicy, bar: float = 100) -> tuple[list[int], list[int]]:
    """The candles the live policy emails (each decided with the sends so far), and those the calibration's
    simulation emails, over the same signals."""
    from crypto_advisor.contracts.alerts import SentAlert
    from crypto_advisor.notify.policy import Send, decide

    sends: list[SentAlert] = []
    for each in signals:
        decision = decide(each, policy, sends, bar=bar)
        if isinstance(decision, Send):
            sends.append(decision.as_sent(each))
    candidates = [c for s in signals if (c := candidate_of(s, policy)) is not None]
    simulated = simulate(candidates, bar, cooldown_ms=policy.cooldown_ms, weekly_cap=policy.weekly_cap)
    return [s.candle_ts for s in sends], [ts for ts, _ in simulated]


def test_the_simulation_agrees_with_the_live_policy_over_the_budget():
    policy = AlertPolicy(recipients=("me@example.com",), cooldown_ms=6 * HOUR)
    signals = [
        signal_of(hour * HOUR, rule, Rarity(score=score, measure="range", words="a record", capped=capped), sigma)
        for hour, rule, score, capped, sigma in WEEK_THEN_DEPEG
    ]
    sends, simulated = live_and_simulated(signals, policy)
    assert sends == simulated == [h * HOUR for h in (0, 30, 80, 100, 116)]


def signal_of(ts: int, rule: str, rarity: Rarity, sigma: float) -> Signal:
    return Signal(
        series="kraken:USDT-USD:1h",
        candle_ts=ts,
        close=0.9,
        firings=[firing(rule, rarity)],
        market=MarketContext(move=-0.01, move_sigma=-sigma),
        health=Health(healthy=True),
        analyzed_at=ts + HOUR,
    )


def test_a_capped_record_on_a_small_move_does_not_pass_a_spent_cap_after_a_week_of_larger_moves() -> None:
    """Over the cap, the move is compared with every alert of the week, capped or not: a capped range record on a
    0.5-sigma candle beats uncapped records on score alone, and emailed over the budget on ETH/USD after quiet weeks."""
    week = [Rarest(300.0, False, 2.5), Rarest(400.0, False, 1.0), Rarest(500.0, False, 3.0)]
    assert not over_budget(Rarest(719.0, True, 0.5), week)
    assert not over_budget(Rarest(719.0, True, 4.4), week)  # 3.0 * 1.5 = 4.5 needed
    assert over_budget(Rarest(719.0, True, 4.5), week)
    assert not over_budget(Rarest(719.0, True, None), week)  # a move not measured cannot be shown to be beyond


# --- ties: the calibration tries bars equal to scores that occur, so it must decide a tie as the live policy does ----

#: (hour, rule, score) of one series, bar 100, cooldown 6 h, cap 3: a score equal to the bar; the same rule exactly one
#: cooldown later; again; and exactly a week after the first (the week's count leaves it at the boundary).
TIES = [(0, "macd_cross", 100.0), (6, "macd_cross", 100.0), (12, "macd_cross", 100.0), (168, "macd_cross", 100.0)]


def test_the_simulation_emails_a_score_equal_to_the_bar_and_a_rule_one_cooldown_later_as_the_live_policy_does():
    # Given a series whose one rule fires on ties only: with the bar, with the cooldown, with the rolling week
    policy = AlertPolicy(recipients=("me@example.com",), cooldown_ms=6 * HOUR, max_per_week=3)
    signals = [
        signal_of(hour * HOUR, rule, Rarity(score=score, measure="move", words="a record"), 2.0)
        for hour, rule, score in TIES
    ]
    # When the live policy decides each candle with the sends so far, and the calibration simulates the same candles
    sends, simulated = live_and_simulated(signals, policy)
    # Then both email every one: a score reaching the bar clears it, a rule is fresh again a full cooldown after its
    # email, and an email a full week before no longer counts toward the cap
    assert sends == simulated == [h * HOUR for h, _, _ in TIES]


@pytest.mark.parametrize("score", [float("nan"), float("inf"), -1.0])
def test_a_stored_bar_that_is_not_a_record_length_is_refused_naming_it(score: float):
    # Given replay figures whose stored bar is corrupted: NaN would silence the series, a negative bar would email
    # every firing
    stored = {**default_bar(HOUR, 3).as_dict(), "score": score, "source": "calibrated"}
    # When the live policy reads it, then it is refused with the value named (the notifier then applies the default bar)
    with pytest.raises(ValueError, match=re.escape(f"alert bar score {score!r} is not a record length")):
        current_bar(stored, timeframe_ms=HOUR, max_per_week=3)


def test_a_stored_bar_of_zero_is_a_record_length_every_firing_clears():
    # Given a stored bar of 0 (what the notify integration tests write so that every firing emails)
    stored = {**default_bar(HOUR, 3).as_dict(), "score": 0, "source": "calibrated"}
    # Then the live policy applies it as stored
    assert current_bar(stored, timeframe_ms=HOUR, max_per_week=3).score == 0.0
