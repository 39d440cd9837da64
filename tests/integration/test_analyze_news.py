"""AnalyzeFunction reading the News table: the signal carries the coin's news digest, and survives its absence."""

from __future__ import annotations

import json

from crypto_advisor.contracts.signal import Signal
from crypto_advisor.local.news_feed import demo_news_session
from tests.integration.test_analyze_function import KINESIS_EVENT, ingested, signals  # noqa: F401 - fixture
from tests.integration.test_ingest_function import EVENT_MS, EVENT_TIME, HOUR

CANDLE_CLOSE = EVENT_MS // HOUR * HOUR  # the events file's candle closed at 2026-11-01T00:00Z


def the_signal(deployed) -> Signal:
    (item,) = signals(deployed)
    return Signal.from_json(item["body"])


def test_a_signal_carries_the_news_digest_when_the_news_table_holds_articles(ingested):  # noqa: F811
    # Given NewsFunction stored the coins' news (canned NewsAPI) a minute after the candle closed
    secrets = ingested.aws.client("secretsmanager")
    secrets.put_secret_value(SecretId=ingested.stack.outputs["NewsApiKeySecretArn"], SecretString="demo-key")
    stored = ingested.runtime.tick("NewsFunction", EVENT_TIME, newsapi_session=demo_news_session())
    assert stored["new"] > 0

    # When AnalyzeFunction receives the update of BTC's candle
    assert ingested.runtime.invoke("AnalyzeFunction", KINESIS_EVENT) == {"batchItemFailures": []}

    # Then its signal carries BTC's mood at the candle's close and the day's strongest headlines
    news = the_signal(ingested).news
    assert news.coin == "BTC" and news.status == "ok" and news.mood.at_ts == CANDLE_CLOSE
    assert news.mood.count_24h >= 5 and news.mood.count_7d >= news.mood.count_24h
    assert 1 <= len(news.headlines) <= 5
    assert all(h.url.startswith("https://") and h.published_ts <= CANDLE_CLOSE for h in news.headlines)
    strengths = [abs(h.compound) for h in news.headlines]
    assert strengths == sorted(strengths, reverse=True)


def test_a_coin_without_stored_news_gets_a_digest_saying_so(ingested):  # noqa: F811
    # Given an empty News table (news off, or nothing found)
    # When the update is analysed
    ingested.runtime.invoke("AnalyzeFunction", KINESIS_EVENT)

    # Then the signal says there were no articles, rather than nothing at all
    news = the_signal(ingested).news
    assert news.status == "no_articles" and news.headlines == []


def test_a_news_table_that_cannot_be_read_does_not_fail_the_analysis(ingested):  # noqa: F811
    # Given the News table is gone
    ingested.aws.client("dynamodb").delete_table(TableName=ingested.stack.outputs["NewsTableName"])

    # When the update is analysed
    response = ingested.runtime.invoke("AnalyzeFunction", KINESIS_EVENT)

    # Then the record succeeds, the signal is stored with news marked off, and the failure is logged
    assert response == {"batchItemFailures": []}
    signal = the_signal(ingested)
    assert signal.news.status == "off" and signal.indicators["sma_20"] is not None
    log = (ingested.runtime.log_dir / "AnalyzeFunction.log").read_text().splitlines()
    lines = [json.loads(line) for line in log if line.startswith("{") and '"message"' in line]
    assert any(line["message"] == "news unavailable: analysed without news" for line in lines)
