"""The emails the live policy would have sent over replayed candles, and how their headlines fared.

Given the walked signals of a series (:func:`crypto_advisor.analysis.replay.walk`, the live analysis candle by
candle), :func:`decide_over` runs :func:`crypto_advisor.notify.policy.decide` (what NotifyFunction runs) with the
sends made so far: cooldowns, the rarity bar and the weekly cap act exactly as live. The sends the policy sees are
those NotifyFunction reads from the log: :func:`~crypto_advisor.notify.policy.cooldown_window` of the longest
cooldown (the policy's or a condition's), so a cooldown longer than the weekly cap's seven days, and the follow-up
check within it, apply in full. The bar is walk-forward, the way the daily training run sets it live: once a day (at
00:00 UTC) it is recalibrated by :func:`~crypto_advisor.training.calibration.calibrate_trailing` from the candidates
of the trailing :data:`~crypto_advisor.training.calibration.CALIBRATION_DAYS` only, and the default bar applies until
:data:`~crypto_advisor.analysis.alert_budget.MIN_CALIBRATION_WEEKS` of history exist. Nothing a decision uses comes
from after its candle.

Two readers: ``make alert-quality`` (:mod:`crypto_advisor.cli.alert_simulation`) measures a whole range, and the
daily training run (:func:`crypto_advisor.training.service.replay_with_bar`) writes the series' :func:`email_record`
into the replay report, which the alert email quotes: how often past emails on this series pointed the right way,
tested as a rule's record is. The training run sits above the notifier in the layers for this: it replays the
notifier's policy, as it replays the analysis.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from crypto_advisor.analysis.alert_budget import AlertBar, Candidate, candidate_of, default_bar
from crypto_advisor.analysis.edge_verdicts import EDGE, NO_EVIDENCE, T_MIN, TOO_FEW, WORSE, dropped_by_correction
from crypto_advisor.analysis.replay import HORIZONS
from crypto_advisor.analysis.rule_edge import (
    MIN_BLOCKS,
    SIGN,
    EdgeRecord,
    base_rate,
    directional_hits,
    floored_excess,
    judge,
    p_value,
    thin,
)
from crypto_advisor.contracts.alerts import SentAlert
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.units import DAY_MS
from crypto_advisor.contracts.watchlist import AlertPolicy, UserCondition
from crypto_advisor.notify.headline import headline_order
from crypto_advisor.notify.policy import Send, cooldown_window, decide, longest_cooldown
from crypto_advisor.training.calibration import calibrate_trailing


@dataclass(frozen=True, slots=True)
class Email:
    """One alert email the policy would have sent."""

    ts: int
    index: int
    headline_rule: str
    direction: str
    rarity: str
    rules: tuple[str, ...]
    #: the size of its candle's move in sigmas (:func:`~crypto_advisor.analysis.alert_budget.move_size`); None: unknown
    move_sigma: float | None = None
    #: sent over the spent weekly cap, as the live policy's :class:`~crypto_advisor.notify.policy.Send` says
    over_budget: bool = False


@dataclass
class Simulation:
    """The emails and suppressions of a replayed range, with the candles to measure them against."""

    series: Series
    candles: Sequence[Candle]
    first_index: int
    emails: list[Email] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)
    #: rules that fired on candles held back, by the reason they were held back
    held_back: dict[str, Counter[str]] = field(default_factory=dict)
    bars: list[AlertBar] = field(default_factory=list)
    analysed: int = 0
    #: every firing of the range, ``rule -> [(candle index, direction)]``: what the rule records are judged on
    fired: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    #: the candles whose firings passed health and severity, in order: what the rarity bar is calibrated on
    candidates: list[Candidate] = field(default_factory=list)


def decide_over(
    series: Series,
    candles: Sequence[Candle],
    signals: Iterable[tuple[int, Signal]],
    policy: AlertPolicy,
    *,
    first: int,
    conditions: Sequence[UserCondition] = (),
) -> Simulation:
    """The live policy over ``signals`` (in candle order), with the sends made so far and a walk-forward bar.

    The sends the policy sees at a candle are those live reads from the log:
    the :func:`~crypto_advisor.notify.policy.cooldown_window` of the longest
    cooldown of the policy and its conditions, up to the candle (no later send
    exists yet).
    """
    tf = series.timeframe_ms
    sim = Simulation(series=series, candles=candles, first_index=first)
    candidates = sim.candidates
    sends: list[SentAlert] = []
    bar = default_bar(tf, policy.max_per_week)
    calibrated_day: int | None = None
    longest = longest_cooldown(policy, conditions)
    for index, signal in signals:
        ts = signal.candle_ts
        if ts // DAY_MS != calibrated_day:
            calibrated_day = ts // DAY_MS
            bar = calibrate_trailing(candidates, first_ts=candles[first].ts, end_ts=ts, timeframe_ms=tf, policy=policy)
            sim.bars.append(bar)
        sim.analysed += 1
        for firing in signal.firings:
            sim.fired.setdefault(firing.rule_id, []).append((index, firing.direction))
        since = cooldown_window(ts, longest)[0]
        recent = [s for s in sends if since <= s.candle_ts <= ts]
        decision = decide(
            signal, policy, recent, default_recipients=("you@example.com",), bar=bar.score, conditions=conditions
        )
        if isinstance(decision, Send):
            headline = headline_order(decision.firings)[0]
            sent = decision.as_sent(signal)
            sends.append(sent)
            sim.emails.append(
                Email(
                    ts=ts,
                    index=index,
                    headline_rule=headline.rule_id,
                    direction=headline.direction,
                    rarity=headline.rarity.words if headline.rarity is not None else "",
                    rules=decision.rules,
                    move_sigma=sent.move_sigma,
                    over_budget=decision.over_budget is not None,
                )
            )
        else:
            sim.reasons[decision.reason] += 1
            if decision.rules:
                sim.held_back.setdefault(decision.reason, Counter()).update(decision.rules)
        if (candidate := candidate_of(signal, policy)) is not None:
            candidates.append(candidate)
    return sim


def headline_record(
    indices: np.ndarray,
    hits: np.ndarray,
    shares: np.ndarray,
    horizon: int,
    *,
    min_blocks: int = MIN_BLOCKS,
    null_variances: np.ndarray | None = None,
) -> tuple[EdgeRecord, float | None]:
    """The emails' outcomes tested as a rule's record is, over emails whose outcome windows do not overlap, and the
    smallest edge that test could detect.

    ``indices`` are the emails' candles (sorted), ``hits`` 1 when the price went
    the way the email pointed ``horizon`` candles later (0 the other way, half
    when unchanged: :func:`~crypto_advisor.analysis.rule_edge.directional_hits`),
    ``shares`` the base rate each is measured against and ``null_variances``
    the hit's variance over the candles of that base rate (the floor of a
    no-edge headline's spread; by default the Bernoulli one, right when no
    candle was flat). The emails kept are
    :func:`~crypto_advisor.analysis.rule_edge.thin`'s (each one's window
    starts after the previous kept one's ended, decided by time alone). Unlike
    a rule's record, the hit and base rates are over those same kept emails as
    ``t``, so the figures printed side by side cannot contradict each other.
    The standard error is floored at a no-edge headline's
    (:func:`~crypto_advisor.analysis.rule_edge.floored_excess`). The second
    value is the power: ``t`` reaches :data:`T_MIN` only for an excess of at
    least ``T_MIN`` standard errors, so a smaller real edge would have gone
    undetected; None when not tested (fewer than ``min_blocks`` kept emails).
    """
    kept = thin(indices, horizon)
    hits, shares = hits[kept], shares[kept]
    floors = None if null_variances is None else null_variances[kept]
    blocks = len(hits)
    hit_rate = float(hits.mean()) if blocks else None
    base_share = float(shares.mean()) if blocks else None
    untested = EdgeRecord(horizon, len(indices), blocks, hit_rate, base_share, None, None, None)
    if blocks < max(min_blocks, 2):
        return untested, None
    excess, se = floored_excess(hits, shares, floors)
    if se <= 0:
        return replace(untested, excess=excess, verdict=NO_EVIDENCE), None
    return replace(untested, excess=excess, t=excess / se, p=p_value(excess / se)), T_MIN * se


def _skill_figures(record: EdgeRecord, detectable: float | None) -> dict[str, Any]:
    """One horizon's figures as the report writes them, with words that say what they support."""
    figures = {
        "n": record.n,
        "blocks": record.blocks,
        "hit_rate": _rounded(record.hit_rate, 4),
        "base_rate": _rounded(record.base_rate, 4),
        "t": _rounded(record.t, 2),
        "detectable_edge": _rounded(detectable, 4),
        "verdict": record.verdict,
    }
    return {**figures, "reading": skill_words(figures)}


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def skill_words(skill: dict[str, Any]) -> str:
    """What a horizon's headline test supports, in words, with its power when it found nothing."""
    if skill["verdict"] == TOO_FEW:
        return f"too few non-overlapping emails to test ({skill['blocks']}, {MIN_BLOCKS} needed)"
    if skill["verdict"] == EDGE:
        return "better than chance"
    if skill["verdict"] == WORSE:
        return "worse than chance"
    t = skill.get("t")
    short = (
        f"; t = {t:.2f} falls short of significance once the {len(HORIZONS)} horizons are tested together"
        if dropped_by_correction(skill["verdict"], t)
        else ""
    )
    if skill["detectable_edge"] is None:
        return f"no evidence of an edge{short}"
    points = 100 * skill["detectable_edge"]
    return f"no evidence of an edge; an edge under about {points:.0f} points would not be detected{short}"


def headline_skill(sim: Simulation) -> dict[str, Any]:
    """Per horizon: how often a directional headline was right, against the base rate of the analysed candles.

    The base rate is the share of all analysed candles followed by a move the
    same way (up for a bullish headline, down for a bearish one), so an email
    pointing up in a rising market is not credited with the market's drift.
    Both count an unchanged close as half a hit
    (:func:`~crypto_advisor.analysis.rule_edge.base_rate`): on a pair that is
    flat most hours, emails sent when it moves would otherwise beat the quiet
    hours' base rate without pointing the right way any more often. The test
    is :func:`headline_record`'s, the horizons corrected together by
    Benjamini-Hochberg (:func:`~crypto_advisor.analysis.rule_edge.judge`) as a
    rule's horizons are.
    """
    directional = [e for e in sim.emails if e.direction in SIGN]
    return _judged_skill(sim, {"headline": directional})["headline"]


def headline_skill_by_rule(sim: Simulation) -> dict[str, dict[str, Any]]:
    """:func:`headline_skill` of each headline rule's directional emails apart, every rule and horizon corrected
    together by Benjamini-Hochberg (:func:`~crypto_advisor.analysis.rule_edge.judge`, as the rule records are).

    The series-wide figure pools emails of opposite kinds: on LTC/USD daily the headlines were right a day later
    43% of the time against 50% (worse than chance), and whether that is the 24-hour moves, which report a move,
    or OBV divergences, which anticipate a turn, decides which emails a trader should read against their label. Split,
    each rule has fewer emails and the correction counts more tests, so a rule's own verdict is harder to reach: a
    rule named better or worse than chance here is so after testing every rule and horizon of the series. Rules by
    how many directional emails they headlined, most first.
    """
    by_rule: dict[str, list[Email]] = {}
    for email in sim.emails:
        if email.direction in SIGN:
            by_rule.setdefault(email.headline_rule, []).append(email)
    return _judged_skill(sim, dict(sorted(by_rule.items(), key=lambda item: (-len(item[1]), item[0]))))


def _judged_skill(sim: Simulation, groups: dict[str, list[Email]]) -> dict[str, dict[str, Any]]:
    """Each group of directional emails tested at every horizon, all groups and horizons corrected together."""
    closes = np.array([c.close for c in sim.candles])
    analysed = np.arange(sim.first_index, sim.first_index + sim.analysed)
    records: dict[str, dict[int, EdgeRecord]] = {}
    detectable: dict[str, dict[int, float | None]] = {}
    for name, emails in groups.items():
        records[name], detectable[name] = {}, {}
        for h in HORIZONS:
            indices, hits, shares, floors = _headline_outcomes(closes, emails, analysed[analysed + h < len(closes)], h)
            records[name][h], detectable[name][h] = headline_record(indices, hits, shares, h, null_variances=floors)
    judged = judge(records)
    return {name: {str(h): _skill_figures(judged[name][h], detectable[name][h]) for h in HORIZONS} for name in records}


def _headline_outcomes(
    closes: np.ndarray, emails: Sequence[Email], start: np.ndarray, horizon: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The candles, hits, base rates and no-edge hit variances of the directional ``emails`` whose outcome
    ``horizon`` candles later is known, the base rate over the analysed candles ``start`` (whose outcomes are)."""
    base = base_rate(closes[start + horizon] / closes[start] - 1)
    known = [e for e in emails if e.index + horizon < len(closes)]
    if base is None or not known:
        nothing = np.array([], dtype=np.float64)
        return np.array([], dtype=np.int64), nothing, nothing, nothing
    indices = np.array([e.index for e in known], dtype=np.int64)
    sign = np.array([SIGN[e.direction] for e in known], dtype=np.int8)
    hits = directional_hits(closes[indices + horizon] / closes[indices] - 1, sign)
    return indices, hits, np.where(sign > 0, base.up, base.down), np.full(len(known), base.variance)


def email_record(sim: Simulation, *, after_gap: bool = False) -> dict[str, Any]:
    """The series' email record as the replay report stores it and the alert email quotes it.

    ``emails`` counts every email of the range, ``directional`` those whose
    headline pointed up or down, ``from_ts`` and ``to_ts`` the first and last
    candle decided; ``horizons`` is :func:`headline_skill` (per horizon of
    :data:`~crypto_advisor.analysis.replay.HORIZONS`, as a string key);
    ``after_gap`` that the range is the archive's stretch after its last gap; ``by_rule`` is
    :func:`headline_skill_by_rule`, which an email quotes for its own headline rule when a horizon is significant.
    """
    first_ts = sim.candles[sim.first_index].ts if sim.analysed else None
    last_ts = sim.candles[sim.first_index + sim.analysed - 1].ts if sim.analysed else None
    return {
        "emails": len(sim.emails),
        "directional": sum(1 for e in sim.emails if e.direction in SIGN),
        "from_ts": first_ts,
        "to_ts": last_ts,
        "horizons": headline_skill(sim),
        "after_gap": after_gap,
        "by_rule": headline_skill_by_rule(sim),
    }
