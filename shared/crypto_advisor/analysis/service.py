"""AnalyzeFunction's use case: one CandleUpdate in, at most one new Signal stored.

The signal is for the newest candle the update names. Older candles in the same
update (a first backfill, a catch-up after downtime) are history: alerting on
them now would be late, so they feed the indicators and nothing else.

With a news reader, the coin's articles of the 7 days before the candle's close
(plus one candle, for the news rule's previous row) are read and passed to the
analysis. News is an extra, never a dependency: when the News table cannot be
read, the signal is made without news, its digest says ``off``, and the
outcome carries the error for the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from crypto_advisor.adapters.errors import StorageError
from crypto_advisor.analysis.analyze import WINDOW_CANDLES, analyze
from crypto_advisor.analysis.rules import Rule
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.contracts.news import MOOD_LONG_MS, Article, NewsDigest
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal


class WindowReader(Protocol):
    def window(self, series: Series, *, since_ts: int = 1) -> list[Candle]: ...


class SignalWriter(Protocol):
    def put_once(self, signal: Signal) -> bool: ...


class NewsReader(Protocol):
    def recent(self, coin: str, since_ms: int, until_ms: int) -> list[Article]: ...


@dataclass(frozen=True)
class Outcome:
    signal: Signal
    stored: bool  # False: a signal for this candle already existed (a redelivery)
    news_error: str | None = None  # why the news could not be read (the signal was made without it)


def analyze_update(
    update: CandleUpdate,
    *,
    candles: WindowReader,
    signals: SignalWriter,
    rules: Sequence[Rule],
    news: NewsReader | None = None,
) -> Outcome:
    series = Series.parse(update.series)
    candle_ts = update.last_ts
    window = candles.window(series, since_ts=candle_ts - (WINDOW_CANDLES - 1) * series.timeframe_ms)
    articles: list[Article] | None = None
    news_error: str | None = None
    if news is not None:
        close = candle_ts + series.timeframe_ms
        try:
            articles = news.recent(series.base, close - MOOD_LONG_MS - series.timeframe_ms, close)
        except StorageError as exc:
            news_error = str(exc)
    signal = analyze(
        series,
        window,
        candle_ts=candle_ts,
        now_ms=update.ingested_at,
        rules=rules,
        reported_gaps=update.gaps,
        articles=articles,
    )
    if news_error is not None:
        signal = signal.model_copy(update={"news": NewsDigest(coin=series.base, status="off")})
    return Outcome(signal=signal, stored=signals.put_once(signal), news_error=news_error)
