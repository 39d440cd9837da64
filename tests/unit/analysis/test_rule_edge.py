"""The out-of-sample edge test of a rule's firings: walk-forward, non-overlapping firings, Benjamini-Hochberg."""

from __future__ import annotations

import math

import numpy as np
import pytest

from crypto_advisor.analysis.edge_verdicts import EDGE, NO_EVIDENCE, TOO_FEW, WORSE
from crypto_advisor.analysis.rule_edge import (
    DIRECTIONAL,
    NEUTRAL,
    EdgeRecord,
    Firing,
    FiringHistory,
    benjamini_hochberg,
    judge,
    thin,
)

HORIZONS = (1, 4, 24)


# --- seeded synthetic markets ----------------------------------------------------------------------


def random_walk(rng: np.random.Generator, n: int) -> np.ndarray:
    """Closes of a market without any edge: log returns with GARCH(1,1)-like volatility clustering, no drift."""
    shocks = rng.standard_normal(n)
    scale = np.empty(n)
    variance = 1.0
    for i, shock in enumerate(shocks.tolist()):
        scale[i] = math.sqrt(variance)
        variance = 0.05 + 0.1 * (shock * scale[i]) ** 2 + 0.85 * variance
    return 100 * np.exp(np.cumsum(0.01 * shocks * scale))


def sma_cross(closes: np.ndarray, window: int) -> list[Firing]:
    """Close crossing its simple moving average, both ways: clustered firings, like the real crossing rules."""
    sums = np.cumsum(np.concatenate([[0.0], closes]))
    sma = (sums[window:] - sums[:-window]) / window
    above = closes[window - 1 :] > sma
    cross = np.nonzero(above[1:] != above[:-1])[0] + 1
    return [(int(i) + window - 1, "bullish" if above[i] else "bearish") for i in cross]


def dip(closes: np.ndarray, lookback: int = 24, drop: float = 0.03) -> list[Firing]:
    """Bullish after a fall of ``drop`` over ``lookback`` candles: fires on many candles in a row."""
    fall = closes[lookback:] / closes[:-lookback] - 1
    return [(int(i) + lookback, "bullish") for i in np.nonzero(fall < -drop)[0]]


def neutral(rng: np.random.Generator, n: int, rate: float = 0.02) -> list[Firing]:
    """Neutral firings at random candles.

    Not a rule on the closes: with volatility clustering a neutral rule that fires on big moves *does* know
    that big moves follow (that is real), so it would not be a rule without an edge.
    """
    return [(int(i), "neutral") for i in np.nonzero(rng.random(n) < rate)[0]]


def bursts(rng: np.random.Generator, n: int, rate: float = 0.01, length: int = 5) -> list[Firing]:
    """Bullish firings in bursts of ``length`` consecutive candles, starting at random."""
    starts = np.nonzero(rng.random(n - length) < rate)[0]
    return sorted({(int(s) + k, "bullish") for s in starts for k in range(length)})


def null_family(seed: int, n: int = 6_000) -> tuple[np.ndarray, dict[str, list[Firing]]]:
    rng = np.random.default_rng(seed)
    closes = random_walk(rng, n)
    fired = {
        "sma5": sma_cross(closes, 5),
        "sma20": sma_cross(closes, 20),
        "dip": dip(closes),
        "neutral": neutral(rng, n),
        "bursts": bursts(rng, n),
    }
    return closes, fired


def planted(
    seed: int, hit: float, n: int = 40_000, horizon: int = 24, every: int = 60
) -> tuple[np.ndarray, list[Firing]]:
    """A random walk and a bullish rule whose next ``horizon`` candles rise with probability ``hit`` (the window's
    moves are mirrored when they go the other way), firing ``horizon`` plus 1 to ``every`` candles apart."""
    rng = np.random.default_rng(seed)
    moves = 0.01 * rng.standard_normal(n)
    fired: list[Firing] = []
    index = 50
    while index + horizon < n:
        window = moves[index + 1 : index + 1 + horizon]
        if (window.sum() > 0) != (rng.random() < hit):
            window *= -1
        fired.append((index, "bullish"))
        index += horizon + int(rng.integers(1, every))
    return 100 * np.exp(np.cumsum(moves)), fired


# --- Benjamini-Hochberg ----------------------------------------------------------------------------


def test_benjamini_hochberg_keeps_the_hand_computed_set():
    # Given five p-values: sorted 0.001, 0.008, 0.039, 0.041, 0.20 against k * 0.05 / 5 = 0.01, 0.02, 0.03, 0.04, 0.05
    p = [0.039, 0.001, 0.20, 0.008, 0.041]
    # When BH runs at q = 0.05
    kept, adjusted = benjamini_hochberg(p, 0.05)
    # Then only the two smallest pass their bound (0.039 > 0.03, 0.041 > 0.04, 0.20 > 0.05), in the order given
    assert kept == [False, True, False, True, False]
    # and the adjusted p-values are min over j >= i of 5 p_(j) / j: 0.005, 0.02, 0.05125, 0.05125, 0.20
    assert adjusted == pytest.approx([0.05125, 0.005, 0.2, 0.02, 0.05125])


def test_benjamini_hochberg_keeps_every_p_below_the_largest_one_under_its_bound():
    # 0.04 is under its own bound (4 * 0.05 / 4): the step-up keeps it and every smaller p, even 0.03 > 2 * 0.05 / 4
    kept, _ = benjamini_hochberg([0.04, 0.03, 0.035, 0.001])
    assert kept == [True, True, True, True]


def test_benjamini_hochberg_agrees_with_statsmodels():
    multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
    p = np.random.default_rng(3).random(40) ** 3
    kept, adjusted = benjamini_hochberg(list(p), 0.1)
    reference_kept, reference_adjusted, _, _ = multipletests(p, alpha=0.1, method="fdr_bh")
    assert kept == list(reference_kept) and adjusted == pytest.approx(list(reference_adjusted))


def test_benjamini_hochberg_of_no_test_is_empty_and_a_bad_p_value_is_an_error():
    assert benjamini_hochberg([]) == ([], [])
    with pytest.raises(ValueError, match="p-values"):
        benjamini_hochberg([0.5, float("nan")])


# --- non-overlapping firings -----------------------------------------------------------------------


def test_thinning_keeps_firings_whose_outcome_windows_do_not_overlap():
    # Given firings at 0, 1, 3, 4, 9, 10 and a 4-candle horizon
    kept = thin(np.array([0, 1, 3, 4, 9, 10]), 4)
    # Then 0 is kept, 1 and 3 share its window, 4 starts where it ended, 9 after 4's, 10 shares 9's
    assert kept.tolist() == [True, False, False, True, True, False]


def test_a_burst_of_firings_counts_as_one_block_per_horizon():
    # Given a bullish rule firing on 48 candles in a row
    closes = 100 + np.arange(200.0)
    history = FiringHistory(closes, {"burst": [(i, "bullish") for i in range(100, 148)]}, horizons=(1, 24))
    # When it is judged at the last candle
    record = history.records_at(199, min_blocks=1)["burst"]
    # Then every firing counts in n, but the 24-candle test has only two independent outcomes
    assert record[1].n == record[24].n == 48
    assert record[1].blocks == 48 and record[24].blocks == 2


# --- walk-forward -----------------------------------------------------------------------------------


def test_a_record_uses_only_firings_and_candles_whose_outcome_was_known_at_its_candle():
    # Given a market and a rule's firings
    closes, fired = null_family(seed=1, n=3_000)
    at = 2_000
    # When the same history is judged at candle 2,000, with everything after that candle replaced
    changed = closes.copy()
    changed[at + 1 :] = np.random.default_rng(9).permutation(changed[at + 1 :])
    later = {rule: [f for f in firings if f[0] <= at] + [(at + 5, "bullish")] for rule, firings in fired.items()}
    original = FiringHistory(closes, fired, horizons=HORIZONS, start=100).records_at(at)
    other_future = FiringHistory(changed, later, horizons=HORIZONS, start=100).records_at(at)
    # Then the records are the same: nothing after the candle entered them
    assert original == other_future
    # and a firing counts only once its outcome is known: at 24 candles, fewer firings than at 1
    for rule, firings in fired.items():
        assert original[rule][1].n == sum(1 for i, _ in firings if i + 1 <= at)
        assert original[rule][24].n == sum(1 for i, _ in firings if i + 24 <= at)


def test_the_base_rate_comes_from_the_same_past():
    # Given closes that rise for 100 candles and then fall, and one bullish firing at candle 10
    closes = np.concatenate([np.linspace(100, 200, 100), np.linspace(199, 100, 100)])
    history = FiringHistory(closes, {"rule": [(10, "bullish")]}, horizons=(1,))
    # When judged at candle 99 (the rise only) and at the last candle
    early, late = history.records_at(99, min_blocks=1)["rule"][1], history.records_at(199, min_blocks=1)["rule"][1]
    # Then the base rate at 99 is the rise's 100% up, and at the end about half
    assert early.base_rate == 1.0 and early.hit_rate == 1.0
    assert late.base_rate == pytest.approx(99 / 199)


def test_a_record_before_any_outcome_is_too_few_to_test():
    closes = np.linspace(100, 110, 50)
    record = FiringHistory(closes, {"rule": [(40, "bearish")]}, horizons=(24,)).records_at(49)["rule"][24]
    assert record.n == 0 and record.t is None and record.verdict == TOO_FEW


def test_a_candle_outside_the_closes_is_an_error():
    history = FiringHistory(np.linspace(100, 110, 50), {"rule": []}, horizons=(1,))
    with pytest.raises(ValueError, match="outside"):
        history.records_at(50)


# --- verdicts ----------------------------------------------------------------------------------------


def test_a_planted_edge_is_found():
    # Given a rule whose firings are followed by a 24-candle rise 60% of the time, among rules without an edge
    closes, firings = planted(seed=11, hit=0.6)
    family = {"planted": firings, "sma20": sma_cross(closes, 20), "dip": dip(closes)}
    # When the family is judged at the last candle
    records = FiringHistory(closes, family, horizons=HORIZONS, start=50).records_at(len(closes) - 1)
    # Then the planted rule has an edge at 24 candles: t >= 2 and kept by BH, with n and blocks
    found = records["planted"][24]
    assert found.verdict == EDGE and found.kept and found.t is not None and found.t >= 2
    assert found.n == found.blocks == len(firings)
    assert found.hit_rate == pytest.approx(0.6, abs=0.05)


def test_a_planted_edge_is_found_on_most_seeds():
    # Given 20 seeded markets with the planted 60% rule
    found = 0
    for seed in range(20):
        closes, firings = planted(seed=100 + seed, hit=0.6)
        records = FiringHistory(closes, {"planted": firings}, horizons=HORIZONS, start=50).records_at(len(closes) - 1)
        found += records["planted"][24].verdict == EDGE
    # Then the edge is found on most (about 740 firings at 0.6 against a base rate the rule itself lifts: t about 3.6)
    assert found >= 18


def test_a_rule_pointing_the_wrong_way_is_worse():
    closes, firings = planted(seed=12, hit=0.38)
    records = FiringHistory(closes, {"planted": firings}, horizons=(24,), start=50).records_at(len(closes) - 1)
    assert records["planted"][24].verdict == WORSE and records["planted"][24].t <= -2


def test_a_rule_with_few_non_overlapping_firings_is_too_few_to_test_and_left_out_of_the_family():
    # Given a planted rule and a rule with ten firings
    closes, firings = planted(seed=11, hit=0.6)
    family = {"planted": firings, "rare": [(i, "bullish") for i in range(1_000, 11_000, 1_000)]}
    records = FiringHistory(closes, family, horizons=(24,), start=50).records_at(len(closes) - 1)
    # Then the rare rule is not tested (no t, no p) and says so with its counts
    rare = records["rare"][24]
    assert rare.verdict == TOO_FEW and rare.t is None and rare.p is None and rare.q is None
    assert rare.n == rare.blocks == 10


def test_false_edges_on_random_walks_stay_at_or_under_five_percent():
    # Given 100 seeded random walks without any edge, each with five rules (crossings both ways, dips fired on
    # many candles in a row, neutral firings, random bursts) tested at 1, 4 and 24 candles: a family of 15
    seeds = range(100)
    tests = seeds_with_false_edge = false_edges = 0
    for seed in seeds:
        closes, fired = null_family(seed)
        records = FiringHistory(closes, fired, horizons=HORIZONS, start=50).records_at(len(closes) - 1)
        verdicts = [r.verdict for by_h in records.values() for r in by_h.values()]
        tests += len(verdicts)
        false_edges += verdicts.count(EDGE)
        seeds_with_false_edge += EDGE in verdicts
    # Then "better than chance" is rare: at most 5% of the seeds have any, and far fewer of the tests
    assert seeds_with_false_edge / len(seeds) <= 0.05
    assert false_edges / tests <= 0.05


# --- directional and neutral families ---------------------------------------------------------------


def record_with(p: float, t: float, family: str) -> EdgeRecord:
    """A record tested at 24 candles with ``p`` and ``t``, before BH."""
    return EdgeRecord(24, 100, 50, 0.55, 0.5, 0.05, t, p, family=family)


def test_neutral_passes_do_not_loosen_the_bar_for_a_directional_rule():
    # Given ten directional rules without an edge, one of them lucky (p = 0.012, t = 2.5), and ten neutral
    # volatility rules that pass easily (big moves follow big moves)
    directional = {
        f"cross{i}": {24: record_with(0.012 if i == 0 else 0.5, 2.5 if i == 0 else 0.7, DIRECTIONAL)} for i in range(10)
    }
    volatility = {f"atr{i}": {24: record_with(1e-8, 5.7, NEUTRAL)} for i in range(10)}
    # When the report is judged with and without the volatility rules
    alone = judge(directional)
    together = judge({**directional, **volatility})
    # Then the lucky rule has no edge either way: in one family of 20 it ranked 11th behind the ten neutral passes and
    # met 11 x 0.05 / 20 = 0.0275, but among the directional ten it ranks first against 0.05 / 10 (0.025 / 10 beside
    # the neutral family)
    assert alone["cross0"][24].verdict == NO_EVIDENCE
    assert together["cross0"][24].verdict == NO_EVIDENCE and not together["cross0"][24].kept
    # and the volatility rules keep their verdict, in their own family
    assert all(together[f"atr{i}"][24].verdict == EDGE and together[f"atr{i}"][24].family == NEUTRAL for i in range(10))


def test_a_rule_is_neutral_when_every_firing_is_neutral():
    # Given a neutral rule, a directional one and an ADX-like rule that is neutral only when its lines are level
    closes = random_walk(np.random.default_rng(4), 2_000)
    rng = np.random.default_rng(5)
    fired = {
        "squeeze": neutral(rng, 2_000),
        "cross": sma_cross(closes, 20),
        "adx": [(300, "neutral"), (400, "bullish")],
    }
    records = FiringHistory(closes, fired, horizons=(4,), start=50).records_at(1_999, min_blocks=1)
    # Then only the rule pointing nowhere is in the neutral family
    assert {rule: by_h[4].family for rule, by_h in records.items()} == {
        "squeeze": NEUTRAL,
        "cross": DIRECTIONAL,
        "adx": DIRECTIONAL,
    }


def test_false_directional_verdicts_do_not_rise_when_volatility_rules_join_the_report():
    # Given 100 seeded random walks with volatility clustering, four crossing rules without an edge, and three
    # neutral rules firing on big moves (which do predict big moves: true neutral edges)
    seeds = range(100)
    false_with = false_without = 0
    for seed in seeds:
        closes = random_walk(np.random.default_rng(200 + seed), 8_000)
        moves = np.abs(np.diff(np.log(closes), prepend=np.log(closes[0])))
        crosses = {f"sma{w}": sma_cross(closes, w) for w in (10, 20, 50, 100)}
        volatility = {
            f"big{k}": [(int(i), "neutral") for i in np.nonzero(moves > k * moves.std())[0] if i >= 50]
            for k in (1.5, 2.0, 2.5)
        }
        # When each report is judged without and with the neutral rules
        for report in (crosses, {**crosses, **volatility}):
            records = FiringHistory(closes, report, horizons=HORIZONS, start=50).records_at(len(closes) - 1)
            false = any(r.verdict in (EDGE, WORSE) for rule in crosses for r in records[rule].values())
            if report is crosses:
                false_without += false
            else:
                false_with += false
    # Then the neutral passes add no false directional verdict (in one family of 21 they did: 14 reports against 6)
    assert false_with <= false_without
    assert false_with / len(seeds) <= 0.05
