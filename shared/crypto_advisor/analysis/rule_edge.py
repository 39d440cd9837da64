"""Whether a rule's firings beat chance, judged only from the past and with overlapping outcomes accounted for.

A firing is a *hit* when the price moved its way ``h`` candles later (up after
a bullish firing, down after a bearish one; for a neutral one, a move larger
than the median absolute ``h``-candle move). Its *excess* is the hit minus the
base rate: the same hit counted over every candle. A rule has an edge when its
mean excess is clearly above zero.

**An unchanged close is half a hit** (:func:`directional_hits`), for the
firing and in the base rate alike. On a thin pair most candles close where
they opened (82% of the hours of one such file): counted as misses, the base
rate "rose" was 9%, while a rule, firing when the pair trades, saw a move after
most firings and was right about half the time: 46% against 9%, and every
rule "beat" chance without pointing the right way more often than the wrong
way. The rule's hits came from the hours the pair moved, the
base rate's misses from the hours it did not. Counted as half, a coin toss is
50% whatever the share of flat candles, bullish and bearish base rates add up
to 1, and a rule is credited only for moving the right way more often than the
wrong way. On simulated pairs flat 80% of the hours, a rule firing in a
random direction whenever the pair moved got a verdict on every seed before,
and on 5.5% of 4,000 seeds counted this way (5.2% with 5% of the hours
flat). Flat means exactly unchanged: prices are quoted in ticks, so an
unchanged close is the same number (a move of exactly 0), and one tick is a
move (1e-4 of the price on a low-priced coin quoted to four digits, far above
the rounding of the division).

**Walk-forward.** A record quoted at candle ``t`` uses only firings whose
outcome was known at ``t`` (``index + h <= t``), and the base rate (and, for
neutral rules, the median move) only from the candles whose own outcome was
known by then. Nothing after ``t`` enters, so a record quoted in an email at
``t`` is out of sample for that email.

**Overlapping outcomes: non-overlapping firings.** Two firings a candle apart
share 23 of their 24 forward candles, so their hits are nearly the same coin
and counting both as evidence overstates it. The test keeps the first firing,
then the next one whose outcome window starts where the previous one's ended
(``index >= previous + h``), and so on; each kept firing is one block, and
``t`` is the mean excess over blocks divided by its standard error. Which
firing is kept depends only on when firings happened (each rule decides from
the past), never on their outcomes, and no two kept outcome windows share a
candle, so on a market without an edge the kept excesses are martingale
differences and ``t`` is close to standard normal. The thinning is greedy from
the first firing, so the kept set at ``t`` is a prefix of the kept set at any
later candle: a record only grows. Two alternatives were simulated on random
walks with volatility clustering (300 seeds, moving-average-cross,
level and random burst rules, ``|t| >= 2``, nominal 4.6%) and rejected:

- calendar blocks of ``h`` candles with the *mean of block means*: 55-83% false
  alarms at ``h`` = 4 and 24. How many firings fall in a block depends on the
  path inside the block (after a failed cross the price re-crosses and the
  rule fires again), so block weights depend on outcomes;
- calendar blocks weighted by firings: 8.5% for bursts of firings, whose
  outcome windows straddle block edges and correlate neighbouring blocks.

Thinning stayed at 1-5.5%. It gives up firings whose windows overlap a kept
one; they carry little independent evidence anyway.

The standard error is floored at what a rule without an edge would show
(the variance of the hit over every candle, :attr:`BaseRate.variance`: a
Bernoulli ``p (1 - p)`` only without flat candles; with half hits it is
smaller, and the Bernoulli floor would hide a real edge on a thin pair), so a
short lucky run of hits with no spread cannot make ``t`` large, and the
p-value is the two-sided normal one (``erfc``; at :data:`MIN_BLOCKS` or more blocks the normal is close enough,
and numpy stays the only dependency).

**Many tests at once.** A report tests every rule at every horizon: dozens of
tests, a few of which pass ``|t| >= 2`` by luck. The p-values are corrected
with Benjamini-Hochberg (false discovery rate ``q``, 0.05), and the verdict is
:data:`~.edge_verdicts.EDGE` only when ``t >= 2`` (the standard of the model
cards, :mod:`crypto_advisor.forecast.card`) *and* BH keeps the test;
:data:`~.edge_verdicts.WORSE` symmetrically; :data:`~.edge_verdicts.TOO_FEW`
below :data:`MIN_BLOCKS` blocks (not tested, not in a family); otherwise
:data:`~.edge_verdicts.NO_EVIDENCE`.

**Two families: directional and neutral.** BH is run separately over the
directional tests (a rule pointing up or down: "the price went its way") and
the neutral ones (a rule pointing nowhere: "a big move followed"), each at
half the rate (``q / 2``; a report with tests of one kind only runs that
family at ``q``). Neutral tests of volatility rules pass almost always, and
rightly: big moves follow big moves. In one family each such pass raises BH's
step-up bound (``k q / m`` with ``k`` passes) for every other test, so a
directional rule without an edge was judged against a looser bound the more
volatility rules the report held: on GARCH random walks, four crossing rules
with no edge got a false directional verdict in 5.0% of the reports alone and
in 12.7% with one neutral ATR-like rule added. BH's guarantee is over the
family's discoveries as a whole, and the true neutral ones paid for false
directional ones; but an email quotes a directional rule's "better than
chance", so the directional discoveries must hold their rate by themselves.
Apart, no neutral p-value can move a directional verdict. Each family at
``q / 2`` rather than ``q`` because two families at ``q`` each would double
the report's chance of a false verdict when no rule has an edge (``q`` per
family, so up to ``2 q`` for the report: 6% of seeded null reports instead of
1%); halved, the report as a whole stays at ``q`` (a union bound), as it was
with one family. The cost is power: a directional edge needs ``p`` about
half as small as before when the report also tests neutral rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from crypto_advisor.analysis.edge_verdicts import EDGE, NO_EVIDENCE, T_MIN, TOO_FEW, WORSE

#: One firing: the candle index it fired on and its direction ("bullish", "bearish" or "neutral").
Firing = tuple[int, str]

#: Fewer non-overlapping firings than this are not tested: the normal p-value would be too rough.
MIN_BLOCKS = 20
#: Benjamini-Hochberg false discovery rate over a report's rules x horizons (shared by its two families).
FDR_Q = 0.05
#: The BH family of a rule that points up or down, and of one that points nowhere (see the module docstring).
DIRECTIONAL, NEUTRAL = "directional", "neutral"

#: A direction's sign, as :func:`directional_hits` reads it (a neutral firing, pointing nowhere, has none: 0).
SIGN = {"bullish": 1, "bearish": -1}


def directional_hits(moves: np.ndarray, sign: np.ndarray | int) -> np.ndarray:
    """Per move, how much of a hit it is for a call in direction ``sign`` (+1 up, -1 down): 1 when it went that way,
    0 when it went the other way, and half when it is exactly 0 (the close unchanged).

    The one definition of a directional hit, for a rule's firings, an email's
    headline and the base rate they are measured against (see the module
    docstring for why flat is half: so flat candles cannot make an edge).
    """
    return (1.0 + np.sign(moves) * sign) / 2.0


@dataclass(frozen=True, slots=True)
class BaseRate:
    """What a directional call is measured against: the hit of :func:`directional_hits` over every candle of a span.

    ``up`` is the mean hit of a call up, ``down`` of a call down (each counting
    an unchanged close as half, so the two add up to 1), and ``variance`` the
    hit's variance over those candles (the same both ways, a call down's hit
    being 1 minus a call up's): the spread of a rule without an edge, which
    floors the test's standard error (:func:`floored_excess`).
    """

    up: float
    down: float
    variance: float


def base_rate(moves: np.ndarray) -> BaseRate | None:
    """The :class:`BaseRate` of ``moves`` (every candle's forward move of one horizon), None when there are none."""
    if len(moves) == 0:
        return None
    up = directional_hits(moves, 1)
    return BaseRate(float(up.mean()), float(directional_hits(moves, -1).mean()), float(up.var()))


@dataclass(frozen=True, slots=True)
class EdgeRecord:
    """One rule at one horizon, as known at one candle.

    ``n`` counts firings with a known outcome, ``blocks`` the non-overlapping
    ones the test uses. ``hit_rate`` and ``base_rate`` are over all ``n``
    (what an email quotes); ``excess``, ``t`` and ``p`` over the blocks, None
    when not tested. ``q`` is the BH-adjusted p-value within the test's
    ``family`` (:data:`DIRECTIONAL` or :data:`NEUTRAL`) and ``kept`` whether
    BH keeps the test at the family's share of :data:`FDR_Q`.
    """

    horizon: int
    n: int
    blocks: int
    hit_rate: float | None
    base_rate: float | None
    excess: float | None
    t: float | None
    p: float | None
    q: float | None = None
    kept: bool = False
    verdict: str = TOO_FEW
    family: str = DIRECTIONAL

    def as_dict(self) -> dict[str, float | int | bool | str | None]:
        """The figures the replay report adds per rule and horizon (its own n, hit and base rates stay apart)."""
        return {
            "blocks": self.blocks,
            "excess": _rounded(self.excess, 4),
            "t": _rounded(self.t, 3),
            "p": _rounded(self.p, 6),
            "q": _rounded(self.q, 6),
            "bh_kept": self.kept,
            "verdict": self.verdict,
            "family": self.family,
        }


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def benjamini_hochberg(p_values: Sequence[float], q: float = FDR_Q) -> tuple[list[bool], list[float]]:
    """Which of a family's tests the Benjamini-Hochberg procedure keeps at false discovery rate ``q``, and the
    adjusted p-values (``min over j >= i of m * p_(j) / j``, at most 1), both in the order given.

    A test is kept when its adjusted p-value is at most ``q``: the same set as
    the step-up rule (every p up to the largest ``p_(k) <= k q / m``).
    """
    m = len(p_values)
    if m == 0:
        return [], []
    p = np.asarray(p_values, dtype=np.float64)
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError(f"p-values must lie in [0, 1], got {list(p_values)!r:.200}")
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted_sorted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    adjusted = np.empty(m)
    adjusted[order] = adjusted_sorted
    return [bool(a <= q) for a in adjusted], [float(a) for a in adjusted]


def thin(indices: np.ndarray, horizon: int) -> np.ndarray:
    """Mask of the firings kept so that no two outcome windows of ``horizon`` candles overlap (greedy, oldest first).

    ``indices`` must be sorted. Depends only on when firings happened, never on
    what followed them.
    """
    kept = np.zeros(len(indices), dtype=bool)
    next_free = -(2**62)
    for position, index in enumerate(indices.tolist()):
        if index >= next_free:
            kept[position] = True
            next_free = index + horizon
    return kept


def judge(
    tests: Mapping[str, Mapping[int, EdgeRecord]], *, q: float = FDR_Q, t_min: float = T_MIN
) -> dict[str, dict[int, EdgeRecord]]:
    """The tests of ``rule -> horizon -> test`` with BH's q, kept flag and the verdict filled in.

    Only tested entries (``p`` not None) are corrected, each by BH within its
    own ``family``, the rate ``q`` shared equally among the families that
    hold tests (see the module docstring); the others are
    :data:`~.edge_verdicts.TOO_FEW` when short of blocks, otherwise
    :data:`~.edge_verdicts.NO_EVIDENCE` (e.g. a base rate of 0 or 1, nothing
    to beat). Which family a test is in depends on its firings' directions,
    never on outcomes, so the share each family gets does not either.
    """
    tested = [(rule, h) for rule, by_h in tests.items() for h, test in by_h.items() if test.p is not None]
    in_family = ([(rule, h) for rule, h in tested if tests[rule][h].family == f] for f in (DIRECTIONAL, NEUTRAL))
    families = [keys for keys in in_family if keys]
    verdicts: dict[tuple[str, int], EdgeRecord] = {}
    for keys in families:
        verdicts.update(_judge_family(tests, keys, q=q / len(families), t_min=t_min))
    return {rule: {h: verdicts.get((rule, h), test) for h, test in by_h.items()} for rule, by_h in tests.items()}


def _judge_family(
    tests: Mapping[str, Mapping[int, EdgeRecord]], keys: Sequence[tuple[str, int]], *, q: float, t_min: float
) -> dict[tuple[str, int], EdgeRecord]:
    """The tests at ``keys`` (one family) corrected by BH together, with their verdicts."""
    kept, adjusted = benjamini_hochberg([tests[rule][h].p or 0.0 for rule, h in keys], q)
    verdicts: dict[tuple[str, int], EdgeRecord] = {}
    for (rule, h), keep, q_value in zip(keys, kept, adjusted, strict=True):
        test = tests[rule][h]
        t = test.t or 0.0
        verdict = EDGE if keep and t >= t_min else WORSE if keep and t <= -t_min else NO_EVIDENCE
        verdicts[rule, h] = replace(test, q=q_value, kept=keep, verdict=verdict)
    return verdicts


def floored_excess(
    hits: np.ndarray, shares: np.ndarray, null_variances: np.ndarray | None = None
) -> tuple[float, float]:
    """The mean excess (``hits - shares``) of non-overlapping blocks and its standard error, floored.

    The standard error is the sample one (right for hits of 1, 0 and the half
    of a flat move alike), floored at what a rule without an edge would show:
    the mean of ``null_variances``, each block's no-edge hit variance
    (:attr:`BaseRate.variance`; by default the Bernoulli ``shares (1 -
    shares)``, which is that variance only for hits of 1 or 0). So a short
    lucky run of hits with no spread cannot make ``t`` large. Needs at least
    two blocks.
    """
    if len(hits) < 2 or len(hits) != len(shares):
        raise ValueError(f"the excess needs two or more blocks with a share each, got {len(hits)} and {len(shares)}")
    if null_variances is not None and len(null_variances) != len(hits):
        raise ValueError(f"the floor needs one no-edge variance per block, got {len(null_variances)} for {len(hits)}")
    excess = hits - shares
    floors = shares * (1 - shares) if null_variances is None else null_variances
    null_variance = float(np.mean(floors))
    variance = max(float(excess.var(ddof=1)), null_variance)
    return float(excess.mean()), math.sqrt(variance / len(excess))


def p_value(t: float) -> float:
    """The two-sided normal p-value of ``t`` (see the module docstring for why the normal)."""
    return math.erfc(abs(t) / math.sqrt(2))


class FiringHistory:
    """Every rule's firings over one series' closes, ready to be judged at any candle from only what preceded it.

    Built once (firings sorted, thinned per horizon, forward returns
    precomputed), then :meth:`records_at` answers for a candle in about one
    pass over the closes, so a replay can ask at every emailed candle. ``start`` is the first candle whose forward
    move counts toward the base rate (a replay's warmup: the base rate covers
    the candles the rules were run on). A replay builds one history of all its
    firings and closes and asks at each candle: whatever came later (firings,
    closes, outcomes) is ignored by the question, not by the caller.
    """

    def __init__(
        self,
        closes: Sequence[float] | np.ndarray,
        fired: Mapping[str, Sequence[Firing]],
        *,
        horizons: Sequence[int],
        start: int = 0,
    ) -> None:
        self.closes = np.asarray(closes, dtype=np.float64)
        if any(h < 1 for h in horizons):
            raise ValueError(f"horizons must be positive numbers of candles, got {list(horizons)}")
        if not 0 <= start < len(self.closes):
            raise ValueError(f"start {start} is outside the {len(self.closes)} closes")
        self.horizons = tuple(horizons)
        self.start = start
        self._forward = {h: self.closes[h:] / self.closes[:-h] - 1 for h in self.horizons}
        self._rules: dict[str, tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]]] = {}
        for rule, firings in fired.items():
            ordered = sorted(firings)
            index = np.array([i for i, _ in ordered], dtype=np.int64)
            if len(index) and (index[0] < 0 or index[-1] >= len(self.closes)):
                raise ValueError(f"{rule}: firing indices must lie within the {len(self.closes)} closes")
            direction = np.array([SIGN.get(d, 0) for _, d in ordered], dtype=np.int8)
            self._rules[rule] = (index, direction, {h: thin(index, h) for h in self.horizons})

    def records_at(
        self, at: int, *, q: float = FDR_Q, t_min: float = T_MIN, min_blocks: int = MIN_BLOCKS
    ) -> dict[str, dict[int, EdgeRecord]]:
        """``rule -> horizon -> record`` at candle ``at`` (its close known), judged by :func:`judge`."""
        if not 0 <= at < len(self.closes):
            raise ValueError(f"candle {at} is outside the {len(self.closes)} closes")
        tests: dict[str, dict[int, EdgeRecord]] = {rule: {} for rule in self._rules}
        for h in self.horizons:
            base = self._base(h, at)
            for rule in self._rules:
                tests[rule][h] = self._test(rule, h, at, base, min_blocks)
        return judge(tests, q=q, t_min=t_min)

    def record_at(
        self, rule: str, at: int, *, q: float = FDR_Q, t_min: float = T_MIN, min_blocks: int = MIN_BLOCKS
    ) -> dict[int, EdgeRecord]:
        """``horizon -> record`` of one rule at candle ``at``; BH still corrects over the rule's whole family."""
        if rule not in self._rules:
            raise KeyError(f"no firings were recorded for rule {rule!r}")
        return self.records_at(at, q=q, t_min=t_min, min_blocks=min_blocks)[rule]

    def _base(self, h: int, at: int) -> BaseRate | None:
        """The base rate of the candles ``start..at-h``, whose ``h``-candle moves were complete at ``at``; None when
        there are none."""
        return base_rate(self._forward[h][self.start : max(at - h + 1, self.start)])

    def _big(self, h: int, at: int) -> tuple[float, float]:
        """(share above the median absolute move, the median) over the same past as :meth:`_base`."""
        moves = np.abs(self._forward[h][self.start : at - h + 1])
        median = float(np.median(moves))
        return float(np.mean(moves > median)), median

    def _test(self, rule: str, h: int, at: int, base: BaseRate | None, min_blocks: int) -> EdgeRecord:
        all_index, all_direction, thinned = self._rules[rule]
        known = int(np.searchsorted(all_index, at - h, side="right"))
        if base is None or known == 0:
            return EdgeRecord(h, 0, 0, None, None, None, None, None)
        index, direction, kept = all_index[:known], all_direction[:known], thinned[h][:known]
        moves = self._forward[h][index]
        hits = directional_hits(moves, direction)
        shares = np.where(direction > 0, base.up, base.down)
        floors = np.full(known, base.variance)
        neutral = direction == 0
        family = NEUTRAL if neutral.all() else DIRECTIONAL
        if neutral.any():
            big, median = self._big(h, at)
            hits[neutral] = np.abs(moves[neutral]) > median
            shares[neutral] = big
            floors[neutral] = big * (1 - big)
        blocks = int(kept.sum())
        hit_rate, base_share = float(hits.mean()), float(shares.mean())
        if blocks < max(min_blocks, 2):
            return EdgeRecord(h, known, blocks, hit_rate, base_share, None, None, None, family=family)
        mean, se = floored_excess(hits[kept], shares[kept], floors[kept])
        if se <= 0:
            return EdgeRecord(
                h, known, blocks, hit_rate, base_share, mean, None, None, verdict=NO_EVIDENCE, family=family
            )
        t = mean / se
        return EdgeRecord(h, known, blocks, hit_rate, base_share, mean, t, p_value(t), family=family)
