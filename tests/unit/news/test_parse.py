"""NewsAPI article objects checked one by one: a bad article is rejected with its reason, alone."""

from __future__ import annotations

import pytest

from crypto_advisor.news.parse import parse_articles, published_ms
from tests.recorded import newsapi

HOUR = 3_600_000
NOW = 1_793_491_200_000  # 2026-11-01T00:00Z


def score(title: str, description: str) -> float:
    return 0.5 if "good" in title else -0.5


def test_a_well_formed_article_becomes_a_scored_article():
    # Given one article as NewsAPI sends it
    raw = newsapi.article("A good day for Bitcoin", NOW - HOUR, description="  More to come. ", source="Reuters")

    # When it is parsed
    accepted, rejected = parse_articles("BTC", [raw], now_ms=NOW, score=score)

    # Then every field is carried, trimmed, with its score and the coin
    assert rejected == []
    (article,) = accepted
    assert (article.coin, article.title, article.description, article.source) == (
        "BTC",
        "A good day for Bitcoin",
        "More to come.",
        "Reuters",
    )
    assert article.published_ts == NOW - HOUR and article.compound == 0.5 and article.url == raw["url"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (newsapi.article("No link", NOW - HOUR, url=""), "missing url"),
        ({**newsapi.article("x", NOW - HOUR), "url": None}, "missing url"),
        (newsapi.article(None, NOW - HOUR), "missing title"),
        (newsapi.article("   ", NOW - HOUR), "missing title"),
        (newsapi.article("Click", NOW - HOUR, url=newsapi.JAVASCRIPT_URL), "not an http(s) URL: 'javascript:alert(1)'"),
        (newsapi.article("Relative", NOW - HOUR, url="/2026/btc"), "not an http(s) URL"),
        (newsapi.article("Old", None), "missing publishedAt"),
        (newsapi.article("Odd", None, published_at="yesterday"), "bad publishedAt 'yesterday'"),
        (newsapi.article("Future", NOW + HOUR), "after the run time"),
        (newsapi.article("[Removed]", NOW - HOUR, url="https://removed.com"), "removed by its publisher"),
        ("not an object", "not an article object: str"),
    ],
    ids=[
        "empty-url",
        "null-url",
        "null-title",
        "blank-title",
        "javascript-url",
        "relative-url",
        "no-date",
        "bad-date",
        "future-date",
        "removed",
        "not-a-dict",
    ],
)
def test_a_malformed_article_is_rejected_with_its_reason_and_the_others_kept(raw, reason):
    # Given a good article, the malformed one, and another good one
    good = [newsapi.article(f"good news {i}", NOW - i * HOUR) for i in (1, 2)]

    # When the answer is parsed
    accepted, rejected = parse_articles("BTC", [good[0], raw, good[1]], now_ms=NOW, score=score)

    # Then the malformed one is reported at its position with the reason, and both good ones are kept
    assert [a.title for a in accepted] == ["good news 1", "good news 2"]
    assert len(rejected) == 1 and rejected[0].index == 1 and reason in rejected[0].reason


def test_a_script_tag_in_a_headline_is_kept_as_text_for_the_renderers_to_escape():
    # Given a headline carrying markup
    raw = newsapi.article(newsapi.SCRIPT_TITLE, NOW - HOUR)

    # When it is parsed / Then the title is stored as sent: escaping is the renderers' job, at the output
    (article,), _ = parse_articles("BTC", [raw], now_ms=NOW, score=score)
    assert article.title == newsapi.SCRIPT_TITLE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01T00:00:00Z", NOW),
        ("2026-11-01T00:00:00.250Z", NOW + 250),
        ("2026-11-01T01:00:00+01:00", NOW),
        ("2026-11-01T00:00:00", NOW),
    ],
    ids=["zulu", "fraction", "offset", "no-zone-is-utc"],
)
def test_publication_times_in_every_iso_form_newsapi_uses(text, expected):
    # Given / When a publishedAt is read / Then it is that instant in epoch milliseconds UTC
    assert published_ms(text) == expected


def test_a_url_over_its_cap_is_rejected_with_the_reason_and_the_others_kept():
    # Given a good article and one whose URL is 450 KB (it once failed the News write and stopped the coin's run)
    good = newsapi.article("good news", NOW - HOUR)
    huge = newsapi.article("Huge link", NOW - HOUR, url="https://spam.example/" + "a" * 450_000)

    # When the answer is parsed
    accepted, rejected = parse_articles("BTC", [huge, good], now_ms=NOW, score=score)

    # Then the huge one is rejected by name, its URL quoted short, and the good one is kept
    assert [a.title for a in accepted] == ["good news"]
    assert rejected[0].reason == "url too long: 450,021 characters, at most 2,048 are stored"
    assert len(rejected[0].url or "") == 200


def test_prose_over_its_cap_is_cut_to_it():
    # Given an article whose title, description and source name are far over their caps
    raw = newsapi.article("good " * 1_000, NOW - HOUR, description="d" * 10_000, source="s" * 1_000)

    # When it is parsed
    (article,), _ = parse_articles("BTC", [raw], now_ms=NOW, score=score)

    # Then each is cut to its cap: prose reads fine cut
    assert (len(article.title), len(article.description), len(article.source)) == (500, 2_000, 200)
