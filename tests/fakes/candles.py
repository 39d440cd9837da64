"""The Candles table as the analysis and the notifier read it: a window of stored candles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import final

from crypto_advisor.analysis.ports import WindowReader
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.notify.ports import CandleWindow


@final
class FakeCandles(WindowReader, CandleWindow):
    """The stored candles from ``since_ts`` on, whatever the series; remembers each ``since_ts`` asked for."""

    def __init__(self, candles: Sequence[Candle]) -> None:
        self.candles = list(candles)
        self.asked_since: list[int] = []

    def window(self, series: Series, *, since_ts: int = 1) -> list[Candle]:
        self.asked_since.append(since_ts)
        return [c for c in self.candles if c.ts >= since_ts]
