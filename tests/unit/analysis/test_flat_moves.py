"""An unchanged close is half a hit, for a rule's firings and for the base rate alike.

On a thin pair most candles close where they opened. Counted as misses, the base
rate of a move up was the share of the few hours the pair traded, while a rule
firing in those hours saw a move after most firings: every rule "beat" chance
without pointing the right way any more often than the wrong way.
"""

from __future__ import annotations

import numpy as np
import pytest

from crypto_advisor.analysis.edge_verdicts import EDGE, WORSE
from crypto_advisor.analysis.replay import edge, replay_report
from crypto_advisor.analysis.rule_edge import (
    BaseRate,
    Firing,
    FiringHistory,
    base_rate,
    directional_hits,
    floored_excess,
)
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series

HORIZONS = (1, 4, 24)
HOUR = 3_600_000

#: Moves 1 candle later: flat, up, flat, down (then flat again: the next candle repeats the first close).
FLAT_UP_FLAT_DOWN = np.array([100.0, 100.0, 101.0, 101.0, 100.0])


def thin_market(seed: int, n: int = 6_000, flat: float = 0.8, stay: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Closes of a pair that trades in spells: ``flat`` of its candles close unchanged, the others move one tick up
    or down at random (no edge anywhere). An active candle is followed by another with probability ``stay``. Also
    the ticks, so a test can fire on the candles that moved."""
    rng = np.random.default_rng(seed)
    wake = (1 - stay) * (1 - flat) / flat  # a quiet candle's chance to start a spell: (1 - flat) of candles active
    active = np.empty(n, dtype=bool)
    state = False
    for i in range(n):
        state = bool(rng.random() < (stay if state else wake))
        active[i] = state
    ticks = np.where(active, rng.choice([-1, 1], n), 0)
    ticks[0] = 0
    return (2_000 + np.cumsum(ticks)) / 1_000, ticks  # a price on a tick grid: an unchanged close is the same number


def fires_when_it_moved(seed: int, ticks: np.ndarray) -> list[Firing]:
    """A rule without an edge firing, like the real rules, when the candle just closed moved: a random direction."""
    rng = np.random.default_rng(seed + 1_000)
    return [(int(i), "bullish" if rng.random() < 0.5 else "bearish") for i in np.nonzero(ticks)[0] if i >= 50]


# --- the shared definition ------------------------------------------------------------------------------------


def test_a_move_the_way_called_is_a_hit_the_other_way_a_miss_and_no_move_half():
    moves = np.array([0.01, -0.01, 0.0])
    assert directional_hits(moves, 1).tolist() == [1.0, 0.0, 0.5]
    assert directional_hits(moves, -1).tolist() == [0.0, 1.0, 0.5]
    assert directional_hits(moves, np.array([1, -1, 1])).tolist() == [1.0, 1.0, 0.5]


def test_the_base_rate_counts_an_unchanged_close_as_half_and_its_floor_is_the_spread_of_that_hit():
    # Given ten candles' moves: eight flat, one up, one down
    base = base_rate(np.array([0.0] * 8 + [0.01, -0.01]))
    # Then a call up and a call down are each right half the time (a coin toss, not the 10% that rose), and the
    # no-edge spread is that of hits 1, 0 and eight halves: (0.25 + 0.25) / 10, not a coin's 0.25
    assert base == BaseRate(up=0.5, down=0.5, variance=pytest.approx(0.05))
    assert base_rate(np.array([])) is None


def test_the_standard_error_is_floored_at_the_no_edge_spread_it_is_given():
    # Given 25 separate firings all right against a 50% base rate on a pair whose no-edge hit varies by 0.05
    hits, shares = np.ones(25), np.full(25, 0.5)
    # Then the floor is that spread's (sqrt(0.05 / 25)), not a coin's (0.5 / 5), and a coin's by default
    assert floored_excess(hits, shares, np.full(25, 0.05)) == (0.5, pytest.approx(np.sqrt(0.05 / 25)))
    assert floored_excess(hits, shares) == (0.5, pytest.approx(0.1))
    with pytest.raises(ValueError, match="one no-edge variance per block"):
        floored_excess(hits, shares, np.full(3, 0.05))


# --- the rule records and the replay report --------------------------------------------------------------------


def test_the_record_counts_a_flat_outcome_as_half_in_the_hit_and_the_base_rate():
    # Given closes flat, up, flat, down 1 candle later, and a bullish firing followed by no move
    history = FiringHistory(FLAT_UP_FLAT_DOWN, {"rule": [(0, "bullish")]}, horizons=(1,))
    # When it is judged at the last candle
    record = history.records_at(4, min_blocks=1)["rule"][1]
    # Then the firing is half a hit (it was 0), and the base rate is 1 up plus 2 halves of 4 (it was 1 of 4)
    assert record.hit_rate == 0.5 and record.base_rate == 0.5


def test_the_replay_report_counts_a_flat_outcome_as_half_in_the_hit_and_the_base_rate():
    candles = [Candle(i * HOUR, c, c, c, c, 1.0) for i, c in enumerate(FLAT_UP_FLAT_DOWN.tolist())]
    rule = build_rules(None)[0]
    report = replay_report(Series.parse("kraken:BTC-USD:1h"), candles, [rule], {rule.id: [(0, "bullish")]}, warmup=0)
    figures = report["rules"][0]["horizons"]["1"]
    assert (figures["hit_rate"], figures["base_rate"], figures["edge"]) == (0.5, 0.5, 0.0)
    # and so does its descriptive edge for a bearish firing followed by no move
    base = {"up": 0.5, "down": 0.5, "big": 0.5, "median_abs": 0.01}
    assert edge(FLAT_UP_FLAT_DOWN, [(2, "bearish")], 1, base)["hit_rate"] == 0.5


def test_a_rule_without_an_edge_on_a_mostly_flat_pair_has_a_hit_rate_near_its_base_rate():
    # Given a pair flat on 80% of its candles and a rule firing in a random direction on the candles that moved
    closes, ticks = thin_market(seed=1)
    assert np.mean(np.diff(closes) == 0) == pytest.approx(0.8, abs=0.03)
    fired = {"random": fires_when_it_moved(1, ticks)}
    # When it is judged at the last candle
    record = FiringHistory(closes, fired, horizons=HORIZONS, start=50).records_at(len(closes) - 1)["random"][1]
    # Then it went its way about as often as any candle's coin toss (it read 45% against a 10% base rate, t = 24)
    assert record.base_rate == pytest.approx(0.5, abs=0.03)
    assert record.hit_rate == pytest.approx(record.base_rate, abs=0.04)
    assert record.verdict not in (EDGE, WORSE)


def test_rules_without_an_edge_on_mostly_flat_pairs_get_no_more_verdicts_than_on_any_market():
    # Given 100 seeded pairs flat on 80% of their candles, each with a rule firing at random when the pair moved
    seeds = range(100)
    seeds_with_verdict = false_verdicts = 0
    for seed in seeds:
        closes, ticks = thin_market(seed=10 + seed)
        fired = {"random": fires_when_it_moved(10 + seed, ticks)}
        records = FiringHistory(closes, fired, horizons=HORIZONS, start=50).records_at(len(closes) - 1)
        verdicts = [r.verdict in (EDGE, WORSE) for r in records["random"].values()]
        false_verdicts += sum(verdicts)
        seeds_with_verdict += any(verdicts)
    # Then "better (or worse) than chance" is about as rare as BH's 5% (it was every seed): 5 seeds here, 5.5% of
    # 4,000 seeds, 5.2% on the same market with 5% of its candles flat; and fewer of the tests (7 of 300)
    assert seeds_with_verdict / len(seeds) <= 0.08
    assert false_verdicts / (3 * len(seeds)) <= 0.05


def test_a_planted_edge_on_a_mostly_flat_pair_is_still_found():
    # Given a pair flat on 80% of its candles and a rule that, when the next candle moves, calls it right 65% of the
    # time, firing on the candles that moved
    closes, ticks = thin_market(seed=3)
    rng = np.random.default_rng(3)
    fired: list[Firing] = []
    for i in np.nonzero(ticks[50:-1])[0] + 50:
        if ticks[i + 1] != 0:
            right = rng.random() < 0.65
            fired.append((int(i), "bullish" if (ticks[i + 1] > 0) == right else "bearish"))
    records = FiringHistory(closes, {"planted": fired}, horizons=HORIZONS, start=50).records_at(len(closes) - 1)
    # Then the 1-candle test finds it
    assert records["planted"][1].verdict == EDGE
