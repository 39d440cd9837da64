"""Price-change rules: the close moving more than a threshold over the last hour or the last 24 hours.

The window is a time span, not a candle count, so "1h" means an hour on every
timeframe; the two rules differ only in the span, its words and the default
threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pandas as pd

from crypto_advisor.analysis.firing import NOTABLE, STRONG, Direction, Firing
from crypto_advisor.analysis.rules.reading import tail
from crypto_advisor.analysis.rules.wording import pct
from crypto_advisor.contracts.rule_params import PriceChange1hParams, PriceChange24hParams, PriceChangeParams
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS
from crypto_advisor.market.numbers import prices


@dataclass(frozen=True)
class _PriceChange:
    """The close changes by more than ``threshold_pct`` over a fixed time window.

    The window is turned into candles with the timeframe (rounded down); a
    timeframe longer than the window means the rule does not apply. Counting
    candles assumes a gap-free frame, which the data-health checks upstream
    guarantee before any rule runs. Up and down are separate lines (+x% and
    -x%), and twice the threshold is a second line on each side (the strong
    severity). When the window is longer than one candle, the changes of
    neighbouring candles share all but one of its candles, so the rule fires on
    crossing: a rise fires when the change passes +x% and was not past it on the
    candle before, or passes +2x% and was not past that (a move still growing:
    +9% in 24 hours, then +20%, is news twice; +20% then +22% is not). A fall
    likewise. When the window is one candle (the 1h rule on hourly candles, the
    24h rule on daily ones), consecutive changes share no candle: each candle
    past the line is its own move and fires, even right after another (a
    coin up 10% one day and 44% the next made two moves, and the second, its
    largest daily rise in two years, must be named). Severity: notable; strong
    at twice the threshold or more.
    """

    id: ClassVar[str]
    window_ms: ClassVar[int]
    window_words: ClassVar[str]
    params: PriceChangeParams

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        if timeframe_ms > self.window_ms:
            return None
        n = self.window_ms // timeframe_ms
        close = tail(frame, "close", n + 2, self.id)
        if close is None:
            return None
        change, change_before = (close[-1] / close[-1 - n] - 1) * 100, (close[-2] / close[-2 - n] - 1) * 100
        x = self.params.threshold_pct
        level, level_before = _level(change, x), _level(change_before, x)
        if level == 0:
            return None
        if n > 1 and level * level_before > 0 and abs(level) <= abs(level_before):
            return None  # the same move, already named on a candle before (see the class docstring)
        direction: Direction = "bullish" if level > 0 else "bearish"
        value = float(change)
        said_from, said_to = prices(float(close[-1 - n]), float(close[-1]))
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=STRONG if abs(value) >= 2 * x else NOTABLE,
            value=value,
            threshold=x if direction == "bullish" else -x,
            distance=abs(value) - x,
            unit="%",
            sentence=(
                f"Price {'rose' if direction == 'bullish' else 'fell'} {pct(abs(value))} over {self.window_words} "
                f"(from {said_from} to {said_to}), past {'twice ' if abs(level) == 2 else ''}the {pct(x)} line."
            ),
        )


def _level(change: float, x: float) -> int:
    """Which line a change is past: 0 none, 1 the threshold, 2 twice it; negative for a fall."""
    size = abs(change)
    past = 2 if size >= 2 * x else 1 if size > x else 0
    return past if change > 0 else -past


@dataclass(frozen=True)
class PriceChange1h(_PriceChange):
    __doc__ = f"Price change over the last hour beyond 3% by default. {_PriceChange.__doc__}"
    id: ClassVar[str] = "price_change_1h"
    window_ms: ClassVar[int] = HOUR_MS
    window_words: ClassVar[str] = "the last hour"
    params: PriceChange1hParams = field(default_factory=PriceChange1hParams)


@dataclass(frozen=True)
class PriceChange24h(_PriceChange):
    __doc__ = f"Price change over the last 24 hours beyond 8% by default. {_PriceChange.__doc__}"
    id: ClassVar[str] = "price_change_24h"
    window_ms: ClassVar[int] = DAY_MS
    window_words: ClassVar[str] = "the last 24 hours"
    params: PriceChange24hParams = field(default_factory=PriceChange24hParams)
