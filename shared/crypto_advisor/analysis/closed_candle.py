"""The analysis of one closed candle: indicators, trigger rules, data health -> one Signal.

Pure: the window of candles in, the Signal out. The same function serves the
Lambda (one Kinesis update) and the replay (every candle of a CSV in turn), so a
backtest measures exactly what the live alerts would have done.

News is optional: given the coin's articles, the frame gains the news columns
(the mood at each candle's close), the news rule can fire, and the Signal
carries the news digest at the candle's close; without them (``None``: the
replay, a stack with news off) the Signal's ``news`` stays None and the news
rule does not apply, so everything else is unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from crypto_advisor.analysis.health import assess
from crypto_advisor.analysis.news_columns import add_news_columns
from crypto_advisor.analysis.rules import Rule, evaluate_all
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.news import Article, NewsDigest
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import FiringRecord, Signal
from crypto_advisor.market.frame import to_frame
from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS, IndicatorParams
from crypto_advisor.market.indicators import compute
from crypto_advisor.news.mood import digest


def _finite_or_none(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def analyze(
    series: Series,
    window: Sequence[Candle],
    *,
    candle_ts: int,
    now_ms: int,
    rules: Sequence[Rule],
    reported_gaps: Sequence[tuple[int, int]] = (),
    params: IndicatorParams = DEFAULT_PARAMS,
    articles: Sequence[Article] | None = None,
) -> Signal:
    """Signal for the candle at ``candle_ts``, seeing only candles up to it and news published by its close.

    ``articles`` are the coin's scored articles (any order; those published
    after the candle's close are ignored); None means an analysis without news.
    """
    upto = [c for c in window if c.ts <= candle_ts]
    news: NewsDigest | None = None
    if articles is not None:
        news = digest(series.base, articles, candle_ts + series.timeframe_ms)
    health = assess(
        upto, candle_ts=candle_ts, timeframe_ms=series.timeframe_ms, now_ms=now_ms, reported_gaps=reported_gaps
    )
    if not upto or upto[-1].ts != candle_ts:
        return Signal(
            series=series.key,
            candle_ts=candle_ts,
            close=math.nan if not upto else upto[-1].close,
            news=news,
            health=health,
            analyzed_at=now_ms,
        )
    frame = compute(to_frame(upto), params)
    if articles is not None:
        frame = add_news_columns(frame, articles, series.timeframe_ms)
    firings = evaluate_all(frame, rules, series.timeframe_ms) if len(frame) >= 2 else []
    reason = None if health.healthy else "unhealthy data: " + "; ".join(health.reasons)
    records = [FiringRecord(**f.as_dict(), suppressed=reason is not None, suppressed_reason=reason) for f in firings]
    last = frame.iloc[-1]
    snapshot = {column: _finite_or_none(last[column]) for column in params.columns}
    return Signal(
        series=series.key,
        candle_ts=candle_ts,
        close=float(last["close"]),
        firings=records,
        indicators=snapshot,
        news=news,
        health=health,
        analyzed_at=now_ms,
    )
