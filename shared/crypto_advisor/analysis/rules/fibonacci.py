"""The Fibonacci rule: the close crossing a retracement level of the current swing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pandas as pd

from crypto_advisor.analysis.firing import INFO, NOTABLE, Direction, Firing
from crypto_advisor.analysis.rules.reading import pct_past, side, tail
from crypto_advisor.analysis.rules.wording import pct
from crypto_advisor.contracts.rule_params import NoParams
from crypto_advisor.market.numbers import prices

#: Fibonacci levels traders watch most; crossing one of them is notable.
KEY_FIB_LEVELS = frozenset({"fib_382", "fib_500", "fib_618"})
FIB_LEVELS: tuple[tuple[str, str], ...] = (
    ("fib_236", "23.6%"),
    ("fib_382", "38.2%"),
    ("fib_500", "50%"),
    ("fib_618", "61.8%"),
    ("fib_786", "78.6%"),
)


@dataclass(frozen=True)
class FibCross:
    """The close crosses a Fibonacci retracement level (23.6%, 38.2%, 50%, 61.8% or 78.6%).

    Levels are taken from the candle before, the swing as it stood before this
    candle moved: the levels of the last row include this candle's own high and
    low, so a candle making a new swing would otherwise "cross" levels that
    moved under it. When one candle crosses several levels, the one reported is
    the last passed (nearest the close); the sentence names the others.
    Severity: info; notable when a key level (38.2%, 50%, 61.8%) was crossed.
    """

    id: ClassVar[str] = "fib_cross"
    params: NoParams = field(default_factory=NoParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        close = tail(frame, "close", 2, self.id)
        if close is None:
            return None
        before, now = float(close[-2]), float(close[-1])
        crossed: list[tuple[str, str, float]] = []
        for column, label in FIB_LEVELS:
            line = tail(frame, column, 2, self.id)
            if line is not None and (before <= line[0] < now or before >= line[0] > now):
                crossed.append((column, label, float(line[0])))
        if not crossed:
            return None
        direction: Direction = "bullish" if now > before else "bearish"
        column, label, level = min(crossed, key=lambda c: abs(now - c[2]))
        others = [c[1] for c in crossed if c[0] != column]
        distance = pct_past(now, level, direction)
        said_now, said_level = prices(now, level)
        also = f"; it also crossed the {' and '.join(others)} level{'s' if len(others) > 1 else ''}" if others else ""
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=NOTABLE if any(c[0] in KEY_FIB_LEVELS for c in crossed) else INFO,
            value=now,
            threshold=level,
            distance=distance,
            unit="%",
            sentence=(
                f"Close {said_now} crossed {side(direction)} the {label} Fibonacci retracement level at "
                f"{said_level} ({pct(distance)} past it{also})."
            ),
        )
