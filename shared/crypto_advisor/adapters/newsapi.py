"""NewsAPI's ``/v2/everything`` through newsapi-python. newsapi-python is imported in this module only.

What the plans allow, and what this adapter does about it:

* Developer (free) plan: 100 requests a day (NewsAPI also speaks of 50 every
  12 hours), articles shown 24 hours after publication, at most 100 results
  per query (asking for more answers HTTP 426 ``maximumResultsReached``), and
  search back one month. One query per coin per run, 100 articles on one page
  (``page_size=100``): the default schedule (every two hours) fits five coins
  in 60 requests a day. ``max_results`` stays 100 so no request is spent on a
  second page the plan would refuse; on a paid plan it may be raised, and the
  adapter pages until it has that many.
* ``rateLimited`` (HTTP 429): :class:`RateLimitedError`, never retried; the run
  stops calling NewsAPI until its next schedule instead of hammering it.
* ``apiKeyInvalid``, ``apiKeyMissing``, ``apiKeyDisabled``, ``apiKeyExhausted``
  (HTTP 401): :class:`SourceAuthError`; no other coin can fare better, so the
  run stops too.
* ``maximumResultsReached``: what was received is kept, paging stops, and the
  answer says it is incomplete.
* HTTP 5xx (``unexpectedError``), connection errors and timeouts:
  :class:`TransientSourceError`, retried with backoff (``adapters.retry``).
  Anything else (a 400 ``parameterInvalid``, a body that is not the documented
  JSON): :class:`SourceError` / :class:`MalformedResponseError`, reported.

newsapi-python raises ``NewsAPIException`` with the error body but not the HTTP
status, and calls ``r.json()`` on error answers that may not be JSON (a proxy's
502 page). The client is therefore given a thin session wrapper that remembers
each answer's status, and that sets a shorter timeout than the client's fixed
30 s so a stalled NewsAPI cannot eat the whole Lambda timeout. The key travels
in the ``Authorization`` header the client sets; it is never in a URL, a log
line or an error message.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests
from newsapi import NewsApiClient
from newsapi.newsapi_exception import NewsAPIException

from crypto_advisor.adapters.retry import with_retry
from crypto_advisor.contracts.errors import (
    MalformedResponseError,
    RateLimitedError,
    SourceAuthError,
    SourceError,
    TransientSourceError,
)
from crypto_advisor.contracts.news import NewsAnswer

#: The developer plan's cap on results per query.
FREE_PLAN_MAX_RESULTS = 100
#: NewsAPI's largest page.
PAGE_SIZE = 100
#: Seconds to wait for NewsAPI (the client's own default is 30).
TIMEOUT_S = 10.0

AUTH_CODES = frozenset({"apiKeyInvalid", "apiKeyMissing", "apiKeyDisabled", "apiKeyExhausted"})
RESULTS_CAP_CODE = "maximumResultsReached"


class _ResultsCapReached(SourceError):
    """The plan will not return results beyond those already received."""


class _StatusKeepingSession:
    """What ``NewsApiClient`` calls (``get``), passed to a real session, remembering each answer's status."""

    def __init__(self, session: requests.Session, timeout_s: float) -> None:
        self._session = session
        self._timeout_s = timeout_s
        self.last_status: int | None = None

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        self.last_status = None
        kwargs["timeout"] = self._timeout_s
        response = self._session.get(url, **kwargs)
        self.last_status = response.status_code
        return response


def translate(exc: Exception, status: int | None, query: str) -> SourceError:
    """Map what newsapi-python and requests raise onto the project's errors (see the module docstring)."""
    where = f"newsapi q={query!r}" + (f" HTTP {status}" if status is not None else "")
    if isinstance(exc, NewsAPIException):
        body = exc.get_exception() if isinstance(exc.get_exception(), dict) else {}
        code, message = body.get("code"), str(body.get("message") or "")[:300]
        detail = f"{where}: {code}: {message}"
        if code == "rateLimited" or status == 429:
            return RateLimitedError(detail)
        if code in AUTH_CODES or status == 401:
            return SourceAuthError(detail)
        if code == RESULTS_CAP_CODE:
            return _ResultsCapReached(detail)
        if code == "unexpectedError" or (status is not None and status >= 500):
            return TransientSourceError(detail)
        return SourceError(detail)
    detail = f"{where}: {type(exc).__name__}: {str(exc)[:300]}"
    if isinstance(exc, ValueError):  # requests' JSONDecodeError: an answer that is not JSON
        if status == 429:
            return RateLimitedError(detail)
        if status is not None and status >= 500:
            return TransientSourceError(detail)
        return MalformedResponseError(detail)
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return TransientSourceError(detail)
    return SourceError(detail)


def _naive_utc(ms: int) -> datetime:
    # newsapi-python formats datetimes with strftime and no zone; NewsAPI reads them as UTC.
    return datetime.fromtimestamp(ms / 1000, tz=UTC).replace(tzinfo=None)


class NewsApiSource:
    """Articles matching one query between two times, newest first, as NewsAPI sent them."""

    name = "newsapi"

    def __init__(
        self,
        api_key: str,
        *,
        session: requests.Session | None = None,
        max_results: int = FREE_PLAN_MAX_RESULTS,
        attempts: int = 2,
        timeout_s: float = TIMEOUT_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key:
            raise ValueError("a NewsAPI key is needed; without one news is off, and no source is built")
        if max_results < 1:
            raise ValueError(f"max_results must be >= 1, got {max_results}")
        self._http = _StatusKeepingSession(session if session is not None else requests.Session(), timeout_s)
        self._client = NewsApiClient(api_key=api_key, session=self._http)
        self._max_results = max_results
        self._attempts = attempts
        self._sleep = sleep

    def _page(self, query: str, from_ms: int, to_ms: int, page: int) -> dict[str, Any]:
        try:
            answer = self._client.get_everything(
                q=query,
                language="en",
                sort_by="publishedAt",
                from_param=_naive_utc(from_ms),
                to=_naive_utc(to_ms),
                page_size=min(PAGE_SIZE, self._max_results),
                page=page,
            )
        except (NewsAPIException, requests.RequestException, ValueError) as exc:
            raise translate(exc, self._http.last_status, query) from exc
        if isinstance(answer, dict) and answer.get("status") == "error":
            raise translate(NewsAPIException(answer), self._http.last_status, query)
        if not (isinstance(answer, dict) and answer.get("status") == "ok" and isinstance(answer.get("articles"), list)):
            raise MalformedResponseError(
                f"newsapi q={query!r}: answer is not {{'status': 'ok', 'articles': [...]}}: {str(answer)[:120]!r}"
            )
        return answer

    def fetch(self, query: str, *, from_ms: int, to_ms: int) -> NewsAnswer:
        """Every page up to ``max_results`` articles; a refused further page keeps the pages received."""
        pages: list[dict[str, Any]] = []
        received = 0
        while True:
            page = len(pages) + 1
            try:
                answer = with_retry(
                    functools.partial(self._page, query, from_ms, to_ms, page),
                    attempts=self._attempts,
                    sleep=self._sleep,
                )
            except _ResultsCapReached as exc:
                return NewsAnswer(pages, complete=False, note=f"stopped after {received} results: {exc}")
            pages.append(answer)
            count = len(answer["articles"])
            received += count
            total = answer.get("totalResults")
            if count == 0 or not isinstance(total, int) or received >= total:
                return NewsAnswer(pages)
            if received >= self._max_results:
                return NewsAnswer(
                    pages, complete=False, note=f"kept the newest {received} of {total} results (max_results)"
                )
