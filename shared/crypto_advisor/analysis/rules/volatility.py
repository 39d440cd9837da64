"""Volatility rules: a close breaking out of the Bollinger bands, the bands squeezing, ATR spiking."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pandas as pd

from crypto_advisor.analysis.firing import INFO, NOTABLE, STRONG, Direction, Firing
from crypto_advisor.analysis.rules.reading import cross, pct_past, side, tail
from crypto_advisor.analysis.rules.wording import num, pct
from crypto_advisor.contracts.rule_params import AtrSpikeParams, NoParams, SqueezeParams
from crypto_advisor.market.numbers import prices

#: Volume at least this many times its 20-candle average confirms a breakout.
CONFIRMING_VOLUME = 1.5


@dataclass(frozen=True)
class BollingerBreakout:
    """The close crosses outside the upper band (bullish) or the lower band (bearish).

    Severity: notable; strong when the candle's volume is at least 1.5 times
    the 20-candle average of the candles before it (a breakout on volume).
    """

    id: ClassVar[str] = "bb_breakout"
    params: NoParams = field(default_factory=NoParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        close = tail(frame, "close", 2, self.id)
        upper, lower = tail(frame, "bb_upper", 2, self.id), tail(frame, "bb_lower", 2, self.id)
        if close is None or upper is None or lower is None:
            return None
        if cross(close, upper) == "bullish":
            direction: Direction = "bullish"
            band, name = float(upper[-1]), "upper"
        elif cross(close, lower) == "bearish":
            direction, band, name = "bearish", float(lower[-1]), "lower"
        else:
            return None
        value = float(close[-1])
        distance = pct_past(value, band, direction)
        said_close, said_band = prices(value, band)
        volume, average = tail(frame, "volume", 1, self.id), tail(frame, "volume_ma_20", 2, self.id)
        on_volume = volume is not None and average is not None and volume[-1] >= CONFIRMING_VOLUME * average[0] > 0
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=STRONG if on_volume else NOTABLE,
            value=value,
            threshold=band,
            distance=distance,
            unit="%",
            sentence=(
                f"Close {said_close} broke {side(direction)} the {name} "
                f"Bollinger band at {said_band} ({pct(distance)} past it"
                f"{', on heavy volume' if on_volume else ''})."
            ),
        )


@dataclass(frozen=True)
class BollingerSqueeze:
    """Bollinger band width becomes the narrowest of the last ``window`` (120) candles: a squeeze, neutral.

    Fires on the candle that becomes the minimum when the candle before was
    not one, so a squeeze that keeps tightening fires once. The threshold is
    the narrowest width of the other candles in the window. Severity: info;
    notable when the width is also the narrowest of twice the window.
    """

    id: ClassVar[str] = "bb_squeeze"
    params: SqueezeParams = field(default_factory=SqueezeParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        n = self.params.window
        width = tail(frame, "bb_width", n + 1, self.id)
        if width is None:
            return None
        previous_narrowest = float(width[1:-1].min())
        if not (width[-1] <= previous_narrowest and width[-2] > width[:-2].min()):
            return None
        value = float(width[-1])
        longer = tail(frame, "bb_width", 2 * n, self.id)
        deep = longer is not None and value <= longer.min()
        return Firing(
            rule_id=self.id,
            direction="neutral",
            severity=NOTABLE if deep else INFO,
            value=value,
            threshold=previous_narrowest,
            distance=previous_narrowest - value,
            unit="% band width",
            sentence=(
                f"Bollinger bands squeezed to {pct(value)} wide, the narrowest in "
                f"{2 * n if deep else n} candles (previous narrowest {pct(previous_narrowest)}); "
                "a big move often follows."
            ),
        )


@dataclass(frozen=True)
class AtrSpike:
    """ATR(14) rises above ``factor`` (1.5) times its mean over the previous ``window`` (50) candles; neutral.

    Crossing: above now, not above on the candle before (against that candle's
    own previous-window mean). Severity: notable; strong at twice the factor
    or more.
    """

    id: ClassVar[str] = "atr_spike"
    params: AtrSpikeParams = field(default_factory=AtrSpikeParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        n, k = self.params.window, self.params.factor
        atr = tail(frame, "atr_14", n + 2, self.id)
        if atr is None:
            return None
        mean, mean_before = float(atr[1:-1].mean()), float(atr[:-2].mean())
        if mean <= 0 or mean_before <= 0:
            return None
        ratio = float(atr[-1]) / mean
        if not (ratio > k >= atr[-2] / mean_before):
            return None
        said_atr, said_mean = prices(float(atr[-1]), mean)
        return Firing(
            rule_id=self.id,
            direction="neutral",
            severity=STRONG if ratio >= 2 * k else NOTABLE,
            value=ratio,
            threshold=k,
            distance=ratio - k,
            unit="x average",
            sentence=(
                f"ATR(14) jumped to {said_atr}, {num(ratio)}x its average of {said_mean} "
                f"over the previous {n} candles (spike line {num(k)}x): volatility is expanding."
            ),
        )
