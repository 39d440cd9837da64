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
firing, :meth:`Rarest.rarer_than`, the live policy's own test) and a rolling
seven-day cap (the safety net the live policy also applies), which only a
capped record rarer than each of the week's emails passes (:func:`over_budget`,
the live policy's own test too).
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
from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS

#: The share of the weekly budget the calibrated bar aims at on the past.
BUDGET_FILL = 0.75
#: Before any calibration: a record of two weeks (336 hourly candles).
DEFAULT_BAR_MS = 14 * DAY_MS
#: However lavish the budget, a record shorter than two days, or than 10 candles, is routine and never emails.
MIN_BAR_MS = 2 * DAY_MS
MIN_BAR_CANDLES = 10
#: Less history than this and the calibration keeps the default bar (too few weeks to estimate a rate).
MIN_CALIBRATION_WEEKS = 4.0
#: When a follow-up's rarest record and the email's it follows are both capped (the longest the analysis window can
#: show), the scores cannot tell them apart and the candles' moves decide: the follow-up is rarer only when its candle
#: moved at least this many times the sigmas of the email's candle. Crypto returns have fat tails (a tail exponent
#: near 3), so how much rarer a move is goes by the ratio of the sizes, not their difference: 1.5 times the sigmas is
#: about three times rarer. The next candles of a slide move about as much as the first, and are measured against a
#: volatility the first one already raised, so they stay one email.
FOLLOW_UP_MOVE_RATIO = 1.5
#: A candle whose close moved less than this (a fraction: 0.1%), on a coin whose candles span less than this on average
#: (ATR 14 over the close), is too small to trade on, however rare it is for that coin: a stablecoin's hourly wiggle
#: of 0.03% is "7.7 sigma" of its own volatility, and a round trip on an exchange costs more than the move (Kraken's
#: fees alone are 0.5% or more). Rarity is measured on the coin's own history, so without this floor the budget fills
#: a pegged coin's week with noise. No candle of the volatile series it was checked on falls under it (Kraken's
#: ETH/USD hourly, 2015-2023, at its quietest: ATR 0.16% of the close; ETH, LTC and XRP daily: 1.8% and more), so
#: they alert as before; a peg that breaks (a move of 0.1% or more) is judged by its rarity like any other candle.
MIN_MOVE = 0.001
#: ... and at least this many sigmas more: among small moves (a capped range record on a quiet candle) a ratio alone
#: would count noise, a fraction of a sigma, as a larger move.
FOLLOW_UP_MOVE_SIGMAS = 1.0
#: A rule emailed within its cooldown emails again only on a record at least this many times as long as the email's
#: (or, both capped, a move :func:`move_needed` beyond it): half as likely, where merely longer is what every candle
#: of a rally brings to a range record (the highest close in 10 days, then in 11).
AGAIN_RECORD_RATIO = 2.0


@dataclass(frozen=True, slots=True)
class Rarest:
    """The rarest built-in firing of a candle: what an email that carried it makes a follow-up within its cooldown
    beat, and what a candle that may follow it brings (:mod:`crypto_advisor.notify.policy`, :func:`simulate`)."""

    #: its rarity score, a record length in candles
    score: float
    #: the record reached the start of the analysis window (:attr:`~crypto_advisor.contracts.signal.Rarity.capped`)
    capped: bool = False
    #: the size of the candle's move in sigmas of the coin's own volatility (:func:`move_size`); None: unknown
    move_sigma: float | None = None

    def by_move(self, told: Rarest) -> bool:
        """Whether a follow-up's rarity against ``told`` is the size of its move: both records capped (their scores
        cannot tell them apart) and both moves known. Otherwise the scores decide, as before moves were kept."""
        return self.capped and told.capped and self.move_sigma is not None and told.move_sigma is not None

    def rarer_than(self, told: Rarest) -> bool:
        """Whether a follow-up with this rarest firing is news after an email that carried ``told``: a longer record,
        or with both records capped, a move of at least :func:`move_needed` sigmas."""
        if self.by_move(told):
            assert self.move_sigma is not None and told.move_sigma is not None  # by_move says so
            return self.move_sigma >= move_needed(told.move_sigma)
        return self.score > told.score


def again_rarer_than(here: Rarest, told: Rarest) -> bool:
    """Whether a rule's firing within its cooldown tells more than the email that named it: both records capped, a
    move :func:`move_needed` beyond it; otherwise a record at least :data:`AGAIN_RECORD_RATIO` times as long."""
    if here.by_move(told):
        return here.rarer_than(told)
    return here.score >= AGAIN_RECORD_RATIO * told.score and here.score > told.score


def move_needed(told_sigma: float) -> float:
    """The sigmas a follow-up's candle must move after an email whose candle moved ``told_sigma`` (both records
    capped): :data:`FOLLOW_UP_MOVE_RATIO` times as many, and :data:`FOLLOW_UP_MOVE_SIGMAS` more."""
    return max(told_sigma * FOLLOW_UP_MOVE_RATIO, told_sigma + FOLLOW_UP_MOVE_SIGMAS)


def over_budget(here: Rarest, week: Iterable[Rarest | None]) -> bool:
    """Whether a firing that clears every other check but finds the weekly cap spent is emailed anyway: its record is
    capped (as long as the analysis window can show), it is rarer (:meth:`Rarest.rarer_than`) than every alert of the
    seven days before, ``week`` (what each carried; None for one that kept no score), and its candle moved at least
    :func:`move_needed` sigmas of each of their moves, capped or not.

    The cap is sized on the series' own history; a move beyond everything the week's emails were about is what the
    user keeps the alerts for (a stablecoin's 10% depeg after three routine emails). The move is compared with every
    alert of the week, not only the capped ones: a capped record beats an uncapped one on score alone, and on ETH/USD
    2019-2022 that let 59 emails over the cap (1.2 a month), some on a 0.5-sigma candle after a quiet week; compared
    by move, 28 (0.6 a month), the crash emails among them. An escalating crash can email more than once (each
    override joins the week it is judged against) while the next candles of one slide cannot. An alert that kept no
    score (the user's own conditions only, or one logged before scores were kept), or a candle whose move is unknown,
    cannot be shown to be beyond the week, so the cap stays in force: the budget is a ceiling whenever the comparison
    is unknown.
    """
    told = list(week)
    if not here.capped or here.move_sigma is None or not told:
        return False
    return all(t is not None and here.rarer_than(t) and _moved_beyond(here.move_sigma, t) for t in told)


def _moved_beyond(sigma: float, told: Rarest) -> bool:
    """Whether a candle that moved ``sigma`` moved :func:`move_needed` beyond ``told``'s move (True when that is
    unknown: the score has already decided)."""
    return told.move_sigma is None or sigma >= move_needed(told.move_sigma)


def rarest(scored: Iterable[tuple[float, bool]], move_sigma: float | None) -> Rarest | None:
    """The :class:`Rarest` of firings given as (score, capped): the highest score, capped when a firing with that
    score is; ``move_sigma`` is the candle's (:func:`move_size`). None without firings."""
    pairs = list(scored)
    if not pairs:
        return None
    top = max(score for score, _ in pairs)
    return Rarest(top, any(capped for score, capped in pairs if score == top), move_sigma)


def move_size(signal: Signal) -> float | None:
    """The size of the signal's candle move in sigmas of the coin's own volatility (the market email's measure,
    :attr:`~crypto_advisor.contracts.market_context.MarketContext.move_sigma`, either way); None when not measured."""
    sigma = signal.market.move_sigma if signal.market is not None else None
    return abs(sigma) if sigma is not None and math.isfinite(sigma) else None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candle whose firings passed health and severity: each rule with its rarity score, the way it points."""

    ts: int
    scores: Mapping[str, float]
    #: the rules whose score is a capped record (:attr:`~crypto_advisor.contracts.signal.Rarity.capped`)
    capped: frozenset[str] = frozenset()
    #: the candle's move in sigmas (:func:`move_size`); None: not measured
    move_sigma: float | None = None

    def rarest(self, rules: Iterable[str]) -> Rarest | None:
        """The :class:`Rarest` of ``rules`` (rules of this candidate) on this candle."""
        return rarest(((self.scores[r], r in self.capped) for r in rules), self.move_sigma)


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


def is_capped(firing: FiringRecord) -> bool:
    """Whether the firing's record reached the start of the analysis window (False without a rarity)."""
    return firing.rarity is not None and firing.rarity.capped


def too_small(signal: Signal) -> str | None:
    """Why the signal's candle is too small to trade on (:data:`MIN_MOVE`), in words; None when it is not, or when
    neither its move nor its coin's average candle was measured (a signal without them is judged as before)."""
    move = abs(signal.market.move) if signal.market is not None and math.isfinite(signal.market.move) else None
    atr = signal.indicators.get(DEFAULT_PARAMS.atr_column)
    span = atr / signal.close if atr is not None and math.isfinite(atr) and atr >= 0 else None
    if move is None and span is None:
        return None
    if (move is not None and move >= MIN_MOVE) or (span is not None and span >= MIN_MOVE):
        return None
    said = [f"the candle moved {_pct(move)}"] if move is not None else []
    said += [f"its candles span {_pct(span)} on average (ATR 14)"] if span is not None else []
    return f"too small to trade on: {' and '.join(said)}, under the {_pct(MIN_MOVE)} an alert needs"


def _pct(fraction: float) -> str:
    """A small percentage with two significant digits (``0.031%``, ``0.1%``), never in scientific notation."""
    pct = fraction * 100
    if pct == 0:
        return "0%"
    return "under 0.001%" if pct < 0.001 else f"{pct:.2g}%"


def candidate_of(signal: Signal, policy: AlertPolicy) -> Candidate | None:
    """The signal as the budget's calibration sees it: its healthy firings of enough severity with their scores,
    which of them are capped records, and its candle's move in sigmas (the follow-up's tie-break). A candle too small
    to trade on (:func:`too_small`) is none: the live policy never emails it, so it spends none of the budget."""
    if not signal.health.healthy or too_small(signal) is not None:
        return None
    eligible = [f for f in signal.active_firings if f.severity >= policy.min_severity]
    scores: dict[str, float] = {}
    for firing in eligible:
        scores[firing.rule_id] = max(score_of(firing), scores.get(firing.rule_id, score_of(firing)))
    if not scores:
        return None
    # A rule's record is capped when a firing holding its highest score is.
    capped = frozenset(f.rule_id for f in eligible if is_capped(f) and score_of(f) == scores[f.rule_id])
    return Candidate(signal.candle_ts, scores, capped, move_size(signal))


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
    makes an email, unless it is not rarer than an email within ``cooldown_ms``
    (the follow-up, :meth:`Rarest.rarer_than`: a longer record, or with both
    records capped a larger move) or ``weekly_cap`` emails went out in the seven
    days before and it is not :func:`over_budget` (a capped record rarer than
    each of them, the live policy's own test). The same order of checks as the
    live policy, so the bar is calibrated on the emails the override adds too.
    """
    sent: list[tuple[int, tuple[str, ...]]] = []
    last_sent: dict[str, int] = {}
    told: deque[tuple[int, Rarest]] = deque()  # the emails within the cooldown: their candle and rarest firing
    week: deque[tuple[int, Rarest]] = deque()  # the emails of the seven days before: their candle and rarest firing
    for candidate in sorted(candidates, key=lambda c: c.ts):
        clearing = [rule for rule, score in candidate.scores.items() if score >= bar]
        fresh = tuple(r for r in clearing if candidate.ts - last_sent.get(r, -(10**18)) >= cooldown_ms)
        here = candidate.rarest(fresh)
        if here is None:
            continue
        while told and candidate.ts - told[0][0] >= cooldown_ms:
            told.popleft()
        if not all(here.rarer_than(before) for _, before in told):
            continue
        while week and candidate.ts - week[0][0] >= WEEK_MS:
            week.popleft()
        if len(week) >= weekly_cap and not over_budget(here, (before for _, before in week)):
            continue
        week.append((candidate.ts, here))
        for rule in fresh:
            last_sent[rule] = candidate.ts
        told.append((candidate.ts, here))
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
