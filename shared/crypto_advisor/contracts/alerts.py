"""What the notification log remembers of an alert: earlier sends, and the claim that makes a send happen once.

Data only: the notification log (:mod:`crypto_advisor.adapters.notification_log`)
stores and returns them; the alert policy and the notifier
(:mod:`crypto_advisor.notify`) decide with them.

A market email (one candle moving many watched coins the same way,
:mod:`crypto_advisor.notify.market`) is an item kind of its own in the same
table, one per (timeframe, candle): partition key ``market#<timeframe>``
(:func:`market_log_key`; a series key never starts with ``market#``, so no
series' cooldown Query sees one), sort key the candle's open time.
"""

from __future__ import annotations

from dataclasses import dataclass

#: How long a ``sending`` claim protects its email from a second sender: 2 x NotifyFunction's Timeout (60 s in
#: template.yaml). Lambda has stopped an invocation by then, so a live sender is never overtaken; a claim older
#: than this was left by one that died, and a redelivery may take it over.
LEASE_MS = 120_000

#: What the partition key of a market email's item starts with; also its ``kind`` attribute.
MARKET_KIND = "market"
#: The reason recorded for a coin covered by a market email instead of an email of its own.
IN_MARKET_EMAIL = "in_market_email"
_MARKET_PREFIX = f"{MARKET_KIND}#"


def market_log_key(timeframe: str) -> str:
    """The partition key of the market emails of ``timeframe``'s candles: ``market#1h``."""
    return _MARKET_PREFIX + timeframe


def is_market_key(key: str) -> bool:
    return key.startswith(_MARKET_PREFIX)


@dataclass(frozen=True)
class SentAlert:
    """One earlier email of the series, as the notification log remembers it: its candle and the rules it named."""

    candle_ts: int
    rules: tuple[str, ...]
    #: the rarest built-in firing it carried (its rarity score, a record length in candles): what a follow-up within
    #: the cooldown must beat (:mod:`crypto_advisor.notify.policy`); None for an email of the user's own conditions
    #: only, and for one logged before the score was kept (neither holds a follow-up back)
    score: float | None = None
    #: not the series' own email but the market email that covered its candle (:data:`IN_MARKET_EMAIL`): the user
    #: was told of the move, so it starts the follow-up like an alert would (``score``: the candle's rarest built-in
    #: firing); it named none of the coin's rules (``rules`` is empty: it cools none) and it spends none of the
    #: series' weekly budget
    market: bool = False
    #: ``score`` is a capped record (as long as the analysis window could show): a follow-up whose rarest record is
    #: capped too cannot be told apart by its score, so the sizes of the two candles' moves decide
    capped: bool = False
    #: the size of its candle's move in sigmas of the coin's own volatility (the market email's measure, either way):
    #: what breaks that tie; None when not measured, and for one logged before it was kept (the score decides then)
    move_sigma: float | None = None


@dataclass(frozen=True)
class OverBudget:
    """An alert emailed although the series' weekly cap was spent: its move was rarer than every alert of the seven
    days before (:func:`~crypto_advisor.analysis.alert_budget.over_budget`). The email says so, with these figures,
    so that a user who set "a few emails a week" sees why this one came anyway."""

    #: this email's place among the series' alerts of the seven days up to it (the cap's count, plus this one)
    nth: int
    #: the series' weekly cap (:attr:`~crypto_advisor.contracts.watchlist.AlertPolicy.weekly_cap`)
    cap: int
    #: how far this candle moved, in sigmas of the coin's own volatility (the override needs it measured)
    move_sigma: float | None = None
    #: the largest move among the week's alerts, in the same sigmas; None when none of them kept one
    week_sigma: float | None = None


@dataclass(frozen=True)
class Claim:
    """The right to send the email of one candle, held until marked sent or released."""

    series: str
    candle_ts: int
    token: str
    claimed_at: int
    #: a stale claim (of an invocation that died) was taken over: the email may already have gone out once
    took_over: bool = False


@dataclass(frozen=True)
class Existing:
    """The candle already has an entry in the notification log: what it says."""

    status: str
    claimed_at: int | None = None
    reason: str | None = None
    message_id: str | None = None
