"""The news mood of a coin at a moment: mean VADER compound over the last 24 hours and 7 days, per story.

Pure. A window ending at ``at_ms`` holds the stories first published in
``(at_ms - window, at_ms]``: a story published exactly at ``at_ms`` counts,
one published exactly a window earlier does not (it belongs to the window
before), and nothing published after ``at_ms`` is ever seen, so the mood at a
candle's close uses only news a trader could have read by then. The analysis
computes it for every candle of its window (:func:`moods_at`) and for the
Signal's digest (:func:`digest`); both use the same arithmetic.

What counts: English articles about the coin (:attr:`Article.in_mood`), grouped
into stories (:mod:`.stories`): a wire story syndicated under seven URLs is
one vote, with its first copy's score, so one agency's story cannot outvote
every other. The mean is otherwise unweighted: one story, one vote, which
keeps the figure explainable ("12 stories, mean -0.31"). Articles in other
languages are stored unscored and only counted (``other_languages_24h``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crypto_advisor.contracts.news import (
    MAX_HEADLINES,
    MAX_IN_THE_NEWS,
    MOOD_LONG_MS,
    MOOD_SHORT_MS,
    Article,
    Entity,
    Headline,
    NewsDigest,
    NewsMood,
)
from crypto_advisor.news.entities import most_named
from crypto_advisor.news.stories import Story, stories

#: Headlines a digest carries: enough for an email, few enough to read on a phone (the contract's cap).
TOP_HEADLINES = MAX_HEADLINES


@dataclass(frozen=True)
class MoodSeries:
    """The mood at each of several moments; means are NaN where the window holds no story."""

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


def mood_stories(articles: Sequence[Article]) -> list[Story]:
    """The stories the mood counts: English articles about the coin, syndicated copies grouped."""
    return stories(a for a in articles if a.in_mood)


def _series(grouped: Sequence[Story], at_ms: Sequence[int] | np.ndarray) -> MoodSeries:
    times = np.fromiter((s.published_ts for s in grouped), dtype=np.int64, count=len(grouped))
    # Prefix sums: the total of any window is a difference of two of them (exact enough in float64 for
    # the few thousand scores in [-1, 1] a week of news holds).
    sums = np.concatenate(([0.0], np.cumsum([s.first.compound or 0.0 for s in grouped], dtype=np.float64)))
    at = np.asarray(at_ms, dtype=np.int64)
    mean_24h, count_24h = _window(times, sums, at, MOOD_SHORT_MS)
    mean_7d, count_7d = _window(times, sums, at, MOOD_LONG_MS)
    return MoodSeries(mean_24h, count_24h, mean_7d, count_7d)


def moods_at(articles: Sequence[Article], at_ms: Sequence[int] | np.ndarray) -> MoodSeries:
    """The 24-hour and 7-day mood at each moment of ``at_ms`` (any order), from one coin's articles."""
    return _series(mood_stories(articles), at_ms)


def _rounded(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 4)


def _last_day(at_ms: int, published_ts: int) -> bool:
    return at_ms - MOOD_SHORT_MS < published_ts <= at_ms


@dataclass(frozen=True)
class _Seen:
    """One coin's news as it stood at ``at_ms``: the articles published by then, grouped into stories once."""

    at_ms: int
    articles: list[Article]
    stories: list[Story]

    @classmethod
    def at(cls, articles: Sequence[Article], at_ms: int) -> _Seen:
        seen = [a for a in articles if a.published_ts <= at_ms]
        return cls(at_ms, seen, mood_stories(seen))

    def last_day(self) -> list[Story]:
        """The stories first published in the last 24 hours, with the copies published by ``at_ms``."""
        return [s for s in self.stories if _last_day(self.at_ms, s.published_ts)]


def _mood(seen: _Seen) -> NewsMood:
    series = _series(seen.stories, [seen.at_ms])
    recent = [a for a in seen.articles if _last_day(seen.at_ms, a.published_ts)]
    return NewsMood(
        at_ts=seen.at_ms,
        mean_24h=_rounded(series.mean_24h[0]),
        count_24h=int(series.count_24h[0]),
        mean_7d=_rounded(series.mean_7d[0]),
        count_7d=int(series.count_7d[0]),
        articles_24h=sum(1 for a in recent if a.in_mood),
        other_languages_24h=sum(1 for a in recent if a.compound is None),
    )


def mood_at(articles: Sequence[Article], at_ms: int) -> NewsMood:
    """The mood at ``at_ms``: means rounded to 4 decimals (VADER's own precision), None without stories."""
    return _mood(_Seen.at(articles, at_ms))


def _top(seen: _Seen, limit: int) -> list[Headline]:
    recent = seen.last_day()
    recent.sort(key=lambda s: (-abs(s.first.compound or 0.0), -s.published_ts, s.first.url))
    return [
        Headline(
            title=s.first.title,
            source=s.first.source,
            url=s.first.url,
            published_ts=s.published_ts,
            compound=s.first.compound or 0.0,
            outlets=s.outlets(seen.at_ms),
        )
        for s in recent[:limit]
    ]


def top_headlines(articles: Sequence[Article], at_ms: int, limit: int = TOP_HEADLINES) -> list[Headline]:
    """The ``limit`` stories of the last 24 hours that moved the mood most, each once with its outlets.

    Strongest first by ``|compound|`` (a reader wants to see what drove the
    figure, whichever way), newest first among equal scores, then by URL so the
    choice never depends on the order the table returned them in. A story is
    shown by its first copy, with how many outlets carried it.
    """
    return _top(_Seen.at(articles, at_ms), limit)


def _named(seen: _Seen, limit: int) -> list[Entity]:
    return most_named(([e for copy in s.copies for e in copy.entities] for s in seen.last_day()), limit)


def in_the_news(articles: Sequence[Article], at_ms: int, limit: int = MAX_IN_THE_NEWS) -> list[Entity]:
    """The organisations, people and places named by most stories of the last 24 hours (a story counts once)."""
    return _named(_Seen.at(articles, at_ms), limit)


def digest(coin: str, articles: Sequence[Article], at_ms: int, limit: int = TOP_HEADLINES) -> NewsDigest:
    """What a Signal carries about ``coin``'s news at ``at_ms``; ``no_articles`` when its week was silent."""
    seen = _Seen.at(articles, at_ms)
    mood = _mood(seen)
    if mood.count_7d == 0:
        return NewsDigest(coin=coin, status="no_articles", mood=mood)
    return NewsDigest(
        coin=coin, status="ok", mood=mood, headlines=_top(seen, limit), in_the_news=_named(seen, MAX_IN_THE_NEWS)
    )
