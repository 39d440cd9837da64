"""The mood at a moment: windows (at - 24h, at] and (at - 7d, at], only articles published by then."""

from __future__ import annotations

import math

from crypto_advisor.contracts.news import Article
from crypto_advisor.news.mood import digest, mood_at, moods_at, top_headlines

HOUR = 3_600_000
DAY = 24 * HOUR
AT = 1_793_491_200_000  # 2026-11-01T00:00Z


def art(published_ts: int, compound: float, name: str = "") -> Article:
    return Article(
        coin="BTC",
        url=f"https://news.example/{published_ts}/{name or compound}",
        title=name or f"story {compound} published at {published_ts}",
        source="Example",
        published_ts=published_ts,
        compound=compound,
    )


def test_the_24h_window_counts_an_article_published_exactly_at_its_end_but_not_one_a_day_earlier():
    # Given articles at the moment itself, one millisecond inside the day, and exactly a day before
    articles = [art(AT, 0.6), art(AT - DAY + 1, 0.2), art(AT - DAY, -0.9)]

    # When the mood is taken at AT
    mood = mood_at(articles, AT)

    # Then the 24h window holds the first two, the 7-day window all three
    assert (mood.count_24h, mood.mean_24h) == (2, 0.4)
    assert (mood.count_7d, mood.mean_7d) == (3, round((0.6 + 0.2 - 0.9) / 3, 4))


def test_articles_published_after_the_moment_are_not_seen():
    # Given an article published a minute after the moment
    articles = [art(AT - HOUR, -0.5), art(AT + 60_000, 0.9)]

    # When the mood is taken / Then only the past one counts
    mood = mood_at(articles, AT)
    assert (mood.count_24h, mood.mean_24h, mood.count_7d) == (1, -0.5, 1)


def test_the_7d_window_ends_seven_days_back():
    # Given an article just inside the week and one exactly a week old
    articles = [art(AT - 7 * DAY + 1, 0.4), art(AT - 7 * DAY, -0.4)]

    # When the mood is taken / Then only the first is in the week, and the day is empty
    mood = mood_at(articles, AT)
    assert (mood.count_7d, mood.mean_7d) == (1, 0.4)
    assert (mood.count_24h, mood.mean_24h) == (0, None)


def test_no_articles_give_counts_of_zero_and_no_means():
    # Given / When the mood of nothing is taken / Then it says so rather than inventing a 0.0 mood
    mood = mood_at([], AT)
    assert (mood.count_24h, mood.mean_24h, mood.count_7d, mood.mean_7d, mood.shift) == (0, None, 0, None, None)


def test_the_mood_at_many_moments_matches_the_mood_at_each():
    # Given a week of articles every five hours with alternating moods
    articles = [art(AT - k * 5 * HOUR, 0.8 if k % 3 else -0.6) for k in range(40)]
    moments = [AT - h * HOUR for h in range(0, 200, 7)]

    # When the moods are computed at once and one by one
    series = moods_at(articles, moments)
    single = [mood_at(articles, m) for m in moments]

    # Then they agree everywhere
    for i, mood in enumerate(single):
        assert int(series.count_24h[i]) == mood.count_24h and int(series.count_7d[i]) == mood.count_7d
        assert (mood.mean_24h is None and math.isnan(series.mean_24h[i])) or math.isclose(
            series.mean_24h[i], mood.mean_24h, abs_tol=1e-4
        )


def test_top_headlines_are_the_five_strongest_of_the_day_newest_first_on_ties():
    # Given seven articles of the last day, two with equal strength, and a very strong one from two days ago
    articles = [
        art(AT - 1 * HOUR, 0.1, "mild"),
        art(AT - 2 * HOUR, -0.9, "worst"),
        art(AT - 3 * HOUR, 0.5, "older half"),
        art(AT - 1 * HOUR + 1, -0.5, "newer half"),
        art(AT - 4 * HOUR, 0.7, "good"),
        art(AT - 5 * HOUR, 0.0, "flat"),
        art(AT - 6 * HOUR, 0.6, "fine"),
        art(AT - 2 * DAY, 1.0, "two days ago"),
    ]

    # When the top headlines are chosen
    titles = [h.title for h in top_headlines(articles, AT)]

    # Then they are the five strongest of the day by |compound|, the newer first of the two tied at 0.5
    assert titles == ["worst", "good", "fine", "newer half", "older half"]


def test_a_digest_of_a_silent_week_says_no_articles():
    # Given only an article older than a week
    # When the digest is made / Then its status says there was nothing to read
    result = digest("BTC", [art(AT - 8 * DAY, 0.5)], AT)
    assert result.status == "no_articles" and result.headlines == [] and result.mood.count_7d == 0


def test_a_digest_carries_the_mood_and_the_headlines():
    # Given three articles of the day
    articles = [art(AT - HOUR, 0.5), art(AT - 2 * HOUR, -0.3), art(AT - 3 * HOUR, 0.1)]

    # When the digest is made
    result = digest("BTC", articles, AT)

    # Then it is ok, with the day's mood and its headlines
    assert result.status == "ok" and result.coin == "BTC"
    assert result.mood.count_24h == 3 and result.mood.mean_24h == 0.1
    assert len(result.headlines) == 3
