"""Volume rules: a spike against the 20-candle average, and on-balance volume failing to confirm a new extreme."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from crypto_advisor.analysis.firing import NOTABLE, STRONG, Direction, Firing
from crypto_advisor.analysis.rules.reading import tail
from crypto_advisor.analysis.rules.wording import num, qty
from crypto_advisor.contracts.rule_params import ObvDivergenceParams, VolumeSpikeParams
from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS
from crypto_advisor.market.numbers import price


@dataclass(frozen=True)
class VolumeSpike:
    """Volume above ``factor`` (3) times its 20-candle average.

    The baseline is ``volume_ma_20`` of the candle *before*, the average of the
    20 candles preceding this one, so the spike does not inflate its own
    baseline. Crossing: the ratio is above the factor now and was not on the
    candle before (judged against that candle's own baseline). Direction from
    the candle: a close above its open is bullish, below bearish, equal neutral.
    Severity: notable; strong at twice the factor or more.
    """

    id: ClassVar[str] = "volume_spike"
    params: VolumeSpikeParams = field(default_factory=VolumeSpikeParams)

    @property
    def volume_rows(self) -> int:
        """Candles up to the judged one whose volume it reads: two volumes, and 20-candle averages three rows back."""
        return 3 + DEFAULT_PARAMS.volume_ma - 1

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        volume, average = tail(frame, "volume", 2, self.id), tail(frame, "volume_ma_20", 3, self.id)
        candle_open, close = tail(frame, "open", 1, self.id), tail(frame, "close", 1, self.id)
        if volume is None or average is None or candle_open is None or close is None or (average[:2] <= 0).any():
            return None
        k = self.params.factor
        ratio, ratio_before = float(volume[-1] / average[1]), float(volume[-2] / average[0])
        if not (ratio > k >= ratio_before):
            return None
        direction: Direction = (
            "bullish" if close[0] > candle_open[0] else "bearish" if close[0] < candle_open[0] else "neutral"
        )
        candle = {"bullish": "a rising", "bearish": "a falling", "neutral": "an unchanged"}[direction]
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=STRONG if ratio >= 2 * k else NOTABLE,
            value=ratio,
            threshold=k,
            distance=ratio - k,
            unit="x average",
            sentence=(
                f"Volume {qty(float(volume[-1]))} was {num(ratio)}x its 20-candle average of "
                f"{qty(float(average[1]))}, above the {num(k)}x spike line, on {candle} candle."
            ),
        )


@dataclass(frozen=True)
class ObvDivergence:
    """The close makes a new ``window``-candle (20) high that OBV does not confirm, or a low it does not.

    A new high: the close is above every other close of the last ``window``
    candles while OBV is below its own high over them (bearish); a new low with
    OBV above its low is bullish. Crossing: the divergence holds now and did not
    on the candle before, so a run of new highs on fading OBV fires once. Value
    is OBV, threshold the OBV extreme it failed to reach, distance how far short
    it fell (in OBV's volume units). Severity: notable.
    """

    id: ClassVar[str] = "obv_divergence"
    params: ObvDivergenceParams = field(default_factory=ObvDivergenceParams)

    @property
    def volume_rows(self) -> int:
        """Candles up to the judged one whose volume it reads: OBV's steps over its window and the candle before."""
        return self.params.window + 1

    @staticmethod
    def _divergence(close: np.ndarray, obv: np.ndarray) -> Direction | None:
        """Divergence on the last element of equally long windows (the candle and the ones before it)."""
        if close[-1] > close[:-1].max() and obv[-1] < obv[:-1].max():
            return "bearish"
        if close[-1] < close[:-1].min() and obv[-1] > obv[:-1].min():
            return "bullish"
        return None

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        n = self.params.window
        close, obv = tail(frame, "close", n + 1, self.id), tail(frame, "obv", n + 1, self.id)
        if close is None or obv is None:
            return None
        direction = self._divergence(close[1:], obv[1:])
        if direction is None or self._divergence(close[:-1], obv[:-1]) == direction:
            return None
        value = float(obv[-1])
        if direction == "bearish":
            threshold, extreme, side = float(obv[1:-1].max()), "high", "below"
        else:
            threshold, extreme, side = float(obv[1:-1].min()), "low", "above"
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=NOTABLE,
            value=value,
            threshold=threshold,
            distance=abs(threshold - value),
            unit="OBV",
            sentence=(
                f"Close {price(float(close[-1]))} made a new {n}-candle {extreme} but OBV ({qty(value)}) stayed "
                f"{side} its {n}-candle {extreme} of {qty(threshold)}: a {direction} divergence."
            ),
        )
