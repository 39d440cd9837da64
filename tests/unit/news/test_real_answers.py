"""Real NewsAPI answers (``tests/recorded/newsapi_real``) through the real client and the news logic: only English
is scored, a syndicated story counts once, articles go to the watched coins they name, and the entities they name
reach the digest and the email."""

from __future__ import annotations

from dataclasses import replace

import pytest
import responses
from responses import matchers

from crypto_advisor.adapters.newsapi import NewsApiSource
from crypto_advisor.contracts.news import Article, Entity
from crypto_advisor.digest.content import news_mood
from crypto_advisor.news.language import language
from crypto_advisor.news.mood import digest, mood_at
from crypto_advisor.news.parse import parse_articles, published_ms
from crypto_advisor.news.scoring import compound
from crypto_advisor.news.service import run_news
from crypto_advisor.news.stories import stories
from crypto_advisor.notify.format import EmailContent, news_content
from crypto_advisor.notify.html import html_document
from crypto_advisor.notify.text import text_document
from tests.fakes.news import MemoryArchive, MemoryStore
from tests.recorded import newsapi

#: Twenty minutes after the newest article of each answer (a run at that moment sees all of them).
JAN_5 = published_ms("2021-01-05T13:20:00Z")
MAR_1 = published_ms("2022-03-01T18:00:00Z")
GERMAN = "Kryptowährung: Ethereum im Aufwind"
SCAMS = "Online scams surge as slow vaccine rollout frustrates"


def raw(name: str) -> list[dict]:
    return newsapi.real_answer(name)["articles"]


def run(rsps: responses.RequestsMock, coins: dict[str, str], answers: dict[str, str | None], now_ms: int) -> tuple:
    """One news run through the real NewsApiClient, NewsAPI answering each coin's query with a recorded answer."""
    for name, answer in answers.items():
        body = newsapi.real_answer(answer) if answer else newsapi.everything([])
        match = [matchers.query_param_matcher({"q": f'"{name}" OR "{ticker}"'}, strict_match=False)
                 for ticker, coin_name in coins.items() if coin_name == name]  # fmt: skip
        rsps.add(responses.GET, newsapi.EVERYTHING_URL, json=body, content_type=newsapi.JSON, match=match)
    store = MemoryStore()
    report = run_news(coins, now_ms=now_ms, source=NewsApiSource("k" * 32, sleep=lambda s: None), store=store,
                      archive=MemoryArchive())  # fmt: skip
    return report, store


def stored(store: MemoryStore, coin: str) -> list[Article]:
    return [a for (c, _), a in store.items.items() if c == coin]


def all_about_bitcoin(name: str, now_ms: int) -> list[Article]:
    """The answer's articles as one coin's, every one taken to be about it (no attribution), English scored."""
    articles, _ = parse_articles("BTC", raw(name), now_ms=now_ms, score=compound, detect=language)
    return articles


# --- part 5: only English is scored -------------------------------------------------------------------


def test_articles_not_in_english_are_stored_unscored_and_counted(rsps):
    # Given NewsAPI's real answer to a Bitcoin search holding a Czech, a German and a French article
    # When a news run stores it
    report, store = run(rsps, {"BTC": "Bitcoin"}, {"Bitcoin": "bitcoin_2021-01-05"}, JAN_5)

    # Then every article is stored, the three not in English with their language and no score, and counted
    articles = stored(store, "BTC")
    assert len(articles) == 20 and report.coins[0].other_languages == 3
    assert sorted((a.language, a.title[:20]) for a in articles if a.compound is None) == [
        ("cs", "Dnes si můžou jen tr"),
        ("de", "Kryptowährung: Ether"),
        ("fr", "Que révèle la restru"),
    ]
    assert all(a.language == "en" and a.compound is not None for a in articles if a.compound is not None)


def test_the_german_headline_vader_reads_as_negative_stays_out_of_the_mood(rsps):
    # Given the German article VADER would score -0.60 (the German article "die" is a negative English word to it)
    (german,) = [a for a in raw("bitcoin_2021-01-05") if a["title"] == GERMAN]
    assert compound(german["title"], german["description"]) == -0.5994

    # When the run stores the answer and the mood is taken
    _, store = run(rsps, {"BTC": "Bitcoin"}, {"Bitcoin": "bitcoin_2021-01-05"}, JAN_5)
    mood = mood_at(stored(store, "BTC"), JAN_5)

    # Then the mood holds the five English stories about Bitcoin, and counts the three other languages apart
    assert (mood.mean_24h, mood.count_24h, mood.other_languages_24h) == (0.1516, 5, 3)


# --- part 6: a syndicated story counts once -----------------------------------------------------------


def test_one_story_under_four_urls_is_one_story_carried_by_three_outlets():
    # Given the English articles of a real answer: one Reuters story under four URLs (CNA twice, Reuters India,
    # Yahoo), a CME Group release under two (PRNewswire, Yahoo)
    articles = all_about_bitcoin("bitcoin_2021-01-05", JAN_5)

    # When they are grouped into stories
    grouped = stories(a for a in articles if a.compound is not None)

    # Then 17 articles are 13 stories; the scams story has four copies from three outlets, the release two
    assert (len([a for a in articles if a.compound is not None]), len(grouped)) == (17, 13)
    sizes = {s.first.title[:30]: (len(s.copies), s.outlets()) for s in grouped if len(s.copies) > 1}
    assert sizes == {"A COVID-19 shot for $150? Onli": (4, 3), "CME Group Reports 2020 Annual,": (2, 2)}


def test_the_mood_counts_each_story_once():
    # Given the same 17 English articles, all counted for one coin
    articles = all_about_bitcoin("bitcoin_2021-01-05", JAN_5)
    per_article = round(sum(a.compound or 0.0 for a in articles) / 17, 4)

    # When the mood is taken
    mood = mood_at(articles, JAN_5)

    # Then it is the mean over 13 stories (+0.11), not over 17 articles (-0.05), which the copies of one
    # negative story dragged down; and the articles behind the stories are counted
    assert per_article == -0.0548
    assert (mood.mean_24h, mood.count_24h, mood.articles_24h) == (0.1103, 13, 17)


def test_grouping_never_looks_ahead():
    # Given a real answer's articles, and each moment one of them was published
    articles = all_about_bitcoin("bitcoin_2021-01-05", JAN_5) + all_about_bitcoin("bitcoin_2022-03-17", MAR_1 * 2)
    for cut in sorted({a.published_ts for a in articles}):
        # When the stories are grouped from what was published by then
        early = stories(a for a in articles if a.published_ts <= cut)
        # Then they are the stories of all articles, as far as they had been published then
        later = [[a for a in s.copies if a.published_ts <= cut] for s in stories(articles) if s.published_ts <= cut]
        assert [list(s.copies) for s in early] == later


def test_the_email_and_the_digest_show_a_syndicated_story_once_with_its_outlets(alert_content):
    # Given the news digest of the 17 English articles
    news = digest("BTC", all_about_bitcoin("bitcoin_2021-01-05", JAN_5), JAN_5)

    # When the email and the daily digest are written
    content = replace(alert_content, news=news_content(news))
    text, html = text_document(content, has_chart=False), html_document(content, None)

    # Then the scams story is the strongest headline, shown once with its three outlets
    assert [(h.title[:20], h.outlets) for h in news.headlines][:2] == [
        ("Jewish Man Arrested ", 1),
        ("A COVID-19 shot for ", 3),
    ]
    assert text.count("Online scams surge") == 1 and html.count("Online scams surge") == 1
    assert "Yahoo Entertainment, 2021-01-05 12:30 UTC, score -0.74, 3 outlets" in text
    assert "score -0.74 · 3 outlets" in html
    assert "(positive, 13 stories from 17 articles)" in text
    assert news_mood(news).startswith("+0.11 positive (13 stories from 17 articles)")


# --- part 7: the coins an article is about, and the names it mentions ---------------------------------


def test_an_article_naming_ether_is_stored_for_eth_as_well(rsps):
    # Given a watchlist of BTC and ETH, NewsAPI answering the Bitcoin query with a real answer and the Ethereum
    # query with nothing
    coins = {"BTC": "Bitcoin", "ETH": "Ethereum"}

    # When a news run stores them
    report, store = run(rsps, coins, {"Bitcoin": "bitcoin_2022-03-17", "Ethereum": None}, MAR_1 * 2)

    # Then the article about Bitcoin and Ether is ETH's too, on topic there
    (eth,) = stored(store, "ETH")
    assert eth.title == "Bitcoin and Ether Are Helping Fund Ukraine's Resistance - CNET"
    assert eth.about == ("BTC", "ETH") and not eth.off_topic and report.coins[0].also_for == {"ETH": 1}


def test_an_article_that_names_no_watched_coin_is_kept_off_topic_and_out_of_the_mood(rsps):
    # Given a Bitcoin search answered with vaccine scams, elections and press releases that name Bitcoin only in
    # their full text
    report, store = run(rsps, {"BTC": "Bitcoin"}, {"Bitcoin": "bitcoin_2021-01-05"}, JAN_5)

    # Then they are stored and counted off topic, and the mood holds only the articles about Bitcoin
    articles = stored(store, "BTC")
    off = sorted(a.title[:24] for a in articles if a.off_topic and a.compound is not None)
    assert report.coins[0].off_topic == 14 and len(off) == 12
    assert sum(SCAMS in a.title for a in articles if a.off_topic) == 4
    assert {a.title[:24].rstrip() for a in articles if a.in_mood} == {
        "A crypto CEO breaks down",
        "Why Your 2021 Resolution",
        "Bitcoin price - LIVE: Re",
        "On the hour",
        "Is Bitcoin's vertical ra",
    }


#: What the entity table finds in each real article (title and description) of the 2022 answer.
ENTITIES_2022 = {
    "If you’re a Russian YouTube": [],
    "Why Isn't Bitcoin Booming?": [("New York Times", "org")],
    "CRYPTOVERSE-Bitcoin could b": [],
    "Cryptoverse: Bitcoin gains": [("Russia", "place"), ("Ukraine", "place")],
    "War Is Calling Crypto’s ‘Ne": [("Ukraine", "place"), ("Russia", "place")],
    "Cryptocurrency Donations Po": [("Ukraine", "place")],
    "Influencers beware: promoti": [("BitConnect", "org")],
    "Bitcoin and Ether Are Helpi": [("Ukraine", "place")],
    "Cryptocurrencies in a time": [("Russia", "place"), ("Ukraine", "place")],
    "Cryptoverse: Bitcoin's scar": [("Joe Biden", "person"), ("United States", "place")],
    "LIVE MARKETS Bitcoin, not e": [],
    "Verdict against self-procla": [("Craig Wright", "person"), ("Florida", "place")],
    "Ukraine asking for bitcoin": [("Ukraine", "place"), ("Tom Lee", "person"), ("Fundstrat", "org")],
    "El Salvador says could laun": [("El Salvador", "place")],
    "'Shark Tank' investor Kevin": [("Kevin O'Leary", "person")],
    "Cryptocurrencies rebound, w": [("Ukraine", "place")],
    "Bukele to propose granting": [("Nayib Bukele", "person"), ("El Salvador", "place"), ("Congress", "org")],
    "Unearthing Found Footage Fr": [],
    "BitConnect founder indicted": [("BitConnect", "org"), ("Justice Department", "org"), ("SEC", "org")],
    "How Ukrainians are fundrais": [("Ukraine", "place"), ("Russia", "place")],
}


def test_the_entities_of_real_headlines():
    # Given a real answer's twenty articles / When each is parsed
    articles = all_about_bitcoin("bitcoin_2022-03-17", MAR_1 * 2)

    # Then each carries the organisations, people and places its title and description name
    found = {a.title[:27].rstrip(): [(e.name, e.kind) for e in a.entities] for a in articles}
    assert found == ENTITIES_2022


def test_the_email_and_the_digest_say_who_is_in_the_news(alert_content):
    # Given the real answer's Bitcoin news of 2022-03-01: three stories, all naming Ukraine
    news = digest("BTC", all_about_bitcoin("bitcoin_2022-03-17", MAR_1 * 2), MAR_1)

    # When the email and the daily digest are written
    content = replace(alert_content, news=news_content(news))

    # Then both name who is in the news, most named first
    assert news.in_the_news == [
        Entity(name="Ukraine", kind="place"),
        Entity(name="Russia", kind="place"),
        Entity(name="Tom Lee", kind="person"),
        Entity(name="Fundstrat", kind="org"),
    ]
    line = "In the news: Ukraine, Russia, Tom Lee, Fundstrat."
    assert line in text_document(content, has_chart=False) and line in html_document(content, None)
    assert news_mood(news).endswith("; in the news: Ukraine, Russia, Tom Lee, Fundstrat")


@pytest.fixture
def alert_content() -> EmailContent:
    """An alert email with nothing but its news section, which each test fills."""
    return EmailContent(
        subject="BTC/USD 1h: news", title="BTC/USD 1h · Bitcoin", intro="On the candle of 13:00 UTC:", warning=None,
        firings=(), context=(), snapshot=(), chart_caption="", news=None, predictions=(),
    )  # fmt: skip
