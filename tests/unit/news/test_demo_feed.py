"""The demo's canned NewsAPI, called by the real client: NewsAPI-shaped, deterministic, hostile now and then."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crypto_advisor.adapters.newsapi import NewsApiSource
from crypto_advisor.contracts.errors import SourceAuthError
from crypto_advisor.local.news_feed import JAVASCRIPT_URL, SYNDICATION, demo_news_session
from crypto_advisor.news.language import language
from crypto_advisor.news.parse import parse_articles
from crypto_advisor.news.scoring import compound
from crypto_advisor.news.stories import stories

HOUR = 3_600_000
TO = 1_793_491_200_000  # 2026-11-01T00:00Z
QUERY = '"Bitcoin" OR "BTC"'


def fetch(from_ms: int, to_ms: int, *, seed: int = 7, key: str = "demo-key", query: str = QUERY) -> list[dict]:
    source = NewsApiSource(key, session=demo_news_session(seed=seed))
    return source.fetch(query, from_ms=from_ms, to_ms=to_ms).articles


def ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).timestamp() * 1000)


def test_two_days_hold_newest_first_articles_inside_the_window():
    # When two days are fetched through the real client
    articles = fetch(TO - 48 * HOUR, TO)

    # Then there are about one story every two hours (wire stories with their copies), newest first, all inside
    # the window, all about the coin
    times = [ms(a["publishedAt"]) for a in articles]
    portals = {outlet for outlet, *_ in SYNDICATION}
    assert 20 <= len([a for a in articles if a["source"]["name"] not in portals]) <= 28
    assert times == sorted(times, reverse=True) and min(times) >= TO - 48 * HOUR and max(times) <= TO
    assert all("Bitcoin" in a["title"] or "BTC" in a["title"] for a in articles)


def test_the_same_window_gives_the_same_answer_and_overlapping_windows_share_their_articles():
    # When two runs two hours apart fetch their last two days
    first, second = fetch(TO - 48 * HOUR, TO), fetch(TO - 46 * HOUR, TO + 2 * HOUR)

    # Then the overlap is the same articles at the same URLs, and a rerun is identical
    overlap = {a["url"] for a in first if ms(a["publishedAt"]) >= TO - 46 * HOUR}
    assert overlap and overlap <= {a["url"] for a in second}
    assert fetch(TO - 48 * HOUR, TO) == first


def test_two_days_carry_one_script_headline_and_one_javascript_link_which_the_contract_rejects():
    # When two days are fetched and parsed
    raws = fetch(TO - 48 * HOUR, TO)
    accepted, rejected = parse_articles("BTC", raws, now_ms=TO, score=compound)

    # Then one headline carries a script tag (kept as text) and the javascript: link is rejected with its reason
    assert sum("<script>" in a.title for a in accepted) == 1
    assert [r.url for r in rejected] == [JAVASCRIPT_URL] and "not an http(s) URL" in rejected[0].reason


def test_the_mood_is_mixed():
    # When a week of news is scored
    scores = [compound(a["title"], a["description"]) for a in fetch(TO - 7 * 24 * HOUR, TO)]

    # Then there are clearly good and clearly bad headlines
    assert sum(s > 0.3 for s in scores) >= 5 and sum(s < -0.3 for s in scores) >= 5


def test_another_seed_or_coin_tells_other_stories():
    # When the same window is fetched with another seed, and for another coin
    base = [(a["publishedAt"], a["url"]) for a in fetch(TO - 48 * HOUR, TO)]

    # Then the articles differ
    assert base != [(a["publishedAt"], a["url"]) for a in fetch(TO - 48 * HOUR, TO, seed=8)]
    assert all(
        "Ethereum" in a["title"] or "ETH" in a["title"] for a in fetch(TO - 48 * HOUR, TO, query='"Ethereum" OR "ETH"')
    )


def test_without_a_key_the_feed_answers_like_newsapi(monkeypatch):
    # Given a client whose Authorization header is empty
    source = NewsApiSource("demo-key", session=demo_news_session())
    monkeypatch.setattr(source._client.auth, "api_key", "")

    # When it fetches / Then the answer is NewsAPI's apiKeyMissing
    with pytest.raises(SourceAuthError, match="apiKeyMissing"):
        source.fetch(QUERY, from_ms=TO - HOUR, to_ms=TO)


def test_the_session_reaches_nothing_but_the_feed():
    # Given / When the session is asked for another site / Then it fails without touching the network
    with pytest.raises(Exception, match="reaches no network"):
        demo_news_session().get("https://example.com/")


def test_a_wire_story_comes_with_copies_a_german_and_a_spanish_article_and_names_to_find():
    # When two days are fetched through the real client and parsed as NewsFunction does
    articles, _ = parse_articles(
        "BTC", fetch(TO - 48 * HOUR, TO), now_ms=TO, score=compound, detect=language, watched={"BTC": "Bitcoin"}
    )

    # Then some stories come from several outlets, one of them Reuters with its copies
    grouped = stories(a for a in articles if a.in_mood)
    wires = [s for s in grouped if s.first.source == "Reuters" and s.outlets() > 1]
    assert len(wires) >= 3 and max(s.outlets() for s in wires) == 4
    # And one German and one Spanish article are stored unscored
    assert sorted(a.language for a in articles if a.compound is None) == ["de", "es"]
    # And the headlines name who is in the news
    assert {"SEC", "BlackRock", "Federal Reserve"} <= {e.name for a in articles for e in a.entities}
