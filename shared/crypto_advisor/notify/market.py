"""The market email's decision: did one candle move many watched coins the same way?

When BTC drops 4% in an hour, ETH, SOL and XRP usually drop with it, and one
email per coin would say the same thing four times. So a candle that moves
many watched coins the same way makes **one market email** (BTC's move, who
followed, who did not) instead, and the coins it covers get no email of their
own (reason ``in_market_email``).

**Market-wide**, for one timeframe's candle: among the watchlist's series of
that timeframe, at least :func:`movers_needed` moved the same way by
:data:`MARKET_SIGMA` (2) sigmas or more of their own recent volatility
(:attr:`MarketContext.move_sigma <crypto_advisor.contracts.market_context.MarketContext.move_sigma>`,
on healthy data only). "Many": three coins, or half of the watched ones when
there are fewer than six, and never fewer than two (one coin moving is that
coin's news). The way with the most such movers is the market's; a tie goes
the way BTC moved.

**Who**: a coin *followed* when it is one of those movers; every other
watched series of the timeframe *did not follow* (a smaller move, the other
way, or bad data), or is *not in yet* when its signal for the candle was not
stored when the email was decided.

Pure: the signals of one candle in, a :class:`MarketMove` (or None) out. The
notifier (:mod:`crypto_advisor.notify.market_send`) reads the signals, claims the
email once per (timeframe, candle) in the notification log and sends it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from crypto_advisor.contracts.market_context import BetaReading, MarketContext, TrendDirection, market_reference
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal

#: A coin moved with the market when its candle moved at least this many sigmas of its own volatility.
MARKET_SIGMA = 2.0
#: Movers that make a market-wide candle however many coins are watched.
MIN_MOVERS = 3

CoinStatus = Literal["followed", "did_not_follow", "unhealthy", "not_in_yet"]


def way(signal: Signal) -> int:
    """+1 or -1 when ``signal``'s candle moved at least :data:`MARKET_SIGMA` up or down on healthy data; else 0."""
    market = signal.market
    if not signal.health.healthy or market is None or market.move_sigma is None:
        return 0
    sigma = market.move_sigma
    if not math.isfinite(sigma) or abs(sigma) < MARKET_SIGMA:
        return 0
    return 1 if sigma > 0 else -1


def is_large(signal: Signal) -> bool:
    """Whether ``signal`` could be part of a market-wide move: the only signals that make the notifier look around."""
    return way(signal) != 0


def movers_needed(watched: int) -> int:
    """Coins that must move the same way on one candle: 3, or half of fewer watched ones, never under 2."""
    return max(2, min(MIN_MOVERS, math.ceil(watched / 2)))


@dataclass(frozen=True)
class CoinMove:
    """One watched series on the candle: its move (when its signal is in) and whether it followed the market."""

    series: Series
    status: CoinStatus
    #: the candle's move as a fraction, and in sigmas of its own volatility (None: no signal or no context)
    move: float | None = None
    move_sigma: float | None = None
    #: the move against BTC's at its beta, when measured
    beta: BetaReading | None = None
    context: MarketContext | None = None


@dataclass(frozen=True)
class MarketMove:
    """A candle that moved many watched coins of one timeframe the same way."""

    timeframe: str
    candle_ts: int
    direction: TrendDirection
    #: every watched series of the timeframe, in the watchlist's order
    coins: tuple[CoinMove, ...]
    #: the watchlist's BTC of the timeframe, when it has one (also among ``coins``)
    reference: CoinMove | None

    @property
    def followed(self) -> tuple[CoinMove, ...]:
        return tuple(c for c in self.coins if c.status == "followed")

    @property
    def others(self) -> tuple[CoinMove, ...]:
        """The coins that did not follow, had bad data, or were not in yet."""
        return tuple(c for c in self.coins if c.status != "followed")

    def covers(self, series_key: str) -> bool:
        """Whether the email is about ``series_key``'s move (it followed): then it gets no email of its own."""
        return any(c.series.key == series_key for c in self.followed)


def market_move(
    timeframe: str, candle_ts: int, watched: Sequence[Series], signals: Mapping[str, Signal]
) -> MarketMove | None:
    """The market-wide move of the candle at ``candle_ts``, or None when it was not one.

    ``watched`` are the watchlist's series of ``timeframe``; ``signals`` their
    stored signals of that candle by series key (missing: not stored yet).
    """
    ways = {s.key: way(signals[s.key]) if s.key in signals else 0 for s in watched}
    ups, downs = sum(1 for w in ways.values() if w > 0), sum(1 for w in ways.values() if w < 0)
    needed = movers_needed(len(watched))
    if max(ups, downs) < needed:
        return None
    reference = market_reference(watched, timeframe)
    if ups == downs:
        direction = 1 if reference is not None and ways.get(reference.key, 0) > 0 else -1
    else:
        direction = 1 if ups > downs else -1
    coins = tuple(_coin(s, signals.get(s.key), followed=ways[s.key] == direction) for s in watched)
    by_key = {c.series.key: c for c in coins}
    return MarketMove(
        timeframe=timeframe,
        candle_ts=candle_ts,
        direction="up" if direction > 0 else "down",
        coins=coins,
        reference=by_key.get(reference.key) if reference is not None else None,
    )


def _coin(series: Series, signal: Signal | None, *, followed: bool) -> CoinMove:
    if signal is None:
        return CoinMove(series, "not_in_yet")
    market = signal.market
    status: CoinStatus = "followed" if followed else "did_not_follow" if signal.health.healthy else "unhealthy"
    if market is None:
        return CoinMove(series, status)
    return CoinMove(series, status, market.move, market.move_sigma, market.beta, market)
