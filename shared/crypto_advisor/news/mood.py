"""The news mood of a coin at a moment: mean VADER compound over the last 24 hours and 7 days.

Pure. A window ending at ``at_ms`` holds the articles published in
``(at_ms - window, at_ms]``: an article published exactly at ``at_ms`` counts,
one published exactly a window earlier does not (it belongs to the window
before), and nothing published after ``at_ms`` is ever seen, so the mood at a
candle's close uses only news a trader could have read by then. The analysis
computes it for every candle of its window (:func:`moods_at`) and for the
Signal's digest (:func:`digest`); both use the same arithmetic.

The mean is unweighted: one article, one vote. A wire story syndicated under
several URLs therefore counts several times; that is how the news looked to a
reader, and it keeps the figure explainable ("12 articles, mean -0.31").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crypto_advisor.contracts.news import (
    MAX_HEADLINES,
    MOOD_LONG_MS,
    MOOD_SHORT_MS,
    Article,
    Headline,
    NewsDigest,
    NewsMood,
)

#: Headlines a digest carries: enough for an email, few enough to read on a phone (the contract's cap).
TOP_HEADLINES = MAX_HEADLINES


@dataclass(frozen=True)
class MoodSeries:
    """The mood at each of several moments; means are NaN where the window holds no article."""

    mean_24h: np.ndarray
    count_24h: np.ndarray
    mean_7d: np.ndarray
    count_7d: np.ndarray


def _window(times: np.ndarray, sums: np.ndarray, at: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Count and mean of the scores published in ``(at - length, at]`` for each ``at``."""
    end = np.searchsorted(times, at, side="right")
    start = np.searchsorted(times, at - length, side="right")
    count = end - start
    total = sums[end] - sums[start]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return mean, count


def moods_at(articles: Sequence[Article], at_ms: Sequence[int] | np.ndarray) -> MoodSeries:
    """The 24-hour and 7-day mood at each moment of ``at_ms`` (any order), from one coin's articles."""
    ordered = sorted(articles, key=lambda a: a.published_ts)
    times = np.fromiter((a.published_ts for a in ordered), dtype=np.int64, count=len(ordered))
    # Prefix sums: the total of any window is a difference of two of them (exact enough in float64 for
    # the few thousand scores in [-1, 1] a week of news holds).
    sums = np.concatenate(([0.0], np.cumsum([a.compound for a in ordered], dtype=np.float64)))
    at = np.asarray(at_ms, dtype=np.int64)
    mean_24h, count_24h = _window(times, sums, at, MOOD_SHORT_MS)
    mean_7d, count_7d = _window(times, sums, at, MOOD_LONG_MS)
    return MoodSeries(mean_24h, count_24h, mean_7d, count_7d)


def _rounded(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 4)


def mood_at(articles: Sequence[Article], at_ms: int) -> NewsMood:
    """The mood at ``at_ms``: means rounded to 4 decimals (VADER's own precision), None without articles."""
    series = moods_at(articles, [at_ms])
    return NewsMood(
        at_ts=at_ms,
        mean_24h=_rounded(series.mean_24h[0]),
        count_24h=int(series.count_24h[0]),
        mean_7d=_rounded(series.mean_7d[0]),
        count_7d=int(series.count_7d[0]),
    )


def top_headlines(articles: Sequence[Article], at_ms: int, limit: int = TOP_HEADLINES) -> list[Headline]:
    """The ``limit`` headlines of the last 24 hours that moved the mood most.

    Strongest first by ``|compound|`` (a reader wants to see what drove the
    figure, whichever way), newest first among equal scores, then by URL so the
    choice never depends on the order the table returned them in.
    """
    recent = [a for a in articles if at_ms - MOOD_SHORT_MS < a.published_ts <= at_ms]
    recent.sort(key=lambda a: (-abs(a.compound), -a.published_ts, a.url))
    return [
        Headline(title=a.title, source=a.source, url=a.url, published_ts=a.published_ts, compound=a.compound)
        for a in recent[:limit]
    ]


def digest(coin: str, articles: Sequence[Article], at_ms: int, limit: int = TOP_HEADLINES) -> NewsDigest:
    """What a Signal carries about ``coin``'s news at ``at_ms``; ``no_articles`` when its week was silent."""
    mood = mood_at(articles, at_ms)
    if mood.count_7d == 0:
        return NewsDigest(coin=coin, status="no_articles", mood=mood)
    return NewsDigest(coin=coin, status="ok", mood=mood, headlines=top_headlines(articles, at_ms, limit))
