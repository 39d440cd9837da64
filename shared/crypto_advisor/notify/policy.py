"""The alert policy: whether a stored Signal becomes an email, and with which firings.

Pure: the Signal, the series' :class:`AlertPolicy` (None when the series has
left the watchlist) and the series' recent sends from the notification log go
in, one :class:`Send` or :class:`Suppress` comes out. The checks run in a fixed
order and the first that stops the email names the reason, so every signal has
exactly one recorded reason:

1. ``not_watched``: the series is no longer in the watchlist (a signal stored
   just before the user removed it).
2. ``no_firings``: no rule fired on this candle (most candles).
3. ``unhealthy_data``: the data health check failed, or every firing was
   suppressed by the analysis; bad data never alerts.
4. ``muted``: every active firing's rule (or the whole series) is muted
   until after the candle closed, from the dashboard's Settings or an email's
   one-click link (:class:`~crypto_advisor.contracts.steering.Mute`); muted
   firings are dropped from an email that has others, like cooled ones.
5. ``below_severity``: no active firing reaches the policy's ``min_severity``.
   ``too_small``: the candle's close moved less than 0.1%, on a coin whose
   candles span less than that on average: too small to trade on, however
   rare for a pegged coin (:func:`~crypto_advisor.analysis.alert_budget.too_small`).
   The user's own conditions are not held back by it.
6. ``below_threshold``: no firing left is rare enough: its rarity score (the
   record length of its event, :mod:`crypto_advisor.analysis.rarity`) is under
   the series' bar, which the daily training run sets so that the series' own
   history fits the weekly budget (:mod:`crypto_advisor.analysis.alert_budget`).
   A routine firing never emails on its own; it goes to the daily digest.
7. ``cooldown``: every firing left was emailed for this series within
   ``cooldown_ms`` of this candle, and is not clearly rarer than what each
   email that named its rule carried (a record at least twice as long tells
   something new: a coin up 10% one day and 44% the next, its largest daily
   rise in two years). Firings in cooldown are dropped from the
   email when others remain, so several triggers on one candle still make one
   email, without repeating what the user was just told. And, across rules,
   a follow-up: within ``cooldown_ms`` of an alert of this series, another
   alert needs a firing rarer than the rarest that alert carried (a longer
   record, :class:`~crypto_advisor.contracts.alerts.SentAlert`'s ``score``).
   One move makes many rules fire on the candles that follow it (OBV
   divergence at 08:00, RSI oversold at 09:00, both "the lowest close in 29
   days"); the user hears about it again only if it became more unusual, and
   the rest goes to the daily digest. A record is at most the analysis
   window, so two capped records ("in at least 29 days") cannot be told apart
   by their scores: when both are capped, the follow-up is rarer only if its
   candle moved clearly more sigmas of the coin's own volatility than that
   alert's (:meth:`~crypto_advisor.analysis.alert_budget.Rarest.rarer_than`):
   a stablecoin's 10% collapse after an alert about a 0.1% dip is news, the
   next candles of one slide are not. An alert logged before the move was
   kept is judged by its score alone, as before. The user's own conditions
   are not held back by it: they answer to their own cooldown only. A market
   email that covered one of the series' candles (``in_market_email``) told
   the user of that move as an alert would have, so it starts the follow-up
   too, with that candle's rarest firing and move; it named none of the
   coin's rules and spends none of its weekly budget.
8. ``budget_spent``: the series already sent ``weekly_cap`` emails in the
   seven days before this candle (the cap under the calibrated bar, for a
   market that turns wilder than its history). Market emails are not counted
   (they spend none of the budget). One firing passes a spent cap: a capped
   record (as long as the analysis window can show) rarer than every alert of
   those seven days (:func:`~crypto_advisor.analysis.alert_budget.over_budget`,
   :meth:`~crypto_advisor.analysis.alert_budget.Rarest.rarer_than` against each:
   with both capped, a move of at least ``move_needed`` sigmas of the week's
   largest). The budget is sized on moves like the week's; a stablecoin's 10%
   depeg after three routine emails is what the user keeps alerts for. An
   escalating crash can pass more than once (each such email joins the week),
   the next candles of one slide cannot; an alert that kept no score (the
   user's conditions only, or logged before scores were kept) cannot be shown
   to be beaten and keeps the cap. The :class:`Send` carries
   :class:`~crypto_advisor.contracts.alerts.OverBudget` and the email says why
   it came; the budget's calibration (``simulate``) applies the same test.
9. ``no_recipients``: neither the watchlist nor the stack names anyone.
10. ``unsubscribed``: every recipient unsubscribed (an email's unsubscribe
    link, RFC 8058's one-click POST, or the dashboard); the others still get it.

One reason is not this module's: ``in_market_email``, recorded by the
notifier (:mod:`crypto_advisor.notify.service`) before the policy is asked,
for a coin whose candle moved with many watched coins the same way and is
covered by one market email (:mod:`crypto_advisor.notify.market`). A coin
whose whole series is muted (:func:`series_muted`) is never covered: it is
left out of the market email and decided here like any other (``muted``).

Cooldown is judged in candle time (between candle open times), never the wall
clock, so a late redelivery or a replay decides exactly as the live run did.
It looks both ways: a stream retry can process a candle after a newer one of
the same series was already emailed, and an email about the older candle would
then repeat what the user just read. The send for this very candle is not a
cooldown (that is a redelivery, which the notification log's claim catches).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from crypto_advisor.analysis.alert_budget import (
    Rarest,
    again_rarer_than,
    is_capped,
    move_needed,
    move_size,
    over_budget,
    rarest,
    score_of,
    too_small,
)
from crypto_advisor.contracts.alerts import OverBudget, SentAlert
from crypto_advisor.contracts.conditions import is_user_condition
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import FiringRecord, Signal
from crypto_advisor.contracts.steering import Mute
from crypto_advisor.contracts.units import WEEK_MS
from crypto_advisor.contracts.watchlist import CONDITION_COOLDOWN_MS, AlertPolicy, UserCondition, duration_text

SuppressReason = Literal[
    "not_watched",
    "no_firings",
    "unhealthy_data",
    "below_severity",
    "too_small",
    "below_threshold",
    "cooldown",
    "budget_spent",
    "no_recipients",
    "in_market_email",
    "muted",
    "unsubscribed",
]
SUPPRESS_REASONS: tuple[SuppressReason, ...] = get_args(SuppressReason)


@dataclass(frozen=True)
class Send:
    """Email these firings (most important first is the renderer's job) to these recipients."""

    firings: tuple[FiringRecord, ...]
    recipients: tuple[str, ...]
    #: rules that also fired but were left out because they are in cooldown
    cooled_rules: tuple[str, ...] = ()
    #: sent although the weekly cap was spent (the week's count with this one, and the cap): the email says why
    over_budget: OverBudget | None = None

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(f.rule_id for f in self.firings)

    @property
    def score(self) -> float | None:
        """The rarest built-in firing's rarity score (:func:`rarest_told` of the firings emailed); None: only the
        user's own conditions."""
        told = rarest_told(self.firings)
        return told.score if told is not None else None

    def told(self, signal: Signal) -> Rarest | None:
        """What this email of ``signal``'s candle makes a follow-up beat: its rarest built-in firing, whether that
        is a capped record, and the candle's move (:func:`rarest_told`); the notification log keeps all three."""
        return rarest_told(self.firings, move_size(signal))

    def as_sent(self, signal: Signal) -> SentAlert:
        """This email of ``signal``'s candle as the notification log reads it back for the next decisions: what a
        replay of the policy (``make alert-quality``) keeps in place of the log."""
        told = self.told(signal)
        if told is None:
            return SentAlert(signal.candle_ts, self.rules)
        return SentAlert(signal.candle_ts, self.rules, told.score, capped=told.capped, move_sigma=told.move_sigma)


def rarest_told(firings: Iterable[FiringRecord], move_sigma: float | None = None) -> Rarest | None:
    """The rarest built-in firing: what an email that told the user of these firings (an alert, or the market email
    that covered the candle) makes a follow-up beat; ``move_sigma`` is the candle's (:func:`move_size`). None: only
    the user's own conditions, which hold nothing back."""
    return rarest(((score_of(f), is_capped(f)) for f in firings if not is_user_condition(f.rule_id)), move_sigma)


@dataclass(frozen=True)
class Suppress:
    """No email; ``detail`` says why in words a person reading the log understands."""

    reason: SuppressReason
    detail: str
    #: the rules that fired on the candle (active or not), for the record
    rules: tuple[str, ...] = ()


Decision = Send | Suppress


def cooldown_window(candle_ts: int, cooldown_ms: int) -> tuple[int, int]:
    """The candle range (inclusive) whose sends can put a firing at ``candle_ts`` in cooldown or spend its budget.

    Always contains ``candle_ts`` itself, so one Query over it also finds this
    candle's own entry; reaches back a full week for the budget's cap.
    """
    reach = max(cooldown_ms - 1, 0)
    return candle_ts - max(reach, WEEK_MS - 1), candle_ts + reach


def longest_cooldown(policy: AlertPolicy | None, conditions: Sequence[UserCondition] = ()) -> int:
    """The longest cooldown :func:`decide` may apply to a series: its policy's or one of its conditions' own. The
    sends it reads are those of :func:`cooldown_window` of this (live from the log, and in the replay alike)."""
    return max([policy.cooldown_ms if policy else 0, *(c.cooldown_ms for c in conditions)])


def decide(
    signal: Signal,
    policy: AlertPolicy | None,
    recent: Iterable[SentAlert],
    *,
    default_recipients: Sequence[str] = (),
    bar: float,
    conditions: Sequence[UserCondition] = (),
    mutes: Sequence[Mute] = (),
    unsubscribed: Collection[str] = frozenset(),
) -> Decision:
    """The policy's verdict on ``signal``; ``recent`` are the series' sends around its candle (any order).

    ``bar`` is the rarity score (a record length in candles) a firing must
    reach: the series' calibrated :class:`~crypto_advisor.analysis.alert_budget.AlertBar`.
    ``conditions`` are the series' own conditions: a firing of one
    (``condition:<name>``) always emails, whatever its severity, rarity or the
    budget, at most once per its own cooldown; the user asked for exactly that.
    ``mutes`` are the series' mutes (expired ones are ignored here),
    ``unsubscribed`` the addresses that asked for no more alerts.
    """
    fired = tuple(f.rule_id for f in signal.firings)
    if policy is None:
        return Suppress("not_watched", f"{signal.series} is no longer in the watchlist", fired)
    if not signal.firings:
        return Suppress("no_firings", "no rule fired on this candle")
    active = signal.active_firings
    if not signal.health.healthy or not active:
        why = "; ".join(signal.health.reasons) or "every firing was suppressed by the analysis"
        return Suppress("unhealthy_data", why, fired)
    closed_ms = candle_closed_ms(signal.series, signal.candle_ts)
    audible = [f for f in active if not any(m.silences(f.rule_id, closed_ms) for m in mutes)]
    if not audible:
        said = "; ".join(dict.fromkeys(m.words() for m in in_force(mutes, closed_ms)))
        return Suppress("muted", said, fired)
    active = audible
    sends = _Sends(recent)
    asked = _user_firings(signal, active, conditions, sends)
    builtin = [f for f in active if not is_user_condition(f.rule_id)]
    verdict = _judge(signal, builtin, policy, sends, bar, fired) if builtin else None
    firings = asked + (verdict.firings if isinstance(verdict, Send) else ())
    if not firings:
        if verdict is None:  # only user conditions fired, and every one is in its cooldown
            names = ", ".join(sorted(f.rule_id for f in active))
            return Suppress("cooldown", f"{names} already emailed within its cooldown", fired)
        return verdict
    recipients = tuple(policy.recipients) or tuple(default_recipients)
    if not recipients:
        return Suppress("no_recipients", "no recipients: set alerts.recipients or the RecipientEmails parameter", fired)
    listening = tuple(r for r in recipients if r.lower() not in {u.lower() for u in unsubscribed})
    if not listening:
        return Suppress("unsubscribed", f"every recipient unsubscribed: {', '.join(recipients)}", fired)
    recipients = listening
    if isinstance(verdict, Send):
        return dataclasses.replace(verdict, firings=firings, recipients=recipients)
    return Send(firings=firings, recipients=recipients)


def candle_closed_ms(series: str, candle_ts: int) -> int:
    """When ``series``' candle at ``candle_ts`` closed: what a mute's end is compared with (wall clock, epoch ms)."""
    return candle_ts + Series.parse(series).timeframe_ms


def in_force(mutes: Iterable[Mute], closed_ms: int) -> list[Mute]:
    """The mutes still on when the candle closed at ``closed_ms``; one that ended before silences nothing."""
    return [m for m in mutes if m.until_ms > closed_ms]


def series_muted(mutes: Iterable[Mute], closed_ms: int) -> bool:
    """Whether a mute of the whole series (every rule) was on when its candle closed at ``closed_ms``.

    Such a series is heard nowhere: :func:`decide` records its firings ``muted``, and the notifier leaves it out of
    the market email (it neither counts towards one nor appears in one), since the user asked not to hear about it.
    """
    return any(m.rule is None for m in in_force(mutes, closed_ms))


class _Sends:
    """The series' recent sends, read from ``recent`` the first time a check needs them (most signals never do)."""

    def __init__(self, recent: Iterable[SentAlert]) -> None:
        self._recent = recent
        self._read: list[SentAlert] | None = None

    def all(self) -> list[SentAlert]:
        if self._read is None:
            self._read = list(self._recent)
        return self._read


def _user_firings(
    signal: Signal, active: Sequence[FiringRecord], conditions: Sequence[UserCondition], sends: _Sends
) -> tuple[FiringRecord, ...]:
    """The firings of the user's own conditions not in their own cooldown."""
    cooldowns = {c.rule_id: c.cooldown_ms for c in conditions}
    return tuple(
        f
        for f in active
        if is_user_condition(f.rule_id)
        and f.rule_id
        not in _rules_in_cooldown(signal.candle_ts, cooldowns.get(f.rule_id, CONDITION_COOLDOWN_MS), sends.all())
    )


def _judge(
    signal: Signal,
    builtin: Sequence[FiringRecord],
    policy: AlertPolicy,
    recent: _Sends,
    bar: float,
    fired: tuple[str, ...],
) -> Send | Suppress:
    """The built-in rules' firings through severity, rarity, cooldown and the budget (recipients are the caller's)."""
    strong_enough = [f for f in builtin if f.severity >= policy.min_severity]
    if not strong_enough:
        top = max(f.severity for f in builtin)
        return Suppress(
            "below_severity", f"highest severity {top} is below the policy's minimum {policy.min_severity}", fired
        )
    small = too_small(signal)
    if small is not None:
        return Suppress("too_small", small, fired)
    rare = [f for f in strong_enough if score_of(f) >= bar]
    if not rare:
        top_firing = max(strong_enough, key=score_of)
        said = top_firing.rarity.words if top_firing.rarity is not None else "no rarity measured"
        return Suppress(
            "below_threshold",
            f"rarest firing {top_firing.rule_id} scores {score_of(top_firing):g} ({said}), "
            f"under this series' bar of {bar:g} candles",
            fired,
        )
    sends = recent.all()
    cooling = _cooling(signal.candle_ts, policy.cooldown_ms, sends, rare, move_size(signal))
    fresh = tuple(f for f in rare if f.rule_id not in cooling)
    if not fresh:
        names = ", ".join(sorted({f.rule_id for f in rare}))
        return Suppress("cooldown", f"{names} already emailed within {duration_text(policy.cooldown_ms)}", fired)
    here = rarest_told(fresh, move_size(signal))
    assert here is not None  # fresh holds built-in firings only, and at least one
    held_by = _not_beaten(signal.candle_ts, policy.cooldown_ms, sends, here)
    if held_by is not None:
        rule = max(fresh, key=score_of).rule_id
        return Suppress("cooldown", _no_rarer(*held_by, here, rule, policy.cooldown_ms), fired)
    week = [s for s in sends if not s.market and signal.candle_ts - WEEK_MS < s.candle_ts < signal.candle_ts]
    spent = len(week) >= policy.weekly_cap
    if spent and not over_budget(here, (_told_by(s) for s in week)):
        return Suppress(
            "budget_spent",
            f"{len(week)} emails in the 7 days before this candle; the cap is {policy.weekly_cap}",
            fired,
        )
    cooled = tuple(sorted({f.rule_id for f in rare if f.rule_id in cooling}))
    over = _over_budget(len(week) + 1, policy.weekly_cap, here, week) if spent else None
    return Send(firings=fresh, recipients=(), cooled_rules=cooled, over_budget=over)


def _over_budget(nth: int, cap: int, here: Rarest, week: Sequence[SentAlert]) -> OverBudget:
    """What the email says of an alert over the spent cap: its place in the week, and the moves it was compared by."""
    moves = [s.move_sigma for s in week if s.move_sigma is not None]
    return OverBudget(nth=nth, cap=cap, move_sigma=here.move_sigma, week_sigma=max(moves, default=None))


def _told_by(sent: SentAlert) -> Rarest | None:
    """What an earlier email carried, as a follow-up or an over-budget firing must beat it; None: it kept no score."""
    return Rarest(sent.score, sent.capped, sent.move_sigma) if sent.score is not None else None


def _not_beaten(
    candle_ts: int, cooldown_ms: int, recent: Iterable[SentAlert], here: Rarest
) -> tuple[SentAlert, Rarest] | None:
    """The rarest of the series' alerts (or market emails that covered it) within ``cooldown_ms`` of ``candle_ts``
    (either way, as the cooldown looks) that a follow-up bringing ``here`` is not rarer than, with what it told; None
    when it is rarer than each (one that kept no score holds nothing back)."""
    held: list[tuple[SentAlert, Rarest]] = []
    for sent in recent:
        told = _told_by(sent)
        if told is None or not _within_cooldown(sent, candle_ts, cooldown_ms):
            continue
        if not here.rarer_than(told):
            held.append((sent, told))
    return max(held, key=lambda pair: (pair[1].score, pair[1].move_sigma or 0.0), default=None)


def _no_rarer(sent: SentAlert, told: Rarest, here: Rarest, rule: str, cooldown_ms: int) -> str:
    """Why a follow-up was held back, in words: the record it did not beat, and with both capped, the moves."""
    which = "the market email" if sent.market else "an alert"
    carried = f"{which} within {duration_text(cooldown_ms)} carried a record of {told.score:g} candles"
    if not here.by_move(told):
        return f"{carried}; the rarest firing here, {rule}, scores {here.score:g}, no rarer"
    assert here.move_sigma is not None and told.move_sigma is not None  # by_move says so
    whose = "the market email's" if sent.market else "that alert's"
    return (
        f"{carried} (capped); the rarest firing here, {rule}, scores {here.score:g} (capped), and its move of "
        f"{here.move_sigma:.1f} sigma is short of the {move_needed(told.move_sigma):.1f} needed after {whose} "
        f"{told.move_sigma:.1f}"
    )


def _cooling(
    candle_ts: int,
    cooldown_ms: int,
    recent: Iterable[SentAlert],
    firings: Iterable[FiringRecord],
    move_sigma: float | None,
) -> set[str]:
    """The rules of ``firings`` in cooldown: emailed for this series within ``cooldown_ms``, and not clearly rarer
    here (:func:`~crypto_advisor.analysis.alert_budget.again_rarer_than`: a record twice as long) than an email that
    named them carried.

    The cooldown keeps a rule that stays true, or flips back and forth on a line, from repeating what the user was
    just told. A rule whose event here is far rarer than anything that email carried is telling something new:
    XRP/USD rose 10% on 2021-04-04 (emailed, the highest close in 17 weeks) and 44% on the 5th, its largest daily rise
    in two years; the price-change rule's firing of the 5th was dropped as "in cooldown", and the email headlined "RSI
    overbought". Such a firing stays. Merely longer is not enough: every candle of a rally lengthens a range record.
    """
    sends = [s for s in recent if _within_cooldown(s, candle_ts, cooldown_ms)]
    cooling: set[str] = set()
    for firing in firings:
        here = rarest_told((firing,), move_sigma)
        for sent in sends:
            if firing.rule_id not in sent.rules:
                continue
            told = _told_by(sent)
            if here is None or told is None or not again_rarer_than(here, told):
                cooling.add(firing.rule_id)
                break
    return cooling


def _rules_in_cooldown(candle_ts: int, cooldown_ms: int, recent: Iterable[SentAlert]) -> set[str]:
    return {rule for sent in recent if _within_cooldown(sent, candle_ts, cooldown_ms) for rule in sent.rules}


def _within_cooldown(sent: SentAlert, candle_ts: int, cooldown_ms: int) -> bool:
    """Whether ``sent`` was for another candle less than ``cooldown_ms`` from ``candle_ts``, either way (candle
    time): the sends a cooldown and the follow-up look at. The send for this very candle is a redelivery, not one."""
    return sent.candle_ts != candle_ts and abs(candle_ts - sent.candle_ts) < cooldown_ms
