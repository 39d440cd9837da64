"""The News table adapter against the embedded AWS (table from template.yaml), and the news event files."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from crypto_advisor.adapters.news_store import ARTICLE_TTL_S, NewsStore, sort_key
from crypto_advisor.adapters.news_summary import NewsSummaries, SummarisedNews
from crypto_advisor.contracts.news import SUMMARY_SPAN_MS, Article, Entity
from crypto_advisor.local.metering import metered
from crypto_advisor.local.stack import load_template
from crypto_advisor.wiring.settings import NewsSettings
from tests.conftest import REPO

HOUR = 3_600_000
T = 1_793_491_200_000  # 2026-11-01T00:00Z


def article(published_ts: int, url: str = "", coin: str = "BTC", compound: float = -0.25) -> Article:
    return Article(
        coin=coin,
        url=url or f"https://news.example/{published_ts}",
        title="Bitcoin <b>slides</b>",
        description="Sellers dominated.",
        source="Example",
        published_ts=published_ts,
        compound=compound,
    )


@pytest.fixture
def table(deployed):
    return deployed.aws.resource("dynamodb").Table(deployed.stack.outputs["NewsTableName"])


def test_an_article_is_stored_once_per_coin_and_read_back_whole(table):
    # Given an article stored for BTC
    store = NewsStore(table)
    first = article(T - HOUR)

    # When the same URL is stored again, and once for ETH
    results = [store.put_once(first), store.put_once(first), store.put_once(first.model_copy(update={"coin": "ETH"}))]

    # Then it was new the first time for each coin only, and reads back equal, with its TTL a month on
    assert results == [True, False, True]
    assert store.recent("BTC", T - 2 * HOUR, T) == [first]
    (item,) = table.scan(FilterExpression="coin = :c", ExpressionAttributeValues={":c": "BTC"})["Items"]
    assert item["sk"] == sort_key(first.published_ts, first.url)
    assert int(item["expires_at"]) == (T - HOUR) // 1000 + ARTICLE_TTL_S


def test_recent_reads_the_window_inclusive_oldest_first(table):
    # Given articles at the window's edges, inside it and outside it
    store = NewsStore(table)
    times = [T - 10 * HOUR - 1, T - 10 * HOUR, T - 5 * HOUR, T, T + 1]
    for ts in reversed(times):
        store.put_once(article(ts))

    # When the window [T - 10h, T] is read / Then both edges are in, the outside ones out, oldest first
    assert [a.published_ts for a in store.recent("BTC", T - 10 * HOUR, T)] == [T - 10 * HOUR, T - 5 * HOUR, T]


def test_an_unscored_article_with_its_language_entities_and_coins_reads_back_whole(table):
    # Given a German article (stored unscored) that names two coins and a place, and one off topic
    store = NewsStore(table)
    german = article(T - HOUR, url="https://news.example/de").model_copy(
        update={
            "compound": None,
            "language": "de",
            "entities": (Entity(name="El Salvador", kind="place"),),
            "about": ("BTC", "ETH"),
        }
    )
    off_topic = article(T - 2 * HOUR).model_copy(update={"about": (), "off_topic": True})

    # When both are stored and read back
    store.put_once(german), store.put_once(off_topic)

    # Then each comes back equal: no score, its language, its entities and coins, off topic or not
    assert store.recent("BTC", T - 3 * HOUR, T) == [off_topic, german]


def test_an_item_stored_before_languages_reads_as_english_about_its_coin(table):
    # Given an item written by the previous version (no language, entities, about or off_topic)
    item = {"coin": "BTC", "sk": sort_key(T - HOUR, "https://news.example/old"), "url": "https://news.example/old",
            "title": "Bitcoin slides", "description": "", "source": "Example", "published_ts": T - HOUR,
            "compound": Decimal("-0.25")}  # fmt: skip
    table.put_item(Item=item)

    # When it is read / Then it is English, about BTC and in the mood, as it was
    (old,) = NewsStore(table).recent("BTC", T - 2 * HOUR, T)
    assert (old.language, old.about, old.off_topic, old.compound, old.in_mood) == ("en", ("BTC",), False, -0.25, True)


def test_an_unreadable_item_is_skipped_and_the_others_are_returned(table):
    # Given a good article and an item edited by hand into something that is no article
    skipped: list[tuple[str, str, str]] = []
    store = NewsStore(table, on_unreadable=lambda *why: skipped.append(why))
    store.put_once(article(T - HOUR))
    table.put_item(Item={"coin": "BTC", "sk": f"{T - 2 * HOUR:013d}#bad", "url": "javascript:alert(1)"})

    # When the window is read / Then the good one comes back, the bad one does not break the read
    assert [a.published_ts for a in store.recent("BTC", T - 3 * HOUR, T)] == [T - HOUR]
    # And the skipped item is reported by its key, with why
    assert [(coin, sk) for coin, sk, _ in skipped] == [("BTC", f"{T - 2 * HOUR:013d}#bad")]
    assert "KeyError" in skipped[0][2]


def test_env_json_names_exactly_the_variables_the_template_gives_news():
    # Given events/env.json / Then its NewsFunction entry overrides exactly the template's variables, and they validate
    env = json.loads((REPO / "events" / "env.json").read_text())
    template = load_template(REPO / "template.yaml")
    variables = template["Resources"]["NewsFunction"]["Properties"]["Environment"]["Variables"]
    assert set(env["NewsFunction"]) == set(variables)
    assert set(env["AnalyzeFunction"]) == set(
        template["Resources"]["AnalyzeFunction"]["Properties"]["Environment"]["Variables"]
    )
    assert NewsSettings.from_env({**env["NewsFunction"], "ARCHIVE_BUCKET": "bucket-1"}).news_table


def test_the_news_schedule_event_file_is_a_valid_eventbridge_envelope():
    event = json.loads((REPO / "events" / "news-schedule.json").read_text())
    parsed = parse(event=event, model=EventBridgeModel)
    assert parsed.detail_type == "Scheduled Event" and parsed.time.tzinfo is not None


def summarised(table, coins, fallbacks: list) -> SummarisedNews:
    return SummarisedNews(
        NewsSummaries(table), NewsStore(table), coins, on_fallback=lambda c, w: fallbacks.append((c, w))
    )


def test_a_summary_reads_back_what_the_coins_query_does_for_any_window_inside_its_span(table):
    # Given BTC's articles (one unscored, one off topic, one with entities) and its summary written at T
    store = NewsStore(table)
    stored = [
        article(T - 30 * HOUR),
        article(T - 20 * HOUR, compound=0.5).model_copy(update={"entities": (Entity(name="SEC", kind="org"),)}),
        article(T - 10 * HOUR).model_copy(update={"compound": None, "language": "de"}),
        article(T - HOUR).model_copy(update={"off_topic": True, "about": ("ETH",)}),
    ]
    for a in stored:
        store.put_once(a)
    assert NewsSummaries(table).write("BTC", store.recent("BTC", T - SUMMARY_SPAN_MS, T), from_ms=T - SUMMARY_SPAN_MS,
                                      now_ms=T)  # fmt: skip

    # When windows inside the summary's span are read through it
    fallbacks: list = []
    news = summarised(table, ["BTC"], fallbacks)
    windows = [(T - 40 * HOUR, T), (T - 20 * HOUR, T - 10 * HOUR), (T - 5 * HOUR, T + HOUR)]

    # Then each is the Query's answer, field for field but the description (which no Signal carries)
    for since, until in windows:
        assert news.recent("BTC", since, until) == [
            a.model_copy(update={"description": ""}) for a in store.recent("BTC", since, until)
        ]
    assert fallbacks == [] and store.recent("BTC", T - 40 * HOUR, T)[0].description == "Sellers dominated."


def test_without_a_usable_summary_the_coins_query_answers_and_the_reason_is_told(table, monkeypatch):
    # Given BTC's summary too large to hold its articles, ETH's starting after the window asked, and SOL's absent
    store = NewsStore(table)
    for coin in ("BTC", "ETH", "SOL"):
        store.put_once(article(T - HOUR, coin=coin))
    summaries = NewsSummaries(table)
    monkeypatch.setattr("crypto_advisor.adapters.news_summary.MAX_SUMMARY_BYTES", 10)
    assert summaries.write("BTC", store.recent("BTC", 0, T), from_ms=0, now_ms=T) is False
    monkeypatch.undo()
    summaries.write("ETH", store.recent("ETH", T - 2 * HOUR, T), from_ms=T - 2 * HOUR, now_ms=T)

    # When the three coins' last day is read
    fallbacks: list = []
    news = summarised(table, ["BTC", "ETH", "SOL"], fallbacks)
    answers = {coin: news.recent(coin, T - 24 * HOUR, T) for coin in ("BTC", "ETH", "SOL")}

    # Then each got its Query's articles, and each fallback was told with its reason
    assert answers == {coin: store.recent(coin, T - 24 * HOUR, T) for coin in ("BTC", "ETH", "SOL")}
    assert fallbacks == [
        ("BTC", "summary too large to hold its articles"),
        ("ETH", "summary starts after the window"),
        ("SOL", "no summary yet"),
    ]


def test_a_batch_of_coins_is_read_in_one_request_per_hundred(table):
    # Given 150 coins with a summary each (one article each)
    store, summaries = NewsStore(table), NewsSummaries(table)
    coins = [f"C{i:03d}" for i in range(150)]
    for coin in coins:
        store.put_once(article(T - HOUR, coin=coin))
        summaries.write(coin, store.recent(coin, 0, T), from_ms=0, now_ms=T)

    # When every coin's news is read for one batch
    fallbacks: list = []
    news = summarised(table, coins, fallbacks)
    with metered() as usage:
        read = [news.recent(coin, T - 24 * HOUR, T) for coin in coins]

    # Then two BatchGetItem requests answered all 150, and no Query was needed
    assert dict(usage.dynamodb_requests[table.name]) == {"BatchGetItem": 2} and fallbacks == []
    assert [len(r) for r in read] == [1] * 150


def test_a_coin_news_function_does_not_fetch_reads_no_news_without_a_request(table):
    # Given BTC watched (its summary written) and a market scan's ADA, which NewsFunction never fetches
    store, summaries = NewsStore(table), NewsSummaries(table)
    store.put_once(article(T - HOUR))
    summaries.write("BTC", store.recent("BTC", 0, T), from_ms=0, now_ms=T)
    fallbacks: list = []
    news = SummarisedNews(summaries, store, ["BTC", "ADA"], on_fallback=lambda c, w: fallbacks.append((c, w)),
                          covered={"BTC"})  # fmt: skip

    # When both coins' last day is read
    with metered() as usage:
        btc, ada = news.recent("BTC", T - 24 * HOUR, T), news.recent("ADA", T - 24 * HOUR, T)

    # Then BTC's came from its summary and ADA has none, neither looked up nor queried
    assert len(btc) == 1 and ada == [] and fallbacks == []
    assert dict(usage.dynamodb_requests[table.name]) == {"BatchGetItem": 1}


def test_the_news_rotation_reads_back_what_the_last_run_left_and_stays_out_of_every_coin_s_query(table):
    # Given no run has left coins yet
    from crypto_advisor.adapters.news_rotation import ROTATION_KEY, NewsRotation

    rotation = NewsRotation(table)
    assert rotation.read() == []

    # When a run leaves three coins, then the next one leaves none
    rotation.write(["LTC", "DOT", "ADA"], now_ms=T)
    left = rotation.read()
    rotation.write([], now_ms=T + 2 * HOUR)

    # Then the list reads back in order, then empty, in its own partition with a month's TTL
    assert left == ["LTC", "DOT", "ADA"] and rotation.read() == []
    item = table.get_item(Key=ROTATION_KEY)["Item"]
    assert int(item["expires_at"]) == (T + 2 * HOUR) // 1000 + ARTICLE_TTL_S
    assert NewsStore(table).recent("rotation#news", 0, T * 2) == []


def test_the_news_rotation_names_itself_when_dynamodb_fails(deployed):
    # Given a table that does not exist
    from crypto_advisor.adapters.news_rotation import NewsRotation
    from crypto_advisor.contracts.errors import StorageError

    missing = deployed.aws.resource("dynamodb").Table("no-such-news-table")
    with pytest.raises(StorageError, match=r"reading the news rotation \(rotation#news\)"):
        NewsRotation(missing).read()
    with pytest.raises(StorageError, match=r"writing the news rotation \(rotation#news\)"):
        NewsRotation(missing).write(["BTC"], now_ms=T)


def test_stored_urls_are_the_articles_each_summary_holds_and_a_coin_without_one_is_left_out(table):
    # Given BTC's summary written with two articles, and none for ETH
    summaries = NewsSummaries(table)
    held = [article(T - 2 * HOUR), article(T - HOUR)]
    summaries.write("BTC", held, from_ms=T - SUMMARY_SPAN_MS, now_ms=T)

    # When the URLs are asked for both / Then BTC's two come back and ETH is absent (its articles are written as before)
    assert summaries.stored_urls(["BTC", "ETH"]) == {"BTC": {a.url for a in held}}
