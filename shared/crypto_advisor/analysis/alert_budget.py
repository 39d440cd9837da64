"""The alert budget: the rarity bar a firing must clear so that a series emails about as often as its owner asked.

The watchlist says how many emails a week a series may send (``alerts:
max_per_week``, default 3). Rarity (:mod:`crypto_advisor.analysis.rarity`)
scores each firing by its record length in candles; this module finds, on the
series' own history, the lowest bar (a record length) at which the alert policy
would have sent no more than the budget, and that bar is what the live policy
applies. Whatever does not clear it goes to the daily digest instead.

Why calibrate on the series' own history rather than fix one bar for all: a
quiet large-cap and a jumpy small-cap make records at different rates, and the
same rule fires at different rates on 1h and 1d candles. The bar is set by the
daily training run from the replay of the archive (walk-forward: only candles
that already closed), so the budget holds for the market as it is now; before
the first training run, a default bar of two weeks' record applies.

The calibration replays the policy's own budget arithmetic: per-rule cooldown,
the follow-up (within the cooldown of an email, the next one needs a rarer
firing) and a rolling seven-day cap (the hard safety net the live policy also
applies).
It aims at :data:`BUDGET_FILL` of the budget, because a bar set on the past is
an estimate and the budget is a ceiling, not a target.

Pure: the past candidates in, one :class:`AlertBar` out.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from crypto_advisor.contracts.signal import FiringRecord, Signal
from crypto_advisor.contracts.units import DAY_MS, WEEK_MS
from crypto_advisor.contracts.watchlist import AlertPolicy

#: The share of the weekly budget the calibrated bar aims at on the past.
BUDGET_FILL = 0.75
#: Before any calibration: a record of two weeks (336 hourly candles).
DEFAULT_BAR_MS = 14 * DAY_MS
#: However lavish the budget, a record shorter than two days, or than 10 candles, is routine and never emails.
MIN_BAR_MS = 2 * DAY_MS
MIN_BAR_CANDLES = 10
#: Less history than this and the calibration keeps the default bar (too few weeks to estimate a rate).
MIN_CALIBRATION_WEEKS = 4.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candle whose firings passed health and severity: each rule with its rarity score, the way it points."""

    ts: int
    scores: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class AlertBar:
    """The record length (in candles) a firing's rarity must reach to email, and how it was chosen.

    ``emails_per_week`` is what the bar would have sent over the ``weeks`` of
    history it was calibrated on (None for the default bar).
    """

    score: float
    source: str  # "calibrated" | "default"
    max_per_week: float
    weeks: float = 0.0
    candidates: int = 0
    emails_per_week: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertBar:
        """Read back :meth:`as_dict`; a malformed mapping raises ValueError naming the field."""
        try:
            score = float(data["score"])
            budget = float(data["max_per_week"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"alert bar without a numeric score and max_per_week: {dict(data)!r:.160}") from exc
        if not math.isfinite(score) or score < 0:
            raise ValueError(f"alert bar score {score!r} is not a record length")
        per_week = data.get("emails_per_week")
        return cls(
            score=score,
            source=str(data.get("source", "calibrated")),
            max_per_week=budget,
            weeks=float(data.get("weeks", 0.0)),
            candidates=int(data.get("candidates", 0)),
            emails_per_week=float(per_week) if isinstance(per_week, (int, float)) else None,
        )


def score_of(firing: FiringRecord) -> float:
    """A firing's rarity score; 0 for a signal stored before rarity existed (so it never clears a bar)."""
    return firing.rarity.score if firing.rarity is not None else 0.0


def candidate_of(signal: Signal, policy: AlertPolicy) -> Candidate | None:
    """The signal as the budget's calibration sees it: its healthy firings of enough severity with their scores."""
    if not signal.health.healthy:
        return None
    scores: dict[str, float] = {}
    for firing in signal.active_firings:
        if firing.severity >= policy.min_severity:
            scores[firing.rule_id] = max(scores.get(firing.rule_id, 0.0), score_of(firing))
    return Candidate(signal.candle_ts, scores) if scores else None


def floor_candles(timeframe_ms: int) -> int:
    """The lowest bar any budget may set: two days' record, and never under 10 candles."""
    return max(MIN_BAR_CANDLES, math.ceil(MIN_BAR_MS / timeframe_ms))


def default_bar(timeframe_ms: int, max_per_week: float) -> AlertBar:
    """The bar before the series has been calibrated: a record of two weeks (at least the floor)."""
    return AlertBar(
        score=float(max(floor_candles(timeframe_ms), math.ceil(DEFAULT_BAR_MS / timeframe_ms))),
        source="default",
        max_per_week=max_per_week,
    )


def simulate(
    candidates: Iterable[Candidate], bar: float, *, cooldown_ms: int, weekly_cap: int
) -> list[tuple[int, tuple[str, ...]]]:
    """The emails (candle ts, rules) the policy's budget arithmetic sends at ``bar``, in time order.

    A rule whose score reaches the bar and was not emailed within ``cooldown_ms``
    makes an email, unless an email within ``cooldown_ms`` carried a score at
    least as high (the follow-up) or ``weekly_cap`` emails went out in the seven
    days before. The same order of checks as the live policy.
    """
    sent: list[tuple[int, tuple[str, ...]]] = []
    last_sent: dict[str, int] = {}
    told: tuple[int, float] | None = None  # the last email: its candle and its rarest score
    week: deque[int] = deque()
    for candidate in sorted(candidates, key=lambda c: c.ts):
        clearing = [rule for rule, score in candidate.scores.items() if score >= bar]
        fresh = tuple(r for r in clearing if candidate.ts - last_sent.get(r, -(10**18)) >= cooldown_ms)
        if not fresh:
            continue
        rarest = max(candidate.scores[r] for r in fresh)
        if told is not None and candidate.ts - told[0] < cooldown_ms and rarest <= told[1]:
            continue
        while week and candidate.ts - week[0] >= WEEK_MS:
            week.popleft()
        if len(week) >= weekly_cap:
            continue
        week.append(candidate.ts)
        for rule in fresh:
            last_sent[rule] = candidate.ts
        told = (candidate.ts, rarest)
        sent.append((candidate.ts, fresh))
    return sent


def calibrate(
    candidates: Sequence[Candidate],
    *,
    span_ms: int,
    timeframe_ms: int,
    max_per_week: float,
    cooldown_ms: int,
    weekly_cap: int,
) -> AlertBar:
    """The lowest bar at which ``candidates`` (over ``span_ms`` of history) send at most the aimed share of the budget.

    Returns the default bar when the history is shorter than
    :data:`MIN_CALIBRATION_WEEKS`. The search is over the scores that occur
    (a bar between two of them sends the same emails as the higher one), by
    bisection: the number of emails only falls as the bar rises, up to the
    cooldown's interplay, which can only make the chosen bar a little higher.
    """
    weeks = span_ms / WEEK_MS
    if weeks < MIN_CALIBRATION_WEEKS:
        return default_bar(timeframe_ms, max_per_week)
    floor = float(floor_candles(timeframe_ms))
    levels = sorted({s for c in candidates for s in c.scores.values() if s >= floor} | {floor})
    aim = max_per_week * BUDGET_FILL

    def rate(bar: float) -> float:
        return len(simulate(candidates, bar, cooldown_ms=cooldown_ms, weekly_cap=weekly_cap)) / weeks

    low, high = 0, len(levels)  # the answer is levels[i] for the first i whose rate fits; len(levels): above them all
    while low < high:
        middle = (low + high) // 2
        if rate(levels[middle]) <= aim:
            high = middle
        else:
            low = middle + 1
    bar = levels[low] if low < len(levels) else levels[-1] + 1
    return AlertBar(
        score=bar,
        source="calibrated",
        max_per_week=max_per_week,
        weeks=round(weeks, 2),
        candidates=len(candidates),
        emails_per_week=round(rate(bar), 3),
    )


def current_bar(stored: Mapping[str, Any] | None, *, timeframe_ms: int, max_per_week: float) -> AlertBar:
    """The bar the live policy applies: the stored calibration, or the default when there is none or it is stale.

    A calibration made for another budget (the owner changed ``max_per_week``
    since the last training run) is stale: the default bar applies until the
    next run recalibrates. A malformed stored bar raises ValueError.
    """
    if stored is None:
        return default_bar(timeframe_ms, max_per_week)
    bar = AlertBar.from_dict(stored)
    if not math.isclose(bar.max_per_week, max_per_week):
        return default_bar(timeframe_ms, max_per_week)
    return bar
