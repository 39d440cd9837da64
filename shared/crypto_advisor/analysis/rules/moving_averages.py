"""Moving-average crosses: EMA 9 over EMA 21, the golden and death crosses of SMA 50 and 200, the close over SMA 20.

All three are one line crossing another, in price units; they differ in which
lines and in how much the cross matters, so one function judges the cross and
each rule words it and sets its severity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import pandas as pd

from crypto_advisor.analysis.firing import INFO, NOTABLE, STRONG, Direction, Firing
from crypto_advisor.analysis.rules.reading import cross, pct_past, side, tail
from crypto_advisor.analysis.rules.wording import pct
from crypto_advisor.contracts.rule_params import NoParams
from crypto_advisor.market.numbers import prices


def _price_line_cross(
    rule_id: str,
    frame: pd.DataFrame,
    line: str,
    reference: str,
    describe: Callable[[Direction, float, float, float], str],
    severity: Callable[[Direction], int],
) -> Firing | None:
    a, b = tail(frame, line, 2, rule_id), tail(frame, reference, 2, rule_id)
    if a is None or b is None or (direction := cross(a, b)) is None:
        return None
    value, threshold = float(a[-1]), float(b[-1])
    distance = pct_past(value, threshold, direction)
    return Firing(
        rule_id=rule_id,
        direction=direction,
        severity=severity(direction),
        value=value,
        threshold=threshold,
        distance=distance,
        unit="%",
        sentence=describe(direction, value, threshold, distance),
    )


@dataclass(frozen=True)
class EmaCross:
    """EMA 9 crosses EMA 21: up is bullish, down bearish.

    Severity: info; notable when the close is on the same side of EMA 200
    (the cross goes with the long trend).
    """

    id: ClassVar[str] = "ema_cross"
    params: NoParams = field(default_factory=NoParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        def severity(direction: Direction) -> int:
            close, trend = tail(frame, "close", 1, self.id), tail(frame, "ema_200", 1, self.id)
            if close is None or trend is None:
                return INFO
            with_trend = close[0] > trend[0] if direction == "bullish" else close[0] < trend[0]
            return NOTABLE if with_trend else INFO

        return _price_line_cross(
            self.id,
            frame,
            "ema_9",
            "ema_21",
            lambda d, v, t, dist: f"EMA 9 crossed {side(d)} EMA 21 ({' vs '.join(prices(v, t))}, {pct(dist)} past it).",
            severity,
        )


@dataclass(frozen=True)
class GoldenDeathCross:
    """SMA 50 crosses SMA 200: a golden cross (bullish) or a death cross (bearish). Severity: strong, always."""

    id: ClassVar[str] = "golden_death_cross"
    params: NoParams = field(default_factory=NoParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        return _price_line_cross(
            self.id,
            frame,
            "sma_50",
            "sma_200",
            lambda d, v, t, dist: (
                f"{'Golden' if d == 'bullish' else 'Death'} cross: SMA 50 crossed {side(d)} SMA 200 "
                f"({' vs '.join(prices(v, t))}, {pct(dist)} past it)."
            ),
            lambda d: STRONG,
        )


@dataclass(frozen=True)
class Sma20Cross:
    """The close crosses SMA 20: up is bullish, down bearish. Severity: info, always (it happens often)."""

    id: ClassVar[str] = "sma20_cross"
    params: NoParams = field(default_factory=NoParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        return _price_line_cross(
            self.id,
            frame,
            "close",
            "sma_20",
            _close_crossed_sma20,
            lambda d: INFO,
        )


def _close_crossed_sma20(direction: Direction, close: float, line: float, distance: float) -> str:
    said_close, said_line = prices(close, line)
    return f"Close {said_close} crossed {side(direction)} SMA 20 at {said_line} ({pct(distance)} past it)."
