"""What the live alerts would have done over history: the analysis and the policy, candle by candle.

Each candle in the range is analysed by :func:`crypto_advisor.analysis.closed_candle.analyze`
(what AnalyzeFunction runs) on the candles up to it, and decided by
:func:`crypto_advisor.training.email_record.decide_over`: the live policy with the sends made so far and the
walk-forward bar, the same decisions the daily training run replays for the series' email record.

The measurement (:func:`measure`) is then about the emails a user would have
received: how many, how they spread over days, what headlined them and why the
others were held back, and for directional headlines how often the price went
the way the email pointed, against the base rate of the same candles, tested
the way a rule's record is (:func:`~crypto_advisor.training.email_record.headline_record`), and the rule records
the emails would have quoted (:func:`quoted_records`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import numpy as np

from crypto_advisor.analysis.replay import HORIZONS, walk
from crypto_advisor.analysis.rule_edge import EdgeRecord, FiringHistory
from crypto_advisor.analysis.rules import Rule, with_conditions
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS, WEEK_MS
from crypto_advisor.contracts.watchlist import AlertPolicy, UserCondition
from crypto_advisor.notify.replay_figures import rule_records
from crypto_advisor.training.email_record import (
    Email,
    Simulation,
    decide_over,
    headline_skill,
    headline_skill_by_rule,
)

#: Candles of history an analysis needs before it can judge anything (the indicators' warm-up).
WARMUP = 200


def index_range(candles: Sequence[Candle], start_ts: int | None, end_ts: int | None) -> tuple[int, int]:
    """The first (after the warm-up) and last index of the candles in ``[start_ts, end_ts]``."""
    first = max(WARMUP, next((i for i, c in enumerate(candles) if start_ts is None or c.ts >= start_ts), len(candles)))
    last = max((i for i, c in enumerate(candles) if end_ts is None or c.ts <= end_ts), default=-1)
    return first, last


def nothing_to_decide(candles: Sequence[Candle], start_ts: int | None, end_ts: int | None) -> str | None:
    """Why ``[start_ts, end_ts]`` holds no candle to decide, with the numbers a user can act on; None when it holds one.

    Asked before :func:`simulate`: a young coin's file or a range outside the
    file would otherwise be walked for nothing and reported without a figure
    (``make replay`` says "need more than 200 candles, got 119"; this says as
    much, and for a range, where the decidable candles lie).
    """
    first, last = index_range(candles, start_ts, end_ts)
    if first <= last:
        return None
    if len(candles) <= WARMUP:
        return (
            f"need more than {WARMUP} candles, got {len(candles):,}: the first {WARMUP} are history for the "
            f"indicators, so {WARMUP + 1 - len(candles):,} more are needed before one candle can be decided"
        )
    decidable = f"{_moment(candles[WARMUP].ts)}..{_moment(candles[-1].ts)}"
    held = f"the first {WARMUP} of the {len(candles):,} candles are history for the indicators"
    if start_ts is not None and end_ts is not None and start_ts > end_ts:
        return f"the range {_moment(start_ts)}..{_moment(end_ts)} ends before it starts"
    if start_ts is not None and start_ts > candles[-1].ts:
        return f"the range starts {_moment(start_ts)}, after the last candle ({_moment(candles[-1].ts)})"
    if end_ts is not None and end_ts < candles[WARMUP].ts:
        return (
            f"the range ends {_moment(end_ts)}, before the first candle that can be decided "
            f"({_moment(candles[WARMUP].ts)}: {held}); candles can be decided {decidable}"
        )
    since = _moment(start_ts) if start_ts is not None else "the start"
    until = _moment(end_ts) if end_ts is not None else "the end"
    window = f"{since}..{until}"
    return f"no candle in the range {window}: candles can be decided {decidable} ({held})"


def _moment(ts: int) -> str:
    """A UTC day, with the time for a candle opening within the day; a range's end (the day's last ms) is its day."""
    moment = datetime.fromtimestamp(ts / 1000, tz=UTC)
    if ts % DAY_MS == DAY_MS - 1:  # the range's end: the day's last millisecond
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d" if ts % DAY_MS == 0 else "%Y-%m-%d %H:%M")


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


def quoted_records(sim: Simulation) -> dict[str, int]:
    """How the rule records the emails would have quoted read, counted by verdict.

    At each email, the records are what the live replay report holds: every
    rule at every one of its horizons (:data:`~crypto_advisor.analysis.replay.HORIZONS`),
    out of sample (only the firings and closes before the emailed candle,
    :class:`~crypto_advisor.analysis.rule_edge.FiringHistory`) and judged
    together by Benjamini-Hochberg. They are read by the email's own reader
    (:func:`~crypto_advisor.notify.replay_figures.rule_records`: the preferred
    horizon, else the longest with data; a rule with no outcome yet is not
    quoted), so "better than chance" is counted exactly when an email would
    say it.
    """
    if not sim.emails or not sim.fired:
        return {}
    closes = [c.close for c in sim.candles]
    history = FiringHistory(closes, sim.fired, horizons=HORIZONS, start=sim.first_index)
    verdicts: Counter[str] = Counter()
    for email in sim.emails:
        quoted = rule_records(_as_report(history.records_at(email.index)))
        verdicts.update(quoted[rule].verdict for rule in email.rules if rule in quoted)
    return dict(verdicts.most_common())


def _as_report(records: dict[str, dict[int, EdgeRecord]]) -> dict[str, Any]:
    """Records in the replay report's shape (the figures the email reads: n, rates and the test's)."""
    return {
        "replayed": 0,
        "rules": [
            {
                "rule_id": rule,
                "horizons": {
                    str(h): {"n": r.n, "hit_rate": r.hit_rate, "base_rate": r.base_rate, **r.as_dict()}
                    for h, r in by_h.items()
                },
            }
            for rule, by_h in records.items()
        ],
    }


#: How soon after the previous email an email counts as a repeat: a burst on one move, as a reader's inbox feels it.
REPEAT_WITHIN_HOURS = (6, 24)


def repeats(emails: Sequence[Email]) -> dict[str, int]:
    """Per window of :data:`REPEAT_WITHIN_HOURS`: the emails that came at most that many hours (candle time) after
    the series' previous one, ``{"6h": 12, "24h": 80}``.

    At most, not less than: a daily series' emails on consecutive candles are exactly 24 h apart, and "less than 24 h"
    counted none of them (0 on every daily series, while 120 of ETH 1d's 599 emails came the day after another)."""
    times = sorted(e.ts for e in emails)
    gaps = [later - earlier for earlier, later in pairwise(times)]
    return {f"{h}h": sum(1 for gap in gaps if gap <= h * HOUR_MS) for h in REPEAT_WITHIN_HOURS}


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts / 1000, tz=UTC).isoformat()


def _sigma(email: Email) -> float | None:
    return None if email.move_sigma is None else round(email.move_sigma, 2)


def over_budget(emails: Sequence[Email], *, examples: int = 5) -> dict[str, Any]:
    """The emails sent over the spent weekly cap (the policy's over-budget test): how many, and the first
    ``examples`` with their move and the week's emails before them (what each was rarer than)."""
    over = [e for e in emails if e.over_budget]
    shown = []
    for email in over[:examples]:
        week = [e for e in emails if email.ts - WEEK_MS < e.ts < email.ts]
        shown.append(
            {
                "at": _iso(email.ts),
                "rule": email.headline_rule,
                "rarity": email.rarity,
                "move_sigma": _sigma(email),
                "week": [{"at": _iso(e.ts), "rule": e.headline_rule, "move_sigma": _sigma(e)} for e in week],
            }
        )
    return {"emails": len(over), "examples": shown}


def measure(sim: Simulation) -> dict[str, Any]:
    """The figures ``make alert-quality`` reports and writes as JSON (keys documented in the README)."""
    if not sim.analysed:
        raise ValueError(
            f"nothing was analysed: none of the {len(sim.candles):,} candles from index {sim.first_index:,} (after "
            f"the {WARMUP}-candle warm-up) is in the range"
        )
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
        "from": _iso(first_ts),
        "to": _iso(last_ts),
        "candles_analysed": sim.analysed,
        "days": len(days),
        "emails": len(sim.emails),
        "emails_per_week": round(len(sim.emails) / (span_ms / WEEK_MS), 3),
        "emails_per_day_median": float(np.median(counts)),
        "emails_per_day_p90": float(np.percentile(counts, 90)),
        "emails_per_day_max": max(counts),
        "days_without_alert_share": round(sum(1 for c in counts if c == 0) / len(counts), 4),
        "repeats": repeats(sim.emails),
        "over_budget": over_budget(sim.emails),
        "digests": len(days),
        "headline": {
            "rules": dict(headlines.most_common()),
            "directional_share": round(sum(1 for e in sim.emails if e.direction != "neutral") / len(sim.emails), 4)
            if sim.emails
            else None,
            "skill": headline_skill(sim),
            "by_rule": headline_skill_by_rule(sim),
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
            {"at": _iso(e.ts), "rule": e.headline_rule, "rarity": e.rarity}
            for e in sim.emails[:: max(1, len(sim.emails) // 8)][:8]
        ],
    }
