"""AnalyzeFunction's use case: one CandleUpdate in, at most one new Signal stored.

The signal is for the newest candle the update names. Older candles in the same
update (a first backfill, a catch-up after downtime) are history: alerting on
them now would be late, so they feed the indicators and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from crypto_advisor.analysis.analyze import WINDOW_CANDLES, analyze
from crypto_advisor.analysis.rules import Rule
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal


class WindowReader(Protocol):
    def window(self, series: Series, *, since_ts: int = 1) -> list[Candle]: ...


class SignalWriter(Protocol):
    def put_once(self, signal: Signal) -> bool: ...


@dataclass(frozen=True)
class Outcome:
    signal: Signal
    stored: bool  # False: a signal for this candle already existed (a redelivery)


def analyze_update(
    update: CandleUpdate, *, candles: WindowReader, signals: SignalWriter, rules: Sequence[Rule]
) -> Outcome:
    series = Series.parse(update.series)
    candle_ts = update.last_ts
    window = candles.window(series, since_ts=candle_ts - (WINDOW_CANDLES - 1) * series.timeframe_ms)
    signal = analyze(
        series,
        window,
        candle_ts=candle_ts,
        now_ms=update.ingested_at,
        rules=rules,
        reported_gaps=update.gaps,
    )
    return Outcome(signal=signal, stored=signals.put_once(signal))
