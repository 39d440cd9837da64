"""The series page's figures: candles with the analysis' own indicator lines, the markers, records and cards.

The indicator lines are the ones :func:`~crypto_advisor.market.indicators.indicator_frame`
computes for the rules (the same parameters, :data:`~crypto_advisor.market.indicator_spec.DEFAULT_PARAMS`,
and the same arithmetic), computed by :func:`chart_lines` without pandas (:mod:`crypto_advisor.market.windows`:
DashboardFunction carries numpy alone), so the chart shows what the rules saw;
``tests/unit/dashboard/test_lines_without_pandas.py`` holds the two equal on the demo's market.
Rule records are worded by the email's
:func:`~crypto_advisor.notify.format.track_record`, how past alerts fared by its
:func:`~crypto_advisor.notify.format.email_record_words`, live records by its
:func:`~crypto_advisor.notify.format.live_record`, and the news mood by the
digest's :func:`~crypto_advisor.digest.content.news_mood`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.decisions import EMAILED, Decision
from crypto_advisor.contracts.news import Article
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import FiringRecord, Signal
from crypto_advisor.dashboard.answers import (
    DecisionStatus,
    FiringOutcome,
    Indicators,
    LinePoint,
    LiveRecordAnswer,
    Marker,
    ModelCardAnswer,
    NewsAnswer,
    NewsArticle,
    RuleRecordAnswer,
)
from crypto_advisor.digest.content import news_mood
from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS, IndicatorParams
from crypto_advisor.market.windows import ewm_mean, rolling, rolling_std, shift
from crypto_advisor.news.mood import digest as news_digest
from crypto_advisor.notify.format import email_record_words, live_record, rule_title, track_record
from crypto_advisor.notify.grading import LiveRecord
from crypto_advisor.notify.view import EmailRecord, RuleRecord

#: The chart's lines, by indicator column (the tests compare them with the analysis' own frame).
EMA_COLUMNS = tuple(DEFAULT_PARAMS.ema_column(n) for n in (9, 21, 50))
BAND_COLUMNS = ("bb_upper", "bb_middle", "bb_lower")
MACD_COLUMNS = ("macd", "macd_signal", "macd_hist")


def chart_lines(candles: Sequence[Candle], p: IndicatorParams = DEFAULT_PARAMS) -> dict[str, np.ndarray]:
    """The chart's columns of the analysis' indicator frame (EMAs, Bollinger bands, volume average, RSI, MACD).

    Step for step :func:`crypto_advisor.market.indicators.compute`'s, with pandas' windows replaced by
    :mod:`crypto_advisor.market.windows`; ``ts`` is the candles' times.
    """
    close = np.array([c.close for c in candles], dtype=np.float64)
    volume = np.array([math.nan if c.volume is None else c.volume for c in candles], dtype=np.float64)
    out: dict[str, np.ndarray] = {"ts": np.array([c.ts for c in candles], dtype=np.int64)}
    emas = {n: ewm_mean(close, span=n, min_periods=n) for n in {*p.ema_periods, p.macd[0], p.macd[1]}}
    for period in p.ema_periods:
        out[p.ema_column(period)] = emas[period]
    fast, slow, sign = p.macd
    macd = emas[fast] - emas[slow]
    signal = ewm_mean(macd, span=sign, min_periods=sign)
    out["macd"], out["macd_signal"], out["macd_hist"] = macd, signal, macd - signal
    diff = close - shift(close, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        avg_gain = ewm_mean(np.where(diff > 0, diff, 0.0), alpha=1 / p.rsi)
        avg_loss = ewm_mean(-np.where(diff < 0, diff, 0.0), alpha=1 / p.rsi)
        avg_gain[: p.rsi - 1] = np.nan
        avg_loss[: p.rsi - 1] = np.nan
        out[p.rsi_column] = np.where(avg_loss == 0, 100.0, 100 - 100 / (1 + avg_gain / avg_loss))
    window, devs = p.bb
    middle = rolling(close, window, np.mean)
    spread = devs * rolling_std(close, window, ddof=0)
    out["bb_upper"], out["bb_middle"], out["bb_lower"] = middle + spread, middle, middle - spread
    out[p.volume_ma_column] = rolling(volume, p.volume_ma, np.mean)
    return out


def indicator_lines(candles: Sequence[Candle], shown_from_ts: int) -> Indicators:
    """The chart's lines over candles from ``shown_from_ts``, computed over all of ``candles`` (the warm-up)."""
    frame = chart_lines(candles) if candles else {}

    def line(column: str) -> list[LinePoint]:
        if column not in frame:
            return []
        values = frame[column]
        return [
            LinePoint(ts=int(ts), value=float(v))
            for ts, v in zip(frame["ts"], values, strict=True)
            if ts >= shown_from_ts and math.isfinite(v)
        ]

    return Indicators(
        ema={c: line(c) for c in EMA_COLUMNS},
        bollinger={c: line(c) for c in BAND_COLUMNS},
        volume_ma=line(DEFAULT_PARAMS.volume_ma_column),
        rsi=line(DEFAULT_PARAMS.rsi_column),
        macd={c: line(c) for c in MACD_COLUMNS},
    )


def markers(signals: Iterable[Signal], decisions: Iterable[Decision]) -> list[Marker]:
    """A marker per firing, with what became of it (:func:`outcome`), and per email that went out or may have.

    ``decisions``: the series' decisions over the same candles, as the alert history reads them (one per candle);
    each firing is joined with its candle's, so the page and the alert log cannot disagree.
    """
    by_candle = {d.candle_ts: d for d in decisions}
    out = []
    for s in signals:
        decision = by_candle.get(s.candle_ts)
        for f in s.firings:
            fate, reason = outcome(f, decision)
            out.append(
                Marker(
                    ts=s.candle_ts,
                    kind="firing",
                    rule=f.rule_id,
                    direction=f.direction,
                    severity=f.severity,
                    text=f.sentence,
                    suppressed=f.suppressed,
                    status=_status(decision),
                    outcome=fate,
                    reason=reason,
                )
            )
    out += [
        Marker(ts=d.candle_ts, kind="email", text=d.subject or ", ".join(d.rules) or d.status, status=_status(d))
        for d in by_candle.values()
        if d.status in EMAILED
    ]
    return sorted(out, key=lambda m: (m.ts, m.kind))


def outcome(firing: FiringRecord, decision: Decision | None) -> tuple[FiringOutcome, str | None]:
    """What became of ``firing``, given its candle's alert decision, and the log's reason when it was held back.

    The analysis' suppression (bad data) comes first: such a firing never reaches the alert policy. An email names
    the rules it carried; a firing left out of it was in cooldown, muted or under the bar, which the log does not
    tell apart (it keeps the rules emailed), so it is ``left_out`` with no reason. A suppressed decision's reason
    (cooldown, in_market_email, below_threshold, ...) is the firing's.
    """
    if firing.suppressed:
        return "suppressed", None
    if decision is None:
        return "undecided", None
    if decision.status in EMAILED:
        return ("emailed", None) if firing.rule_id in decision.rules else ("left_out", None)
    return "held_back", decision.reason


def _status(decision: Decision | None) -> DecisionStatus | None:
    return decision.status if decision is not None else None  # type: ignore[return-value]  # the log writes only these


def rule_record_answers(records: Mapping[str, RuleRecord], series: Series) -> list[RuleRecordAnswer]:
    return [
        RuleRecordAnswer(
            rule=rule_id,
            title=rule_title(rule_id, "neutral"),
            sentence=track_record(record, "neutral", series.timeframe_ms),
        )
        for rule_id, record in sorted(records.items())
    ]


def past_alerts(record: EmailRecord | None, series: Series) -> str | None:
    """How the series' past alerts fared, the very sentence its alert emails quote, so the page and the inbox agree;
    None when the replay has not judged the emails yet or none of them has an outcome."""
    return email_record_words(record, series.label, series.timeframe_ms) if record is not None else None


def card_answers(cards: Sequence[Any], importances: Mapping[str, float] | None) -> list[ModelCardAnswer]:
    """The model cards as the training run stored them; the forest's importances on the breakout card."""
    out = []
    for card in cards:
        scores = {name: {k: _finite(v) for k, v in metrics.items()} for name, metrics in card.scores.items()}
        out.append(
            ModelCardAnswer(
                model=card.model,
                kind=card.kind,
                horizon=card.horizon,
                verdict=card.verdict,
                n=card.n,
                folds=card.folds,
                baseline=card.baseline,
                scores=scores,
                feature_importances=dict(importances) if importances and card.kind == "breakout" else None,
            )
        )
    return out


def live_answers(records: Mapping[str, LiveRecord]) -> list[LiveRecordAnswer]:
    return [
        LiveRecordAnswer(model=r.model, kind=r.kind, n=r.n, text=live_record(r)) for _, r in sorted(records.items())
    ]


def news_answer(coin: str, articles: Sequence[Article], at_ms: int) -> NewsAnswer:
    """The coin's mood at ``at_ms`` (as the analysis computes it for a signal) and its articles, newest first."""
    newest = sorted(articles, key=lambda a: a.published_ts, reverse=True)
    return NewsAnswer(
        mood=news_mood(news_digest(coin, articles, at_ms)),
        articles=[
            NewsArticle(published_ts=a.published_ts, title=a.title, source=a.source, url=a.url, score=a.compound)
            for a in newest
        ],
    )


def _finite(x: object) -> float | None:
    return float(x) if isinstance(x, (int, float)) and math.isfinite(x) else None
