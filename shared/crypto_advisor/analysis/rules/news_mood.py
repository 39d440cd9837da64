"""The news rule: the mood of a coin's articles turning, judged at each candle's close like the market rules."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from crypto_advisor.analysis.firing import NOTABLE, STRONG, Direction, Firing
from crypto_advisor.analysis.news_columns import NEWS_COLUMNS
from crypto_advisor.analysis.rules.wording import num
from crypto_advisor.contracts.rule_params import NewsSentimentParams


@dataclass(frozen=True)
class NewsSentiment:
    """The news mood turns, judged at each candle's close from the coin's scored articles.

    Fires when the mean VADER compound of the last 24 hours crosses below
    ``low`` (-0.2, bearish) or above ``high`` (0.2, bullish) with at least
    ``min_articles`` (5) articles in those 24 hours; failing that, when the
    24-hour mean moves more than ``shift`` (0.25) away from the 7-day mean (a
    day unusually good or bad for this coin, whatever its usual tone). Crossing,
    as for the other rules: the condition holds at this candle's close and did
    not at the previous one's, both judged on the same articles; a previous
    close with no or too few articles counts as not holding. Reads the
    ``news_*`` columns (:mod:`crypto_advisor.analysis.news_columns`): a frame
    without them (an analysis without news: the replay, news off) or with no
    article in the last 24 hours means the rule does not apply. Severity:
    notable; strong at twice the line (a mean of -0.4 or below, 0.4 or above;
    a shift of 0.5 or more).
    """

    id: ClassVar[str] = "news_sentiment"
    params: NewsSentimentParams = field(default_factory=NewsSentimentParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        if len(frame) < 2 or not set(NEWS_COLUMNS) <= set(frame.columns):
            return None
        (mean_before, count_before, week_before), (mean, count, week) = (
            frame[list(NEWS_COLUMNS)].iloc[-2:].to_numpy(dtype=float)
        )
        p = self.params
        if not (np.isfinite(mean) and np.isfinite(week) and count >= p.min_articles):
            return None
        enough_before = count_before >= p.min_articles  # NaN means (no article) compare False below
        n = int(count)
        if mean < p.low and not (enough_before and mean_before < p.low):
            return self._level(mean, p.low, n, "bearish")
        if mean > p.high and not (enough_before and mean_before > p.high):
            return self._level(mean, p.high, n, "bullish")
        shift, shift_before = mean - week, (mean_before - week_before) if enough_before else math.nan
        if shift > p.shift and not shift_before > p.shift:
            return self._shift(shift, mean, week, n, "bullish")
        if shift < -p.shift and not shift_before < -p.shift:
            return self._shift(shift, mean, week, n, "bearish")
        return None

    def _level(self, mean: float, line: float, n: int, direction: Direction) -> Firing:
        distance = abs(mean - line)
        tone, side = ("positive", "above") if direction == "bullish" else ("negative", "below")
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=STRONG if abs(mean) >= 2 * abs(line) else NOTABLE,
            value=float(mean),
            threshold=line,
            distance=distance,
            unit="VADER score",
            sentence=(
                f"News turned {tone}: the {n} articles of the last 24 hours average a VADER score of "
                f"{num(mean, 2)}, {side} the {num(line, 2)} line ({num(distance, 2)} past it)."
            ),
        )

    def _shift(self, shift: float, mean: float, week: float, n: int, direction: Direction) -> Firing:
        line = self.params.shift
        tone, side = ("positive", "above") if direction == "bullish" else ("negative", "below")
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=STRONG if abs(shift) >= 2 * line else NOTABLE,
            value=float(shift),
            threshold=line if direction == "bullish" else -line,
            distance=abs(shift) - line,
            unit="VADER score",
            sentence=(
                f"News is unusually {tone}: the {n} articles of the last 24 hours average {num(mean, 2)}, "
                f"{num(abs(shift), 2)} {side} the 7-day average of {num(week, 2)} "
                f"(shift line {num(line, 2)})."
            ),
        )
