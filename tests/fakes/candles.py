"""The Candles table as the analysis and the notifier read it: a window of stored candles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import final

from crypto_advisor.analysis.ports import WindowReader
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.notify.ports import CandleWindow


@final
class FakeCandles(WindowReader, CandleWindow):
    """The stored candles from ``since_ts`` on: ``others`` of the series they name, else ``candles``.

    Remembers each ``since_ts`` and each series asked for; ``failing`` series raise ``error``.
    """

    def __init__(
        self,
        candles: Sequence[Candle],
        others: Mapping[str, Sequence[Candle]] | None = None,
        failing: Mapping[str, Exception] | None = None,
    ) -> None:
        self.candles = list(candles)
        self.others = {key: list(value) for key, value in (others or {}).items()}
        self.failing = dict(failing or {})
        self.asked_since: list[int] = []
        self.asked: list[str] = []

    def window(self, series: Series, *, since_ts: int = 1) -> list[Candle]:
        self.asked_since.append(since_ts)
        self.asked.append(series.key)
        if series.key in self.failing:
            raise self.failing[series.key]
        return [c for c in self.others.get(series.key, self.candles) if c.ts >= since_ts]
