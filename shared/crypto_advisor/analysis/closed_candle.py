"""The analysis of one closed candle: indicators, trigger rules, data health -> one Signal.

Pure: the window of candles in, the Signal out. The same function serves the
Lambda (one Kinesis update) and the replay (every candle of a CSV in turn), so a
backtest measures exactly what the live alerts would have done.

News is optional: given the coin's articles, the frame gains the news columns
(the mood at each candle's close), the news rule can fire, and the Signal
carries the news digest at the candle's close; without them (``None``: the
replay, a stack with news off) the Signal's ``news`` stays None and the news
rule does not apply, so everything else is unchanged.

The indicator frame may come from the caller: a series update builds it once
and hands the same frame to the rules here and to the model predictions.

The market context (:mod:`.market_context`) is computed for every candle the
window reaches: the move in sigmas and the 4 h / 1 d trends from the window
itself, and, given the watchlist's BTC series of the timeframe
(``reference``), the move against BTC's at the coin's beta, whose own part
then stands in for the move in the firings' rarity. Without a reference (the
replay of a single CSV, a watchlist without BTC, BTC itself) there is no beta
and the rarity is the series' alone.

A series whose candles hold no volume of their own (a CoinGecko series shorter
than a day: :func:`~crypto_advisor.analysis.missing_volume.lacks_candle_volume`)
is judged without volume: the rules and conditions that read it are skipped
with the reason (:func:`fit_rules`), and the rules and the rarity see its
volume columns blank (:func:`~crypto_advisor.analysis.missing_volume.judged_frame`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from crypto_advisor.analysis.health import assess
from crypto_advisor.analysis.market_context import Reference, market_context
from crypto_advisor.analysis.missing_volume import (
    NO_CANDLE_VOLUME,
    judged_frame,
    lacks_candle_volume,
    reads_volume,
    skipped_for_missing_volume,
)
from crypto_advisor.analysis.news_columns import add_news_columns
from crypto_advisor.analysis.rarity import rarities
from crypto_advisor.analysis.rules import Rule, evaluate_all
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.market_scan import SCAN_SKIPPED_RULES, is_scan_series
from crypto_advisor.contracts.news import Article, NewsDigest
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import MAX_REASON_CHARS, FiringRecord, Signal, SkippedRule, clip
from crypto_advisor.market.frame import window_upto
from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS, IndicatorParams
from crypto_advisor.market.indicators import IndicatorFrame, indicator_frame
from crypto_advisor.news.mood import digest


class CandleNotInWindow(LookupError):
    """The candle to analyse is not among the stored candles read for it.

    A Signal is about one stored candle: without it there is no close, no
    indicator row and nothing a firing could be about, and a Signal stored
    without it would stand for good (one per candle) and fail the notifier on
    every retry. The Candles table lagging the stream is the likely cause, so
    the caller fails the update for the stream to retry it.
    """


def require_candle(window: Sequence[Candle], series: Series, candle_ts: int) -> None:
    """Raise :class:`CandleNotInWindow` unless ``window`` (cut at ``candle_ts``) ends with that candle."""
    if not window or window[-1].ts != candle_ts:
        newest = f"the newest stored is {window[-1].ts}" if window else "none is stored in the window"
        raise CandleNotInWindow(f"candle {candle_ts} of {series.key} is not stored ({newest})")


def fit_rules(series: Series, rules: Sequence[Rule]) -> tuple[list[Rule], list[SkippedRule]]:
    """The rules that can judge ``series``' candles, and the others with the reason.

    A market scan's candles hold closes only (:mod:`crypto_advisor.contracts.market_scan`): the rules that
    need a true high and low or a candle's own volume are skipped on them, every time, with the reason
    (:data:`~crypto_advisor.contracts.market_scan.SCAN_SKIPPED_RULES`), rather than judging a range that
    is not there. A CoinGecko series shorter than a day has no candle's own volume
    (:func:`~crypto_advisor.analysis.missing_volume.lacks_candle_volume`): every rule and condition that
    reads volume is skipped on it, every time, rather than judging a 24-hour moving sum as the candle's.
    """
    if is_scan_series(series):
        return _split(rules, lambda rule: SCAN_SKIPPED_RULES.get(rule.id))
    if lacks_candle_volume(series):
        return _split(rules, lambda rule: NO_CANDLE_VOLUME if reads_volume(rule) else None)
    return list(rules), []


def _split(rules: Sequence[Rule], reason_of: Callable[[Rule], str | None]) -> tuple[list[Rule], list[SkippedRule]]:
    """``rules`` without those ``reason_of`` gives a reason to skip, and those, as skipped with it (in order)."""
    kept: list[Rule] = []
    skipped: list[SkippedRule] = []
    for rule in rules:
        reason = reason_of(rule)
        if reason is None:
            kept.append(rule)
        else:
            skipped.append(SkippedRule(rule_id=rule.id, reason=reason))
    return kept, skipped


def _finite_or_none(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _check_shared(
    indicators: IndicatorFrame, window: Sequence[Candle], candle_ts: int, params: IndicatorParams
) -> None:
    """A shared frame must be the frame of this very window: a mismatch would judge one market and report another."""
    if indicators.params != params:
        raise ValueError("the indicator frame was computed with other parameters than the analysis asks for")
    if len(indicators.frame) != len(window) or (window and window[-1].ts != candle_ts):
        raise ValueError(f"the indicator frame is not that of the window cut at candle {candle_ts}")


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
    indicators: IndicatorFrame | None = None,
    reference: Reference | None = None,
) -> Signal:
    """Signal for the candle at ``candle_ts``, seeing only candles up to it and news published by its close.

    ``articles`` are the coin's scored articles (any order; those published
    after the candle's close are ignored); None means an analysis without news.
    ``indicators`` is the indicator frame of ``window`` built by a caller that
    shares it with other readers; ``window`` is then already cut at
    ``candle_ts`` (:func:`~crypto_advisor.market.frame.window_upto`) and ends
    there. None: the window is cut and the frame built here. ``reference`` is
    the watchlist's BTC series of this timeframe with its stored candles; None
    for BTC itself or a watchlist without it. A window without the candle
    raises :class:`CandleNotInWindow`: there is no Signal without its candle.
    """
    upto: Sequence[Candle]
    if indicators is None:
        upto = window_upto(window, candle_ts)
    else:
        _check_shared(indicators, window, candle_ts, params)
        upto = window
    require_candle(upto, series, candle_ts)
    news: NewsDigest | None = None
    if articles is not None:
        news = digest(series.base, articles, candle_ts + series.timeframe_ms)
    rules, unfit = fit_rules(series, rules)
    # health covers every candle the rules in use read (a 24 h change on 15m reaches 97 back)
    health = assess(
        upto,
        candle_ts=candle_ts,
        timeframe_ms=series.timeframe_ms,
        now_ms=now_ms,
        reported_gaps=reported_gaps,
        rules=rules,
    )
    frame = (indicators if indicators is not None else indicator_frame(upto, params)).frame
    if articles is not None:
        frame = add_news_columns(frame, articles, series.timeframe_ms)
    judged = judged_frame(series, frame)
    firings = evaluate_all(judged, rules, series.timeframe_ms) if len(judged) >= 2 else []
    skipped = unfit + skipped_for_missing_volume(judged, rules, (f.rule_id for f in firings))
    reason = None if health.healthy else clip("unhealthy data: " + "; ".join(health.reasons), MAX_REASON_CHARS)
    context = market_context(
        frame["ts"].to_numpy(),
        frame["close"].to_numpy(dtype=float),
        timeframe_ms=series.timeframe_ms,
        reference=reference,
    )
    own = context.own if context is not None else None
    rare = rarities(
        [(f.rule_id, f.direction) for f in firings],
        judged,
        series.timeframe_ms,
        own=own.residuals if own is not None else None,
        own_sigma=own.sigma if own is not None else None,
    )
    records = [
        FiringRecord(**f.as_dict(), suppressed=reason is not None, suppressed_reason=reason, rarity=r)
        for f, r in zip(firings, rare, strict=True)
    ]
    last = frame.iloc[-1]
    snapshot = {column: _finite_or_none(last[column]) for column in params.columns}
    return Signal(
        series=series.key,
        candle_ts=candle_ts,
        close=float(last["close"]),
        firings=records,
        indicators=snapshot,
        news=news,
        market=context.market if context is not None else None,
        health=health,
        analyzed_at=now_ms,
        skipped=skipped,
    )
