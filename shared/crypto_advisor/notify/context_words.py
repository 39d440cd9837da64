"""The market context in words: the move against BTC's at the coin's beta, and against the 4 h and 1 d trends.

One wording for the alert email's "Market context" section and the market
email's list of coins, from the Signal's
:class:`~crypto_advisor.contracts.market_context.MarketContext`. Moves read as
percentages with one decimal, the way a trader quotes them ("ETH -5.1%, about
the -5.1% that BTC's -3.9% implies at beta 1.3"); the gap to the implied move
is in percentage points ("3.9 points worse than the -5.1% that BTC's -3.9%
implies").

"About what BTC implies" means the coin's own move is within one sigma of the
own moves of the candles the beta was measured on: a gap that size is what a
normal candle of this coin shows. Without a reference (BTC itself, a
watchlist without BTC on the timeframe) nothing is said about BTC.
"""

from __future__ import annotations

import math

from crypto_advisor.contracts.market_context import BetaReading, MarketContext, TrendReading
from crypto_advisor.contracts.series import Series
from crypto_advisor.market.numbers import num

#: An own move within this many sigmas of the usual own moves reads "about the move BTC's implies".
ABOUT_SIGMA = 1.0
#: Without a sigma to judge by (no spread measured), an own move under this many points reads "about".
ABOUT_POINTS = 0.5


def move_pct(fraction: float | None) -> str:
    """A move as a signed percentage with one decimal: ``-5.1%``, ``+0.3%``."""
    if fraction is None or not math.isfinite(fraction):
        return "n/a"
    return f"{fraction * 100:+.1f}%"


def sigmas(value: float | None) -> str:
    """``2.8 sigma``, ``608 sigma`` (unsigned: the sign is the move's), or an empty string when not measured."""
    if value is None or not math.isfinite(value):
        return ""
    return f"{abs(value):.{0 if abs(value) >= 100 else 1}f} sigma"


def _coin(key: str) -> str:
    return Series.parse(key).base


def about_what_btc_implies(beta: BetaReading) -> bool:
    if beta.own_sigma is not None:
        return abs(beta.own_sigma) < ABOUT_SIGMA
    return abs(beta.own_move) * 100 < ABOUT_POINTS


def beta_phrase(beta: BetaReading) -> str:
    """``about the -5.1% that BTC's -3.9% implies at beta 1.3`` or ``3.9 points worse than the -5.1% that BTC's -3.9%
    implies at beta 1.3``: the implied move stands next to "worse than", so "ETH -27.7%, 6.5 points worse than the
    -21.2% that LTC's -36.8% implies" does not read as 6.5 points worse than -36.8%."""
    implied = f"the {move_pct(beta.implied_move)} that {_coin(beta.reference)}'s {move_pct(beta.btc_move)} implies"
    btc = f"{implied} at beta {beta.beta:.2g}"
    if about_what_btc_implies(beta):
        return f"about {btc}"
    points = abs(beta.own_move) * 100
    return f"{points:.1f} points {'better' if beta.own_move > 0 else 'worse'} than {btc}"


def beta_line(series: Series, context: MarketContext) -> str | None:
    """The coin's move against BTC's in one sentence; None without a reference."""
    if context.reference is None:
        return None
    beta = context.beta
    if beta is None:
        return f"Against {_coin(context.reference)}: no reading ({context.beta_note or 'not measured'})."
    own = f" Its own part of the move is {sigmas(beta.own_sigma)}." if not about_what_btc_implies(beta) else ""
    return (
        f"{series.base} {move_pct(context.move)}, {beta_phrase(beta)}.{own} "
        f"Beta from {beta.returns:,} common {series.timeframe} candles of the last 30 days, "
        f"correlation {beta.correlation:.2f}."
    )


def _trend(reading: TrendReading) -> str:
    label = f"the {reading.timeframe} trend"
    if reading.direction is None:
        return f"{label} (too little history: {reading.candles} {reading.timeframe} closes)"
    assert reading.close is not None and reading.ema is not None  # a direction comes with both
    distance = abs(reading.close / reading.ema - 1) * 100
    # one decimal, as "1.2%"; a pegged coin's hair (0.0031%) keeps two significant digits rather than read 0.0%
    said = f"{distance:.1f}" if distance >= 0.05 else num(distance)
    where = f"{reading.direction}, {said}% {'above' if reading.direction == 'up' else 'below'} its EMA 20"
    if reading.agrees is None:
        return f"{label} ({where})"
    return f"{'with' if reading.agrees else 'against'} {label} ({where})"


def trend_line(context: MarketContext) -> str | None:
    """``Trend before this candle: the drop goes against the 4h trend (up, 1.2% above its EMA 20) and with ...``.

    The trends are read from the closes before the candle (the move is judged against the trend it started from:
    :func:`~crypto_advisor.analysis.market_context.trend_readings`), and the line says so: on a daily series
    "the 1d trend (down, 10.0% below its EMA 20)" is yesterday's, and an 18% rise may have closed above that EMA."""
    if not context.trends:
        return None
    parts = [_trend(r) for r in context.trends]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    if all(r.agrees is None for r in context.trends):
        return f"Trend before this candle: {joined}."
    return f"Trend before this candle: the {'rise' if context.move > 0 else 'drop'} goes {joined}."


def context_lines(series: Series, context: MarketContext | None) -> tuple[str, ...]:
    """The alert email's market context: the move against BTC's (when there is a reference), then the trends."""
    if context is None:
        return ()
    return tuple(line for line in (beta_line(series, context), trend_line(context)) if line)
