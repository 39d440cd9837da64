"""NewsApiSource driving the real newsapi-python client through recorded NewsAPI answers."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from crypto_advisor.adapters.newsapi import NewsApiSource
from crypto_advisor.contracts.errors import (
    MalformedResponseError,
    RateLimitedError,
    SourceAuthError,
    SourceError,
    TransientSourceError,
)
from tests.recorded import newsapi

KEY = "0123456789abcdef0123456789abcdef"
HOUR = 3_600_000
TO_MS = 1_793_491_200_000  # 2026-11-01T00:00Z
FROM_MS = TO_MS - 48 * HOUR
QUERY = '"Bitcoin" OR "BTC"'


def source(**options) -> tuple[NewsApiSource, list[float]]:
    sleeps: list[float] = []
    return NewsApiSource(KEY, sleep=sleeps.append, **options), sleeps


def articles(count: int, start_ms: int = FROM_MS) -> list[dict]:
    return [newsapi.article(f"Bitcoin story {i}", start_ms + i * 60_000) for i in range(count)][::-1]


def test_one_request_carries_the_query_window_and_key_and_returns_the_answer(rsps):
    # Given NewsAPI answers eight articles
    body = newsapi.everything(newsapi.mood_articles(FROM_MS))
    newsapi.register_everything(rsps, body)
    src, _ = source()

    # When the source fetches the window
    answer = src.fetch(QUERY, from_ms=FROM_MS, to_ms=TO_MS)

    # Then one request asked for English articles, newest first, 100 a page, in the window, with the key in a header
    assert len(rsps.calls) == 1
    request = rsps.calls[0].request
    params = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
    assert params == {
        "q": QUERY,
        "from": "2026-10-30T00:00:00",
        "to": "2026-11-01T00:00:00",
        "language": "en",
        "sortBy": "publishedAt",
        "pageSize": "100",
        "page": "1",
    }
    assert request.headers["Authorization"] == KEY and KEY not in request.url
    # And it waited at most 10 s, not the client's 30: a stalled NewsAPI cannot eat the Lambda's timeout
    assert request.req_kwargs["timeout"] == 10.0
    # And the answer is what NewsAPI sent, complete
    assert answer.pages == [body] and answer.complete and len(answer.articles) == 8


def test_the_free_plan_cap_spends_no_request_on_a_second_page(rsps):
    # Given 250 matching articles, of which the first page carries 100
    newsapi.register_everything(rsps, newsapi.everything(articles(100), total=250))
    src, _ = source()

    # When the source fetches
    answer = src.fetch(QUERY, from_ms=FROM_MS, to_ms=TO_MS)

    # Then it kept the newest 100 and made one request, saying the answer is incomplete
    assert len(rsps.calls) == 1
    assert len(answer.articles) == 100 and not answer.complete and "100 of 250" in answer.note


def test_maximum_results_reached_keeps_what_was_received_and_stops_paging(rsps):
    # Given a source configured for more results than the plan allows: page 2 is refused with HTTP 426
    newsapi.register_everything(rsps, newsapi.everything(articles(100), total=250), page=1)
    newsapi.register_error(rsps, "maximumResultsReached", page=2)
    src, sleeps = source(max_results=300)

    # When the source fetches
    answer = src.fetch(QUERY, from_ms=FROM_MS, to_ms=TO_MS)

    # Then page 1 is kept, no third page was asked, nothing was retried, and the answer says why it stopped
    assert len(rsps.calls) == 2 and sleeps == []
    assert len(answer.articles) == 100 and not answer.complete
    assert "maximumResultsReached" in answer.note


def test_a_paid_plan_pages_until_every_result_is_in(rsps):
    # Given 150 results over two pages
    newsapi.register_everything(rsps, newsapi.everything(articles(100), total=150), page=1)
    newsapi.register_everything(rsps, newsapi.everything(articles(50), total=150), page=2)
    src, _ = source(max_results=1000)

    # When the source fetches / Then both pages are in, complete
    answer = src.fetch(QUERY, from_ms=FROM_MS, to_ms=TO_MS)
    assert len(answer.pages) == 2 and len(answer.articles) == 150 and answer.complete


def test_rate_limited_is_reported_at_once_without_a_retry(rsps):
    # Given NewsAPI answers 429 rateLimited
    newsapi.register_error(rsps, "rateLimited")
    src, sleeps = source(attempts=4)

    # When the source fetches / Then the error is a rate limit, after one request and no wait
    with pytest.raises(RateLimitedError, match="rateLimited") as raised:
        src.fetch(QUERY, from_ms=FROM_MS, to_ms=TO_MS)
    assert len(rsps.calls) == 1 and sleeps == []
    assert not raised.value.retryable and "HTTP 429" in str(raised.value)


def test_a_bare_429_without_a_json_body_is_a_rate_limit_too(rsps):
    # Given a 429 from something in front of NewsAPI, with a text body
    rsps.add(responses.GET, newsapi.EVERYTHING_URL, body="Too Many Requests", status=429)
    src, _ = source()

    # When the source fetches / Then it is still a rate limit
    with pytest.raises(RateLimitedError):
        src.fetch(QUERY, from_ms=FROM_MS, to_ms=TO_MS)
    assert len(rsps.calls) == 1


@pytest.mark.parametrize("code", ["apiKeyInvalid", "apiKeyMissing", "apiKeyDisabled", "apiKeyExhausted"])
def test_a_refused_key_is_an_auth_error_that_never_shows_the_key(rsps, code):
    # Given NewsAPI refuses the key
    newsapi.register_error(rsps, code)
    src, _ = source()

    # When the source fetches / Then it is an auth error naming the code, once, without the key in it
    with pytest.raises(SourceAuthError, match=code) as raised:
        src.fetch(QUERY, from_ms=FROM_MS, to_ms=TO_MS)
    assert len(rsps.calls) == 1 and KEY not in str(raised.value)


def test_a_server_error_is_retried_and_then_succeeds(rsps):
    # Given NewsAPI fails once with 500 unexpectedError, then answers
    newsapi.register_error(rsps, "unexpectedError")
    newsapi.register_everything(rsps, newsapi.everything(articles(3)))
    src, sleeps = source(attempts=2)

    # When the source fetches / Then the second attempt's answer is returned after one backoff
    answer = src.fetch(QUERY, from_ms=FROM_MS, to_ms=TO_MS)
    assert len(answer.articles) == 3 and len(rsps.calls) == 2 and len(sleeps) == 1


def test_a_server_error_that_persists_is_transient_after_the_retries(rsps):
    # Given NewsAPI answers 500 every time
    status, body = newsapi.error("unexpectedError")
    rsps.add(responses.GET, newsapi.EVERYTHING_URL, json=body, status=status)
    src, _ = source(attempts=3)

    # When the source fetches / Then after three attempts the error is transient (the next run may do better)
    with pytest.raises(TransientSourceError, match="HTTP 500"):
        src.fetch(QUERY, from_ms=FROM_MS, to_ms=TO_MS)
    assert len(rsps.calls) == 3


def test_a_gateway_error_page_that_is_not_json_is_transient(rsps):
    # Given a proxy's 502 HTML page, which newsapi-python tries to read as JSON
    rsps.add(responses.GET, newsapi.EVERYTHING_URL, body="<html>Bad Gateway</html>", status=502)
    src, _ = source(attempts=1)

    # When the source fetches / Then it is transient, not a crash in the client
    with pytest.raises(TransientSourceError, match="HTTP 502"):
        src.fetch(QUERY, from_ms=FROM_MS, to_ms=TO_MS)


def test_a_connection_failure_is_transient(rsps):
    # Given the connection fails
    rsps.add(responses.GET, newsapi.EVERYTHING_URL, body=requests.ConnectionError("connection reset"))
    src, _ = source(attempts=2)

    # When the source fetches / Then it was retried once and reported as transient
    with pytest.raises(TransientSourceError, match="ConnectionError"):
        src.fetch(QUERY, from_ms=FROM_MS, to_ms=TO_MS)
    assert len(rsps.calls) == 2


def test_a_rejected_parameter_is_a_plain_source_error_not_retried(rsps):
    # Given NewsAPI rejects a parameter (HTTP 400)
    newsapi.register_error(rsps, "parameterInvalid")
    src, sleeps = source(attempts=3)

    # When the source fetches / Then it is reported once, not retried, and not mistaken for a transient error
    with pytest.raises(SourceError, match="parameterInvalid") as raised:
        src.fetch(QUERY, from_ms=FROM_MS, to_ms=TO_MS)
    assert type(raised.value) is SourceError and len(rsps.calls) == 1 and sleeps == []


@pytest.mark.parametrize(
    "body",
    ["<html>maintenance</html>", '{"status": "ok", "totalResults": 3}', '["not", "an", "answer"]'],
    ids=["not-json", "no-articles", "a-list"],
)
def test_a_success_that_is_not_the_documented_answer_is_malformed(rsps, body):
    # Given a 200 whose body is not {"status": "ok", "articles": [...]}
    rsps.add(responses.GET, newsapi.EVERYTHING_URL, body=body, status=200, content_type=newsapi.JSON)
    src, _ = source(attempts=1)

    # When the source fetches / Then it is a malformed answer
    with pytest.raises(MalformedResponseError):
        src.fetch(QUERY, from_ms=FROM_MS, to_ms=TO_MS)


def test_a_source_needs_a_key():
    # Given / When a source is built without a key / Then it refuses, saying news is off instead
    with pytest.raises(ValueError, match="news is off"):
        NewsApiSource("")
