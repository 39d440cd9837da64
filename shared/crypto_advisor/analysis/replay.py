"""Replay: the live analysis run candle by candle over history, and what each rule's firings were worth.

Each step calls :func:`crypto_advisor.analysis.closed_candle.analyze` (the function
AnalyzeFunction runs) on the candles up to that step only, so the replay sees
exactly what the live alert would have seen. For every rule it reports how
often it fired and, for horizons of 1, 4 and 24 candles, the share of firings
followed by a move in the rule's direction against the unconditional share over
every candle (the rule's edge, or lack of it), with the median forward return
after its firings. Both shares count an unchanged close as half a move either
way (:func:`~crypto_advisor.analysis.rule_edge.directional_hits`: on a pair
that mostly does not trade, a rule firing when it does would otherwise beat a
base rate of the quiet hours). Neutral rules (squeeze, ATR spike) have no direction: for
them the share is of moves larger than the median absolute move, against the
same share over every candle.

Those shares are descriptive. Whether a rule's edge is real is the out-of-sample
test of :mod:`crypto_advisor.analysis.rule_edge` (walk-forward, over
non-overlapping firings, Benjamini-Hochberg over every rule and horizon of the
report, directional and neutral rules as two families), added per rule and
horizon as ``blocks``, ``excess``, ``t``, ``p``, ``q``, ``bh_kept``,
``verdict`` and ``family``. The report covers the replay's whole past;
the daily training run writes it before the candles it is quoted on, so the
verdict an email quotes was reached without them. A replay that quotes records
at each of its own candles asks :meth:`~crypto_advisor.analysis.rule_edge.FiringHistory.records_at`
with the firings of :func:`fire`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from crypto_advisor.analysis.closed_candle import analyze
from crypto_advisor.analysis.edge_verdicts import EDGE, T_MIN, WORSE
from crypto_advisor.analysis.rule_edge import (
    DIRECTIONAL,
    FDR_Q,
    MIN_BLOCKS,
    NEUTRAL,
    SIGN,
    Firing,
    FiringHistory,
    base_rate,
    directional_hits,
)
from crypto_advisor.analysis.rules import Rule
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.units import WEEK_MS
from crypto_advisor.market.indicator_spec import WINDOW_CANDLES

HORIZONS = (1, 4, 24)


@dataclass
class RuleStats:
    rule_id: str
    firings: int
    per_week: float
    horizons: dict[int, dict[str, float | int | None]]

    def as_dict(self) -> dict:
        return {
            "rule_id": self.rule_id,
            "firings": self.firings,
            "per_week": self.per_week,
            "horizons": {str(h): v for h, v in self.horizons.items()},
        }


def walk(
    series: Series,
    candles: Sequence[Candle],
    rules: Sequence[Rule],
    *,
    first: int,
    last: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[int, Signal]]:
    """``(index, signal)`` for every candle from ``first`` to ``last`` (default: the end), each analysed by the live
    :func:`~crypto_advisor.analysis.closed_candle.analyze` on the candles up to it only."""
    tf = series.timeframe_ms
    end = len(candles) - 1 if last is None else last
    for index in range(first, end + 1):
        window = candles[max(0, index - WINDOW_CANDLES + 1) : index + 1]
        yield index, analyze(series, window, candle_ts=candles[index].ts, now_ms=candles[index].ts + tf, rules=rules)
        if progress is not None and (index - first) % 1000 == 0:
            progress(index - first, end + 1 - first)


def firings_of(signals: Iterable[tuple[int, Signal]]) -> dict[str, list[Firing]]:
    """``rule id -> [(candle index, direction), ...]`` of walked signals."""
    fired: dict[str, list[Firing]] = defaultdict(list)
    for index, signal in signals:
        for firing in signal.firings:
            fired[firing.rule_id].append((index, firing.direction))
    return dict(fired)


def fire(
    series: Series, candles: Sequence[Candle], rules: Sequence[Rule], *, warmup: int = 200
) -> dict[str, list[Firing]]:
    """``rule id -> [(candle index, direction), ...]``: the analysis run at every candle from ``warmup`` on."""
    return firings_of(walk(series, candles, rules, first=warmup))


def replay(series: Series, candles: Sequence[Candle], rules: Sequence[Rule], *, warmup: int = 200) -> dict:
    """Run the analysis at every candle from ``warmup`` on; per-rule firing statistics and edge verdicts."""
    return replay_report(series, candles, rules, fire(series, candles, rules, warmup=warmup), warmup=warmup)


def replay_report(
    series: Series,
    candles: Sequence[Candle],
    rules: Sequence[Rule],
    fired: dict[str, list[Firing]],
    *,
    warmup: int = 200,
) -> dict:
    """The replay report of ``fired`` (as :func:`fire` returns) over ``candles``, the edge tests at the last one."""
    closes = np.array([c.close for c in candles])
    steps = max(len(candles) - warmup, 0)
    weeks = max(steps * series.timeframe_ms / WEEK_MS, 1e-9)
    base = {h: _base_rates(closes, warmup, h) for h in HORIZONS}
    events_of = {rule.id: fired.get(rule.id, []) for rule in rules}
    tested = (
        FiringHistory(closes, events_of, horizons=HORIZONS, start=warmup).records_at(len(closes) - 1) if steps else {}
    )
    corrected = Counter(r.family for by_h in tested.values() for r in by_h.values() if r.p is not None)
    families = {family: corrected[family] for family in (DIRECTIONAL, NEUTRAL)}
    stats = []
    for rule in rules:
        events = events_of[rule.id]
        horizons = {h: edge(closes, events, h, base[h]) for h in HORIZONS}
        for h, figures in horizons.items():
            if rule.id in tested:
                figures.update(tested[rule.id][h].as_dict())
        stats.append(RuleStats(rule.id, len(events), round(len(events) / weeks, 3), horizons))
    return {
        "series": series.key,
        "candles": len(candles),
        "replayed": steps,
        "from_ts": candles[warmup].ts if steps else None,
        "to_ts": candles[-1].ts,
        "edge_test": {
            "method": "walk-forward, non-overlapping firings, Benjamini-Hochberg over rules x horizons, "
            "directional and neutral rules corrected as two families",
            "t_min": T_MIN,
            "fdr_q": FDR_Q,
            "min_blocks": MIN_BLOCKS,
            "family": sum(families.values()),
            "families": families,
        },
        "rules": [s.as_dict() for s in stats],
    }


def _forward(closes: np.ndarray, index: int, horizon: int) -> float | None:
    if index + horizon >= len(closes):
        return None
    return float(closes[index + horizon] / closes[index] - 1)


def _base_rates(closes: np.ndarray, start: int, horizon: int) -> dict[str, float | None]:
    """Over every candle from ``start``: the base rates of a call up and down (an unchanged close half a hit, as
    :func:`~crypto_advisor.analysis.rule_edge.base_rate` counts them), and of a move above the median move."""
    returns = np.array([r for i in range(start, len(closes)) if (r := _forward(closes, i, horizon)) is not None])
    directional = base_rate(returns)
    if directional is None:
        return {"up": None, "down": None, "big": None, "median_abs": None}
    median_abs = float(np.median(np.abs(returns)))
    return {
        "up": directional.up,
        "down": directional.down,
        "big": float(np.mean(np.abs(returns) > median_abs)),
        "median_abs": median_abs,
    }


def edge(closes: np.ndarray, events: Sequence[Firing], horizon: int, base: dict) -> dict:
    """The share of a rule's firings (index, direction) followed by a move its way (an unchanged close counting half,
    :func:`~crypto_advisor.analysis.rule_edge.directional_hits`), against ``base``'s share."""
    known = [(index, direction) for index, direction in events if index + horizon < len(closes)]
    if not known:
        return {"n": 0, "hit_rate": None, "base_rate": None, "edge": None, "median_return": None}
    index = np.array([i for i, _ in known], dtype=np.int64)
    moves = closes[index + horizon] / closes[index] - 1
    sign = np.array([SIGN.get(direction, 0) for _, direction in known])
    hits = np.where(sign == 0, np.abs(moves) > (base["median_abs"] or 0.0), directional_hits(moves, sign))
    base_shares = [base["up"] if s > 0 else base["down"] if s < 0 else base["big"] for s in sign.tolist()]
    hit_rate = float(hits.mean())
    known_shares = [b for b in base_shares if b is not None]
    base_share = float(np.mean(known_shares)) if known_shares else None
    return {
        "n": len(known),
        "hit_rate": round(hit_rate, 4),
        "base_rate": round(base_share, 4) if base_share is not None else None,
        "edge": round(hit_rate - base_share, 4) if base_share is not None else None,
        "median_return": round(float(np.median(moves)), 6),
    }


def format_table(report: dict) -> str:
    lines = [
        f"replay of {report['series']}: {report['replayed']} candles analysed (of {report['candles']})",
        f"{'rule':<22}{'fired':>6}{'/week':>7}"
        + "".join(f"{f'hit {h}':>9}{f'base {h}':>9}{f'med {h}':>9}{f't {h}':>8}" for h in HORIZONS),
    ]
    for rule in report["rules"]:
        cells = ""
        for h in HORIZONS:
            stats = rule["horizons"][str(h)]
            hit = "-" if stats["hit_rate"] is None else f"{stats['hit_rate']:.0%}"
            base = "-" if stats["base_rate"] is None else f"{stats['base_rate']:.0%}"
            med = "-" if stats["median_return"] is None else f"{stats['median_return']:+.2%}"
            cells += f"{hit:>9}{base:>9}{med:>9}{_t_cell(stats):>8}"
        lines.append(f"{rule['rule_id']:<22}{rule['firings']:>6}{rule['per_week']:>7.2f}{cells}")
    lines.append(
        "hit: firings followed by a move the rule's way (neutral rules: a move above the median), base: the same "
        "over every candle, counting an unchanged close as half; t: out-of-sample edge over non-overlapping "
        "firings; * an edge (or a wrong-way rule) that survives Benjamini-Hochberg over every rule and horizon; "
        "- too few firings to test."
    )
    return "\n".join(lines)


def _t_cell(stats: dict) -> str:
    t = stats.get("t")
    if t is None:
        return "-"
    return f"{t:+.1f}" + ("*" if stats.get("verdict") in (EDGE, WORSE) else "")
