"""What the live alerts would have done over history: the analysis and the policy, candle by candle.

Each candle in the range is analysed by :func:`crypto_advisor.analysis.closed_candle.analyze`
(what AnalyzeFunction runs) on the candles up to it, and decided by
:func:`crypto_advisor.notify.policy.decide` (what NotifyFunction runs) with the
sends made so far: cooldowns, the rarity bar and the weekly cap act exactly as
live. The bar is walk-forward, the way the daily training run sets it live:
once a day (at 00:00 UTC) it is recalibrated
(:func:`crypto_advisor.analysis.alert_budget.calibrate`) from the candidates of
the trailing :data:`CALIBRATION_DAYS` only, and the default bar applies until
:data:`~crypto_advisor.analysis.alert_budget.MIN_CALIBRATION_WEEKS` of history
exist. Nothing a decision uses comes from after its candle.

The measurement (:func:`measure`) is then about the emails a user would have
received: how many, how they spread over days, what headlined them and why the
others were held back, and for directional headlines how often the price went
the way the email pointed, against the base rate of the same candles.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from crypto_advisor.analysis.alert_budget import AlertBar, Candidate, calibrate, candidate_of, default_bar
from crypto_advisor.analysis.replay import walk
from crypto_advisor.analysis.rule_edge import FiringHistory
from crypto_advisor.analysis.rules import Rule, with_conditions
from crypto_advisor.contracts.alerts import SentAlert
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.units import DAY_MS, WEEK_MS
from crypto_advisor.contracts.watchlist import AlertPolicy, UserCondition
from crypto_advisor.notify.policy import Send, decide
from crypto_advisor.notify.view import PREFERRED_HORIZON, headline_order

#: History the daily recalibration of the bar looks back on (as the training run's replay of the archive).
CALIBRATION_DAYS = 365
#: Outcome horizons, in candles, of the headline's hit rate.
HORIZONS = (1, 4, 24)
#: Candles of history an analysis needs before it can judge anything (the indicators' warm-up).
WARMUP = 200


@dataclass(frozen=True, slots=True)
class Email:
    """One alert email the policy would have sent."""

    ts: int
    index: int
    headline_rule: str
    direction: str
    rarity: str
    rules: tuple[str, ...]


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


def index_range(candles: Sequence[Candle], start_ts: int | None, end_ts: int | None) -> tuple[int, int]:
    """The first (after the warm-up) and last index of the candles in ``[start_ts, end_ts]``."""
    first = max(WARMUP, next((i for i, c in enumerate(candles) if start_ts is None or c.ts >= start_ts), len(candles)))
    last = max((i for i, c in enumerate(candles) if end_ts is None or c.ts <= end_ts), default=-1)
    return first, last


def decide_over(
    series: Series,
    candles: Sequence[Candle],
    signals: Iterable[tuple[int, Signal]],
    policy: AlertPolicy,
    *,
    first: int,
    conditions: Sequence[UserCondition] = (),
) -> Simulation:
    """The live policy over ``signals`` (in candle order), with the sends made so far and a walk-forward bar."""
    tf = series.timeframe_ms
    sim = Simulation(series=series, candles=candles, first_index=first)
    candidates: list[Candidate] = []
    sends: list[SentAlert] = []
    bar = default_bar(tf, policy.max_per_week)
    calibrated_day: int | None = None
    for index, signal in signals:
        ts = signal.candle_ts
        if ts // DAY_MS != calibrated_day:
            calibrated_day = ts // DAY_MS
            since = max(ts - CALIBRATION_DAYS * DAY_MS, candles[first].ts)
            bar = calibrate(
                [c for c in candidates if c.ts >= since],
                span_ms=ts - since,
                timeframe_ms=tf,
                max_per_week=policy.max_per_week,
                cooldown_ms=policy.cooldown_ms,
                weekly_cap=policy.weekly_cap,
            )
            sim.bars.append(bar)
        sim.analysed += 1
        for firing in signal.firings:
            sim.fired.setdefault(firing.rule_id, []).append((index, firing.direction))
        recent = [s for s in sends if ts - WEEK_MS < s.candle_ts <= ts]
        decision = decide(
            signal, policy, recent, default_recipients=("you@example.com",), bar=bar.score, conditions=conditions
        )
        if isinstance(decision, Send):
            headline = headline_order(decision.firings)[0]
            sends.append(SentAlert(ts, decision.rules, decision.score))
            sim.emails.append(
                Email(
                    ts=ts,
                    index=index,
                    headline_rule=headline.rule_id,
                    direction=headline.direction,
                    rarity=headline.rarity.words if headline.rarity is not None else "",
                    rules=decision.rules,
                )
            )
        else:
            sim.reasons[decision.reason] += 1
            if decision.rules:
                sim.held_back.setdefault(decision.reason, Counter()).update(decision.rules)
        if (candidate := candidate_of(signal, policy)) is not None:
            candidates.append(candidate)
    return sim


def simulate(
    series: Series,
    candles: Sequence[Candle],
    rules: Sequence[Rule],
    policy: AlertPolicy,
    *,
    start_ts: int | None = None,
    end_ts: int | None = None,
    conditions: Sequence[UserCondition] = (),
    progress: Callable[[int, int], None] | None = None,
) -> Simulation:
    """Analyse and decide every candle from ``start_ts`` (default: after the warm-up) to ``end_ts``, as live.

    ``rules`` are the built-in rules; ``conditions`` the series' own, judged
    and emailed the way the live stack does.
    """
    first, last = index_range(candles, start_ts, end_ts)
    judged = with_conditions(rules, conditions)
    signals = walk(series, candles, judged, first=first, last=last, progress=progress)
    return decide_over(series, candles, signals, policy, first=first, conditions=conditions)


def _utc_day(ts: int) -> str:
    return datetime.fromtimestamp(ts / 1000, tz=UTC).strftime("%Y-%m-%d")


def block_t(excess: Sequence[float], times: Sequence[int], horizon_ms: int) -> tuple[float | None, int]:
    """The t-statistic of the mean excess hit over blocks whose outcomes do not overlap, and the number of blocks.

    Emails whose outcome windows overlap (two emails within ``horizon_ms``)
    share most of their outcome, so they are one observation: each block
    starts at an email and takes every later email inside its window; the
    block's value is its mean excess. t = mean / (sd / sqrt(blocks)); None
    with fewer than 2 blocks or no spread.
    """
    blocks: list[list[float]] = []
    start: int | None = None
    for value, ts in sorted(zip(excess, times, strict=True), key=lambda p: p[1]):
        if start is None or ts - start >= horizon_ms:
            blocks.append([])
            start = ts
        blocks[-1].append(value)
    means = [statistics.fmean(b) for b in blocks]
    if len(means) < 2:
        return None, len(means)
    sd = statistics.stdev(means)
    if sd == 0:
        return None, len(means)
    return statistics.fmean(means) / (sd / math.sqrt(len(means))), len(means)


def _headline_skill(sim: Simulation) -> dict[str, Any]:
    """Per horizon: how often a directional headline was right, against the base rate of the analysed candles.

    The base rate is the share of all analysed candles followed by a move the
    same way (up for a bullish headline, down for a bearish one), so an email
    pointing up in a rising market is not credited with the market's drift.
    """
    closes = np.array([c.close for c in sim.candles])
    analysed = np.arange(sim.first_index, sim.first_index + sim.analysed)
    tf = sim.series.timeframe_ms
    directional = [e for e in sim.emails if e.direction in ("bullish", "bearish")]
    skill: dict[str, Any] = {}
    for h in HORIZONS:
        start = analysed[analysed + h < len(closes)]
        forward = closes[start + h] / closes[start] - 1
        base = {"bullish": float(np.mean(forward > 0)), "bearish": float(np.mean(forward < 0))} if len(start) else {}
        hits: list[float] = []
        bases: list[float] = []
        times: list[int] = []
        for email in directional:
            if email.index + h >= len(closes) or not base:
                continue
            move = closes[email.index + h] / closes[email.index] - 1
            hits.append(float(move > 0) if email.direction == "bullish" else float(move < 0))
            bases.append(base[email.direction])
            times.append(email.ts)
        t, blocks = block_t([a - b for a, b in zip(hits, bases, strict=True)], times, h * tf)
        skill[str(h)] = {
            "n": len(hits),
            "blocks": blocks,
            "hit_rate": round(statistics.fmean(hits), 4) if hits else None,
            "base_rate": round(statistics.fmean(bases), 4) if bases else None,
            "t": round(t, 2) if t is not None else None,
        }
    return skill


def quoted_records(sim: Simulation) -> dict[str, int]:
    """How the rule records the emails would have quoted read, counted by verdict.

    Each email quotes, for each of its rules, the out-of-sample record at
    :data:`~crypto_advisor.notify.view.PREFERRED_HORIZON` candles computed only
    from the firings and closes before the emailed candle
    (:class:`~crypto_advisor.analysis.rule_edge.FiringHistory`), judged as one
    Benjamini-Hochberg family: "better than chance" is quoted exactly when the
    verdict is ``edge``.
    """
    if not sim.emails or not sim.fired:
        return {}
    closes = [c.close for c in sim.candles]
    history = FiringHistory(closes, sim.fired, horizons=(PREFERRED_HORIZON,), start=sim.first_index)
    verdicts: Counter[str] = Counter()
    for email in sim.emails:
        records = history.records_at(email.index)
        for rule in email.rules:
            if rule in records:
                verdicts[records[rule][PREFERRED_HORIZON].verdict] += 1
    return dict(verdicts.most_common())


def measure(sim: Simulation) -> dict[str, Any]:
    """The figures ``make alert-quality`` reports and writes as JSON (keys documented in the README)."""
    if not sim.analysed:
        raise ValueError("nothing was analysed: the range holds no candle after the warm-up")
    tf = sim.series.timeframe_ms
    first_ts = sim.candles[sim.first_index].ts
    last_ts = sim.candles[sim.first_index + sim.analysed - 1].ts
    span_ms = last_ts - first_ts + tf
    days = [_utc_day(ts) for ts in range(first_ts - first_ts % DAY_MS, last_ts + 1, DAY_MS)]
    per_day = Counter(_utc_day(e.ts) for e in sim.emails)
    counts = [per_day.get(d, 0) for d in days]
    headlines = Counter(e.headline_rule for e in sim.emails)
    bars = [b.score for b in sim.bars if b.source == "calibrated"]
    return {
        "series": sim.series.key,
        "from": datetime.fromtimestamp(first_ts / 1000, tz=UTC).isoformat(),
        "to": datetime.fromtimestamp(last_ts / 1000, tz=UTC).isoformat(),
        "candles_analysed": sim.analysed,
        "days": len(days),
        "emails": len(sim.emails),
        "emails_per_week": round(len(sim.emails) / (span_ms / WEEK_MS), 3),
        "emails_per_day_median": float(np.median(counts)),
        "emails_per_day_p90": float(np.percentile(counts, 90)),
        "emails_per_day_max": max(counts),
        "days_without_alert_share": round(sum(1 for c in counts if c == 0) / len(counts), 4),
        "digests": len(days),
        "headline": {
            "rules": dict(headlines.most_common()),
            "directional_share": round(sum(1 for e in sim.emails if e.direction != "neutral") / len(sim.emails), 4)
            if sim.emails
            else None,
            "skill": _headline_skill(sim),
        },
        "quoted_records": quoted_records(sim),
        "suppressed": dict(sim.reasons.most_common()),
        "held_back_rules": {reason: dict(c.most_common()) for reason, c in sim.held_back.items()},
        "bar": {
            "calibrations": len(bars),
            "median_candles": float(np.median(bars)) if bars else None,
            "min_candles": min(bars) if bars else None,
            "max_candles": max(bars) if bars else None,
        },
        "examples": [
            {"at": datetime.fromtimestamp(e.ts / 1000, tz=UTC).isoformat(), "rule": e.headline_rule, "rarity": e.rarity}
            for e in sim.emails[:: max(1, len(sim.emails) // 8)][:8]
        ],
    }
