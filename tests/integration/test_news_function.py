"""NewsFunction against the embedded AWS: NewsAPI (canned, through the real client) in, News table and S3 out."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import requests
import responses
from boto3.dynamodb.conditions import Key

from crypto_advisor.adapters.news_archive import decode
from crypto_advisor.contracts.archive_keys import news_key
from crypto_advisor.local.news_feed import JAVASCRIPT_URL, demo_news_session
from tests.conftest import REPO
from tests.recorded import newsapi

EVENT = json.loads((REPO / "events" / "news-schedule.json").read_text())
EVENT_TIME = datetime.fromisoformat(EVENT["time"].replace("Z", "+00:00"))
EVENT_MS = int(EVENT_TIME.timestamp() * 1000)
KEY = "f00dfeedf00dfeedf00dfeedf00dfeed"

WATCHLIST = """
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: BTC/USD, timeframe: 4h}
  - {source: kraken, symbol: ETH/USD}
"""


def news_items(deployed, coin: str) -> list[dict]:
    table = deployed.aws.resource("dynamodb").Table(deployed.stack.outputs["NewsTableName"])
    return table.query(KeyConditionExpression=Key("coin").eq(coin))["Items"]


def news_objects(deployed) -> list[str]:
    answer = deployed.aws.client("s3").list_objects_v2(Bucket=deployed.bucket, Prefix="raw/news/")
    return sorted(o["Key"] for o in answer.get("Contents", []))


def log_lines(deployed) -> list[dict]:
    path = deployed.runtime.log_dir / "NewsFunction.log"
    lines = path.read_text().splitlines() if path.exists() else []
    return [json.loads(line) for line in lines if line.startswith("{") and '"level"' in line]


def set_key(deployed, value: str) -> None:
    secrets = deployed.aws.client("secretsmanager")
    secrets.put_secret_value(SecretId=deployed.stack.outputs["NewsApiKeySecretArn"], SecretString=value)


@pytest.fixture
def news_on(deployed):
    """A stack watching BTC (two series) and ETH, with a NewsAPI key in its secret."""
    deployed.upload_watchlist(WATCHLIST)
    set_key(deployed, KEY)
    return deployed


def test_the_events_file_drives_a_run_that_stores_scored_articles_and_archives_the_answers(news_on):
    # When NewsFunction is invoked with events/news-schedule.json, NewsAPI answering from the canned feed
    result = news_on.runtime.invoke("NewsFunction", EVENT, newsapi_session=demo_news_session())

    # Then each coin (BTC once, though it has two series) was fetched and stored
    assert result["status"] == "done" and result["failed"] == []
    assert [c["coin"] for c in result["coins"]] == ["BTC", "ETH"]
    for coin in ("BTC", "ETH"):
        items = news_items(news_on, coin)
        report = next(c for c in result["coins"] if c["coin"] == coin)
        assert len(items) == report["new"] > 10
        assert all(i["url"].startswith("https://") for i in items)
        # English articles scored, the feed's others (German, Spanish) stored with their language and no score
        assert all(-1 <= float(i["compound"]) <= 1 for i in items if i["language"] == "en")
        unscored = [i["language"] for i in items if "compound" not in i]
        assert unscored and set(unscored) <= {"de", "es"} and len(unscored) == report["other_languages"]
        assert {i["expires_at"] - i["published_ts"] // 1000 for i in items} == {30 * 86_400}
    # And the raw answers are in S3 under raw/news/, one object per coin, holding what NewsAPI sent
    assert news_objects(news_on) == [news_key("BTC", EVENT_MS), news_key("ETH", EVENT_MS)]
    body = news_on.aws.client("s3").get_object(Bucket=news_on.bucket, Key=news_key("BTC", EVENT_MS))["Body"].read()
    archived = decode(body)
    btc = next(c for c in result["coins"] if c["coin"] == "BTC")
    assert archived["query"] == '"Bitcoin" OR "BTC"' and len(archived["pages"][0]["articles"]) == btc["fetched"]


def test_a_javascript_link_is_reported_and_never_stored_while_a_script_headline_is_stored_as_text(news_on):
    # When a run is made over two days of the canned feed (one of each hostile article per coin)
    result = news_on.runtime.tick("NewsFunction", EVENT_TIME, newsapi_session=demo_news_session())

    # Then the javascript: link is reported with its reason, and is nowhere in the table
    btc = next(c for c in result["coins"] if c["coin"] == "BTC")
    assert [r["url"] for r in btc["rejected"]] == [JAVASCRIPT_URL]
    items = news_items(news_on, "BTC")
    assert not any(i["url"].startswith("javascript:") for i in items)
    assert sum("<script>" in i["title"] for i in items) == 1
    # And the rejection is logged with its reason
    rejected = [line for line in log_lines(news_on) if line["message"] == "article rejected"]
    assert any(line["url"] == JAVASCRIPT_URL and "not an http(s) URL" in line["reason"] for line in rejected)


def test_a_second_run_stores_no_duplicates(news_on):
    # Given a first run
    first = news_on.runtime.tick("NewsFunction", EVENT_TIME, newsapi_session=demo_news_session())
    count = len(news_items(news_on, "BTC"))

    # When the schedule runs again two hours later, over an overlapping window
    second = news_on.runtime.tick("NewsFunction", EVENT_TIME + timedelta(hours=2), newsapi_session=demo_news_session())

    # Then only the articles of the last two hours are new; the rest were recognised by URL
    items = news_items(news_on, "BTC")
    btc = next(c for c in second["coins"] if c["coin"] == "BTC")
    assert btc["duplicates"] > 10 and len(items) == count + btc["new"] and btc["new"] <= 2
    assert len({i["url"] for i in items}) == len(items)
    # And the same tick delivered again stores nothing
    again = news_on.runtime.tick("NewsFunction", EVENT_TIME, newsapi_session=demo_news_session())
    assert again["new"] == 0 and again["duplicates"] == first["new"]


def test_without_a_key_news_is_off_with_one_log_line_and_nothing_stored(deployed):
    # Given a stack whose NewsAPI secret was created without a value (as the template creates it)
    deployed.upload_watchlist(WATCHLIST)

    # When the schedule runs
    result = deployed.runtime.tick("NewsFunction", EVENT_TIME, newsapi_session=demo_news_session())

    # Then the run is not a failure: news is off, said once, with the command to set the key
    assert result == {"status": "off", "now_ms": EVENT_MS}
    off = [line for line in log_lines(deployed) if line["message"].startswith("news is off")]
    assert len(off) == 1 and "put-secret-value" in off[0]["fix"]
    assert off[0]["secret_id"] == deployed.stack.outputs["NewsApiKeySecretArn"]
    # And nothing was fetched or stored
    assert news_items(deployed, "BTC") == [] and news_objects(deployed) == []


def test_a_key_set_to_blanks_is_no_key(deployed):
    # Given a secret holding only whitespace
    deployed.upload_watchlist(WATCHLIST)
    set_key(deployed, "  ")

    # When the schedule runs / Then news is off
    assert deployed.runtime.tick("NewsFunction", EVENT_TIME)["status"] == "off"


def test_rate_limited_stops_the_run_without_failing_it_and_without_leaking_the_key(news_on):
    # Given NewsAPI answers 429 rateLimited to every request (recorded answer, the real client)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        newsapi.register_error(rsps, "rateLimited")
        # When the schedule runs
        result = news_on.runtime.tick("NewsFunction", EVENT_TIME, newsapi_session=requests.Session())
        requests_made = len(rsps.calls)

    # Then one request was made, the run stopped and says why, and nothing was stored
    assert requests_made == 1
    assert result["stopped"] == "rate_limited" and [c["status"] for c in result["coins"]] == ["failed", "skipped"]
    assert news_items(news_on, "BTC") == []
    # And the key appears in no log line
    assert KEY not in (news_on.runtime.log_dir / "NewsFunction.log").read_text()


def test_a_run_short_of_time_defers_the_coins_it_cannot_reach_and_the_next_run_calls_them_first(news_on, monkeypatch):
    # Given an invocation whose time runs short after its first coin: 900 s left at the start (225 s kept for the
    # summaries) and at the first coin, 200 s at the next check
    from crypto_advisor.local.runtime import LocalContext

    def short_of_time():
        calls = iter([900_000, 900_000])
        monkeypatch.setattr(LocalContext, "get_remaining_time_in_millis", lambda self: next(calls, 200_000))

    # When NewsFunction runs
    short_of_time()
    first = news_on.runtime.invoke("NewsFunction", EVENT, newsapi_session=demo_news_session())

    # Then it calls BTC, defers ETH without failing it, says so, and still writes both coins' summaries
    assert (first["status"], first["failed"], first["deferred"]) == ("partial", [], ["ETH"])
    assert [(c["coin"], c["status"]) for c in first["coins"]] == [("BTC", "stored"), ("ETH", "deferred")]
    assert first["summaries"]["written"] == 2
    [warning] = [line for line in log_lines(news_on) if line["message"].startswith("news run out of time")]
    assert warning["deferred"] == ["ETH"] and "900 s" in warning["fix"]

    # When the next run is as short / Then ETH goes first and BTC waits: over the two runs both were called
    short_of_time()
    second = news_on.runtime.tick("NewsFunction", EVENT_TIME + timedelta(hours=2), newsapi_session=demo_news_session())
    assert [(c["coin"], c["status"]) for c in second["coins"]] == [("ETH", "stored"), ("BTC", "deferred")]
    assert news_objects(news_on) == sorted([news_key("BTC", EVENT_MS), news_key("ETH", EVENT_MS + 2 * 3_600_000)])
