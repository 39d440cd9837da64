"""A news run: each coin on its own, articles stored once across runs, bad articles reported, stops that spare
the quota."""

from __future__ import annotations

import pytest

from crypto_advisor.adapters.newsapi import NewsApiSource
from crypto_advisor.contracts.archive_keys import news_key
from crypto_advisor.contracts.errors import TransientSourceError
from crypto_advisor.news.service import LOOKBACK_MS, run_news
from tests.fakes.news import MemoryArchive, MemoryStore, ScriptedSource
from tests.recorded import newsapi

HOUR = 3_600_000
NOW = 1_793_491_200_000  # 2026-11-01T00:00Z
COINS = {"BTC": "Bitcoin", "ETH": "Ethereum", "SOL": "Solana"}


def coin_articles(name: str, start: int, count: int) -> list[dict]:
    return [newsapi.article(f"{name} story {i}", NOW - (start + i) * HOUR) for i in range(count)]


def test_each_coin_is_asked_once_for_the_last_window_and_its_articles_stored_and_archived():
    # Given a source with three articles per coin
    source = ScriptedSource({name: coin_articles(name, 1, 3) for name in COINS.values()})
    store, archive = MemoryStore(), MemoryArchive()

    # When a run is made
    report = run_news(COINS, now_ms=NOW, source=source, store=store, archive=archive)

    # Then each coin was asked once, by name or ticker, for the window ending now
    assert source.calls == [(f'"{name}" OR "{ticker}"', NOW - LOOKBACK_MS, NOW) for ticker, name in COINS.items()]
    # And its articles are stored under its ticker and its answer archived under the run's key
    assert [(c.coin, c.status, c.fetched, c.new) for c in report.coins] == [
        ("BTC", "stored", 3, 3),
        ("ETH", "stored", 3, 3),
        ("SOL", "stored", 3, 3),
    ]
    assert len(store.items) == 9 and store.coins() == set(COINS)
    btc = archive.objects[news_key("BTC", NOW)]
    assert btc["query"] == '"Bitcoin" OR "BTC"' and btc["pages"][0]["articles"] == coin_articles("Bitcoin", 1, 3)


def test_a_second_run_over_an_overlapping_window_stores_only_the_new_articles():
    # Given a first run stored three Bitcoin articles
    store, archive = MemoryStore(), MemoryArchive()
    run_news({"BTC": "Bitcoin"}, now_ms=NOW, source=ScriptedSource({"Bitcoin": coin_articles("Bitcoin", 1, 3)}),
             store=store, archive=archive)  # fmt: skip

    # When two hours later NewsAPI answers two newer articles and the same three again
    later = coin_articles("Bitcoin", -1, 2) + coin_articles("Bitcoin", 1, 3)
    report = run_news({"BTC": "Bitcoin"}, now_ms=NOW + 2 * HOUR, source=ScriptedSource({"Bitcoin": later}),
                      store=store, archive=archive)  # fmt: skip

    # Then the two are new, the three are duplicates, and the table holds five
    assert (report.new, report.duplicates) == (2, 3) and len(store.items) == 5


def test_the_same_run_redone_stores_nothing():
    # Given a run, and the same event delivered again
    store, archive = MemoryStore(), MemoryArchive()
    answers = {name: coin_articles(name, 1, 4) for name in COINS.values()}
    run_news(COINS, now_ms=NOW, source=ScriptedSource(answers), store=store, archive=archive)

    # When it runs again / Then every article is a duplicate
    again = run_news(COINS, now_ms=NOW, source=ScriptedSource(answers), store=store, archive=archive)
    assert (again.new, again.duplicates, len(store.items)) == (0, 12, 12)


def test_the_same_url_twice_in_one_answer_is_stored_once():
    # Given an answer listing one story twice (syndicated)
    story = newsapi.article("Bitcoin story", NOW - HOUR)
    source = ScriptedSource({"Bitcoin": [story, dict(story)]})

    # When it is run / Then one item is stored and one duplicate counted
    report = run_news({"BTC": "Bitcoin"}, now_ms=NOW, source=source, store=MemoryStore(), archive=MemoryArchive())
    assert (report.new, report.duplicates) == (1, 1)


def test_a_coin_whose_source_fails_fails_alone():
    # Given Ethereum's query fails after the retries
    answers = {name: coin_articles(name, 1, 2) for name in COINS.values()}
    answers["Ethereum"] = TransientSourceError('newsapi q=\'"Ethereum" OR "ETH"\' HTTP 500: unexpectedError')
    store = MemoryStore()

    # When a run is made
    report = run_news(COINS, now_ms=NOW, source=ScriptedSource(answers), store=store, archive=MemoryArchive())

    # Then ETH is reported failed with the error, BTC and SOL are stored
    by_coin = {c.coin: c for c in report.coins}
    assert by_coin["ETH"].status == "failed" and by_coin["ETH"].error_kind == "TransientSourceError"
    assert "HTTP 500" in by_coin["ETH"].error
    assert store.coins() == {"BTC", "SOL"} and report.stopped is None
    assert [c.coin for c in report.failed] == ["ETH"]


@pytest.mark.parametrize(("store", "kind"), [(MemoryStore(fail_for="BTC"), "StorageError"),
                                             (MemoryStore(bug_for="BTC"), "Bug")])  # fmt: skip
def test_a_storage_error_or_a_bug_in_one_coin_leaves_the_others_stored(store, kind):
    # Given storing Bitcoin's articles fails
    source = ScriptedSource({name: coin_articles(name, 1, 2) for name in COINS.values()})

    # When a run is made
    report = run_news(COINS, now_ms=NOW, source=source, store=store, archive=MemoryArchive())

    # Then BTC alone failed, with the kind of failure
    assert [(c.coin, c.status, c.error_kind) for c in report.coins] == [
        ("BTC", "failed", kind),
        ("ETH", "stored", None),
        ("SOL", "stored", None),
    ]
    assert store.coins() == {"ETH", "SOL"}


def test_malformed_articles_are_reported_with_their_reason_and_never_stored():
    # Given an answer with a good article, a javascript: link, one without a title and one with a bad date
    answer = [
        newsapi.article("Bitcoin gains", NOW - HOUR),
        newsapi.article("Click me", NOW - 2 * HOUR, url=newsapi.JAVASCRIPT_URL),
        newsapi.article(None, NOW - 3 * HOUR),
        newsapi.article("When?", None, published_at="31/10/2026"),
    ]
    store = MemoryStore()

    # When a run is made
    report = run_news({"BTC": "Bitcoin"}, now_ms=NOW, source=ScriptedSource({"Bitcoin": answer}), store=store,
                      archive=MemoryArchive())  # fmt: skip

    # Then the good one is stored, each bad one reported at its index with the reason, the javascript: URL nowhere
    (coin,) = report.coins
    assert (coin.status, coin.fetched, coin.new) == ("stored", 4, 1)
    assert [(r.index, r.url) for r in coin.rejected] == [
        (1, "javascript:alert(1)"),
        (2, answer[2]["url"]),
        (3, answer[3]["url"]),
    ]
    assert "not an http(s) URL" in coin.rejected[0].reason
    assert coin.rejected[1].reason == "missing title"
    assert "bad publishedAt '31/10/2026'" in coin.rejected[2].reason
    assert [a.url for a in store.items.values()] == [answer[0]["url"]]


def test_rate_limited_stops_calling_newsapi_for_the_rest_of_the_run(rsps):
    # Given NewsAPI answers 429 rateLimited (through the real client)
    newsapi.register_error(rsps, "rateLimited")
    source = NewsApiSource("k" * 32, attempts=4, sleep=lambda s: None)

    # When a run over three coins is made
    report = run_news(COINS, now_ms=NOW, source=source, store=MemoryStore(), archive=MemoryArchive())

    # Then one request was made: the first coin failed rate-limited, the others were skipped with the reason
    assert len(rsps.calls) == 1
    assert report.stopped == "rate_limited"
    assert [(c.coin, c.status) for c in report.coins] == [("BTC", "failed"), ("ETH", "skipped"), ("SOL", "skipped")]
    assert report.coins[1].error == "not called: NewsAPI rate limit reached earlier in this run"


def test_a_refused_key_stops_the_run_after_one_request(rsps):
    # Given NewsAPI refuses the key (through the real client)
    newsapi.register_error(rsps, "apiKeyInvalid")
    source = NewsApiSource("k" * 32, sleep=lambda s: None)

    # When a run over three coins is made
    report = run_news(COINS, now_ms=NOW, source=source, store=MemoryStore(), archive=MemoryArchive())

    # Then one request was made and the run says the key was refused
    assert len(rsps.calls) == 1 and report.stopped == "auth"
    assert report.coins[0].error_kind == "SourceAuthError" and "apiKeyInvalid" in report.coins[0].error
    assert {c.status for c in report.coins[1:]} == {"skipped"}


def test_an_answer_cut_by_the_plan_is_stored_and_reported_incomplete(rsps):
    # Given page 1 of 150 results, and page 2 refused by the plan
    newsapi.register_everything(rsps, newsapi.everything(coin_articles("Bitcoin", 1, 100), total=150), page=1)
    newsapi.register_error(rsps, "maximumResultsReached", page=2)
    store = MemoryStore()

    # When a run is made with a source allowed more results than the plan
    source = NewsApiSource("k" * 32, max_results=500, sleep=lambda s: None)
    report = run_news({"BTC": "Bitcoin"}, now_ms=NOW, source=source, store=store, archive=MemoryArchive())

    # Then the 100 received are stored and the report says why the rest are missing
    (coin,) = report.coins
    assert coin.status == "stored" and coin.new == 100 and "maximumResultsReached" in coin.incomplete
