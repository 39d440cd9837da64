"""Oscillator rules: RSI entering its zones, MACD crossing its signal line, ADX rising through its trend line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from crypto_advisor.analysis.firing import NOTABLE, STRONG, Direction, Firing
from crypto_advisor.analysis.rules.reading import cross, tail
from crypto_advisor.analysis.rules.wording import num
from crypto_advisor.contracts.rule_params import (
    AdxTrendParams,
    NoParams,
    RsiOverboughtParams,
    RsiOversoldParams,
    RsiZoneParams,
)
from crypto_advisor.market.numbers import price, prices


def _rsi_zone_entry(rule_id: str, frame: pd.DataFrame, p: RsiZoneParams, *, oversold: bool) -> Firing | None:
    """RSI entering a zone, armed again only once it has left the zone by the hysteresis margin.

    Working in "depth" (how far inside the zone, negative outside) makes both
    zones one computation. The state a live detector would keep (armed or not)
    is read back from history: since the last candle inside the zone before this
    entry, did RSI get more than ``hysteresis`` points out? With no visit inside
    the lookback, the rule is armed. A frame that starts inside the zone counts
    as a visit, so a restart does not re-alert a zone already reported.
    """
    if "rsi_14" not in frame.columns:
        raise ValueError(f"rule {rule_id!r} needs column 'rsi_14', which the frame does not have")
    rsi = frame["rsi_14"].iloc[max(0, len(frame) - p.lookback - 1) :].to_numpy(dtype=float)
    if len(rsi) < 2 or not np.isfinite(rsi[-2:]).all():
        return None
    depth = (p.level - rsi) if oversold else (rsi - p.level)
    if not (depth[-2] <= 0 < depth[-1]):
        return None
    history = depth[:-1]
    inside = np.flatnonzero(history > 0)  # NaN compares False: warm-up is neither inside nor out
    if inside.size and not (history[inside[-1] + 1 :] < -p.hysteresis).any():
        return None
    value, distance = float(rsi[-1]), float(depth[-1])
    side, zone, verb = ("below", "oversold", "fell") if oversold else ("above", "overbought", "rose")
    return Firing(
        rule_id=rule_id,
        direction="bullish" if oversold else "bearish",
        severity=STRONG if distance >= 10 else NOTABLE,
        value=value,
        threshold=p.level,
        distance=distance,
        unit="RSI points",
        sentence=(
            f"RSI(14) {verb} to {num(value)}, {side} the {zone} line at {num(p.level)} "
            f"({num(distance)} points past it)."
        ),
    )


@dataclass(frozen=True)
class RsiOversold:
    """RSI(14) crosses below ``level`` (30): oversold, bullish.

    Re-armed only after RSI has been more than ``hysteresis`` (5) points above
    the level (above 35) since it was last below it, looking back at most ``lookback`` (200)
    candles. Severity: notable; strong when RSI lands 10 or more points inside.
    """

    id: ClassVar[str] = "rsi_oversold"
    params: RsiOversoldParams = field(default_factory=RsiOversoldParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        return _rsi_zone_entry(self.id, frame, self.params, oversold=True)


@dataclass(frozen=True)
class RsiOverbought:
    """RSI(14) crosses above ``level`` (70): overbought, bearish.

    Hysteresis, lookback and severity mirror :class:`RsiOversold`.
    """

    id: ClassVar[str] = "rsi_overbought"
    params: RsiOverboughtParams = field(default_factory=RsiOverboughtParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        return _rsi_zone_entry(self.id, frame, self.params, oversold=False)


@dataclass(frozen=True)
class MacdCross:
    """The MACD line crosses its signal line: up is bullish, down bearish.

    Distance is the gap between the lines as a % of the close: MACD's own
    scale is price units, and a gap of 50 means a strong cross at 1,000 and a
    faint one at 100,000, so a firing's strength against the rule's past
    firings on the series (:mod:`crypto_advisor.analysis.firing_strength`)
    would mostly say whether the price is higher now than it was then. The
    sentence still gives the gap in price units.
    Severity: notable; strong when the cross happens on the far side of the
    zero line (bullish below zero, bearish above), the classic turn from an
    extended move.
    """

    id: ClassVar[str] = "macd_cross"
    params: NoParams = field(default_factory=NoParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        macd, signal = tail(frame, "macd", 2, self.id), tail(frame, "macd_signal", 2, self.id)
        close = tail(frame, "close", 1, self.id)
        if macd is None or signal is None or close is None or (direction := cross(macd, signal)) is None:
            return None
        value, threshold = float(macd[-1]), float(signal[-1])
        said_value, said_signal = prices(value, threshold)
        far_side = value < 0 if direction == "bullish" else value > 0
        side = "above" if direction == "bullish" else "below"
        zero = "below" if value < 0 else "above" if value > 0 else "at"
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=STRONG if far_side else NOTABLE,
            value=value,
            threshold=threshold,
            distance=abs(value - threshold) / float(close[0]) * 100,
            unit="% of the price",
            sentence=(
                f"MACD crossed {side} its signal line {zero} the zero line "
                f"(MACD {said_value} vs signal {said_signal}, {price(abs(value - threshold))} apart)."
            ),
        )


@dataclass(frozen=True)
class AdxTrend:
    """ADX(14) rises through ``level`` (25): a trend is gaining strength.

    Direction from the directional indicators on the candle: +DI above -DI
    bullish, below bearish, equal neutral. Severity: notable; strong when +DI
    and -DI are 10 or more points apart (a clear direction).
    """

    id: ClassVar[str] = "adx_trend"
    params: AdxTrendParams = field(default_factory=AdxTrendParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        adx = tail(frame, "adx_14", 2, self.id)
        plus, minus = tail(frame, "plus_di_14", 1, self.id), tail(frame, "minus_di_14", 1, self.id)
        level = self.params.level
        if adx is None or plus is None or minus is None or not (adx[-2] <= level < adx[-1]):
            return None
        pdi, mdi = float(plus[0]), float(minus[0])
        direction: Direction = "bullish" if pdi > mdi else "bearish" if pdi < mdi else "neutral"
        trend = {"bullish": "an uptrend", "bearish": "a downtrend", "neutral": "a trend of unclear direction"}
        value = float(adx[-1])
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=STRONG if abs(pdi - mdi) >= 10 else NOTABLE,
            value=value,
            threshold=level,
            distance=value - level,
            unit="ADX points",
            sentence=(
                f"ADX(14) rose to {num(value)}, through the trend line at {num(level)} "
                f"({num(value - level)} points past it), with +DI {num(pdi)} and -DI {num(mdi)}: "
                f"{trend[direction]} is gaining strength."
            ),
        )
