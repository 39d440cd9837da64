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
    -x%): a rise fires when the change is above +x% and was not on the candle
    before, a fall likewise below -x%. Severity: notable; strong at twice the
    threshold or more.
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
        if change > x >= change_before:
            direction: Direction = "bullish"
        elif change < -x <= change_before:
            direction = "bearish"
        else:
            return None
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
                f"(from {said_from} to {said_to}), past the {pct(x)} line."
            ),
        )


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
