"""AnalyzeFunction reading the News table: the signal carries the coin's news digest, and survives its absence."""

from __future__ import annotations

import base64
import json

from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.news_store import NewsStore
from crypto_advisor.adapters.news_summary import NewsSummaries, SummarisedNews, summary_key
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.analysis.service import analyze_update
from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.local.metering import metered
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

    # Then the record succeeds, the signal is stored with its news marked unavailable, and the failure is logged
    assert response == {"batchItemFailures": []}
    signal = the_signal(ingested)
    assert signal.news.status == "unavailable" and signal.indicators["sma_20"] is not None
    log = (ingested.runtime.log_dir / "AnalyzeFunction.log").read_text().splitlines()
    lines = [json.loads(line) for line in log if line.startswith("{") and '"message"' in line]
    assert any(line["message"] == "news unavailable: analysed without news" for line in lines)


class KeptSignals:
    """A signal writer that keeps what it is given (the two reads' signals are compared, not stored)."""

    def __init__(self) -> None:
        self.kept: list[Signal] = []

    def put_once(self, signal: Signal) -> bool:
        self.kept.append(signal)
        return True


def test_the_news_summaries_give_the_same_signals_as_each_coins_query_in_one_read_per_batch(ingested):  # noqa: F811
    # Given NewsFunction stored the coins' news (canned NewsAPI) and wrote each watched coin's summary
    secrets = ingested.aws.client("secretsmanager")
    secrets.put_secret_value(SecretId=ingested.stack.outputs["NewsApiKeySecretArn"], SecretString="demo-key")
    stored = ingested.runtime.tick("NewsFunction", EVENT_TIME, newsapi_session=demo_news_session())
    assert stored["summaries"] == {"written": 3, "too_large": [], "failed": {}, "unlisted": None}
    table = ingested.aws.resource("dynamodb").Table(ingested.stack.outputs["NewsTableName"])
    store, summaries = NewsStore(table), NewsSummaries(table)
    btc = CandleUpdate.model_validate_json(base64.b64decode(KINESIS_EVENT["Records"][0]["kinesis"]["data"]))
    updates = [
        btc.model_copy(update={"series": s})
        for s in ("kraken:BTC-USD:1h", "kraken:ETH-USD:1h", "coingecko:HYPE-USD:1h")
    ]
    candles = CandleStore(
        ingested.aws.resource("dynamodb").Table(ingested.stack.outputs["CandlesTableName"]), hot_window=0
    )

    # When the batch's updates are analysed reading each coin's Query, then reading the batch's summaries
    def analysed(news) -> list[Signal]:
        kept = KeptSignals()
        for update in updates:
            analyze_update(update, candles=candles, signals=kept, rules=build_rules(None), news=news)
        return kept.kept

    by_query = analysed(store)
    fallbacks: list[tuple[str, str]] = []
    with metered() as usage:
        by_summary = analysed(
            SummarisedNews(summaries, store, ("BTC", "ETH", "HYPE"), on_fallback=lambda c, w: fallbacks.append((c, w)))
        )

    # Then every signal is the same, news and all, and the news of the three updates was one BatchGetItem
    assert any(s.news is not None and s.news.status == "ok" and s.news.headlines for s in by_query)
    assert [s.model_dump() for s in by_summary] == [s.model_dump() for s in by_query]
    news_table = table.name
    assert dict(usage.dynamodb_requests[news_table]) == {"BatchGetItem": 1} and fallbacks == []


def test_without_summaries_the_analysis_reads_each_coins_articles_and_says_so(ingested):  # noqa: F811
    # Given a stack whose News table holds articles but no summaries (deployed before them: NewsFunction not run
    # since), and the events file's update of BTC
    secrets = ingested.aws.client("secretsmanager")
    secrets.put_secret_value(SecretId=ingested.stack.outputs["NewsApiKeySecretArn"], SecretString="demo-key")
    ingested.runtime.tick("NewsFunction", EVENT_TIME, newsapi_session=demo_news_session())
    table = ingested.aws.resource("dynamodb").Table(ingested.stack.outputs["NewsTableName"])
    for coin in ("BTC", "ETH", "HYPE"):
        table.delete_item(Key=summary_key(coin))

    # When AnalyzeFunction receives it
    assert ingested.runtime.invoke("AnalyzeFunction", KINESIS_EVENT) == {"batchItemFailures": []}

    # Then the signal still carries BTC's news, read by its Query, and the log says why
    news = the_signal(ingested).news
    assert news.status == "ok" and news.headlines
    log = (ingested.runtime.log_dir / "AnalyzeFunction.log").read_text().splitlines()
    said = [json.loads(x) for x in log if "not its summary" in x]
    assert [(x["coin"], x["why"]) for x in said] == [("BTC", "no summary yet")]
