"""Which version of the watchlist is current, asked of S3 at most once a minute per warm container.

A warm container built its watchlist once and kept it for hours: a series added, or a recipient changed, on the
Settings page waited for the next cold start. The functions now rebuild their dependencies when this version
changes; these tests pin the check itself (how often S3 is asked, what a failure does), the rebuild it drives, and
its line in ``make cost``.
"""

from __future__ import annotations

import gc
import re
import weakref
from typing import Any

import pytest
from botocore.exceptions import ClientError

from crypto_advisor.adapters.config_source import WATCHLIST_CHECK_SECONDS, WatchlistVersion
from crypto_advisor.cli.cost import PRICES, Workload, estimate, load_prices, watchlist_checks
from crypto_advisor.cli.cost_inputs import UNITS, Measured, TemplateFacts
from crypto_advisor.contracts.errors import ConfigError
from crypto_advisor.wiring import watchlist_version as versioned
from crypto_advisor.wiring.settings import NewsSettings
from tests.conftest import REPO

URI = "s3://archive/config/watchlist.yaml"
ONE = "series:\n  - {source: kraken, symbol: BTC/USD}\n"
TWO = ONE + "  - {source: kraken, symbol: ETH/USD}\n"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class CountingS3:
    """HeadObject answers: an ETag each, or the error queued for that call; every call is counted."""

    def __init__(self, *answers: str | Exception) -> None:
        self.answers = list(answers)
        self.heads: list[dict[str, Any]] = []

    def head_object(self, **kwargs: Any) -> dict[str, Any]:
        self.heads.append(kwargs)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return {"ETag": answer}

    def get_object(self, **kwargs: Any) -> dict[str, Any]:
        raise AssertionError("a version check must not read the object")


def forbidden() -> ClientError:
    return ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadObject")


def test_s3_is_asked_once_per_interval_and_the_answer_reused_in_between():
    # Given a checker on a fake clock
    clock, client = Clock(), CountingS3('"a"')
    version = WatchlistVersion(URI, s3_client=client, clock=clock)
    # When it is asked on every invocation of a minute
    answers = [version()]
    for _ in range(5):
        clock.now += (WATCHLIST_CHECK_SECONDS - 1) / 5
        answers.append(version())
    # Then S3 was asked once, for the watchlist's own object, and the answer served all of them
    assert client.heads == [{"Bucket": "archive", "Key": "config/watchlist.yaml"}]
    assert answers == ['"a"'] * 6
    # And once the interval has passed since that check, it is asked again
    clock.now = 1_000.0 + WATCHLIST_CHECK_SECONDS
    version()
    assert len(client.heads) == 2


def test_a_rewritten_object_is_a_new_version_once_the_interval_has_passed(s3):
    # Given the watchlist object, checked once
    s3.put_object(Bucket="archive", Key="config/watchlist.yaml", Body=ONE.encode())
    clock = Clock()
    version = WatchlistVersion(URI, s3_client=s3, clock=clock)
    before = version()
    # When the Settings page rewrites it with a series added
    s3.put_object(Bucket="archive", Key="config/watchlist.yaml", Body=TWO.encode())
    # Then within the interval the container keeps the version it knows; after it, the new one
    clock.now += WATCHLIST_CHECK_SECONDS - 1
    assert version() == before
    clock.now += 1
    assert version() != before
    # And an object rewritten with the same text is the same version (nothing to rebuild)
    after = version()
    s3.put_object(Bucket="archive", Key="config/watchlist.yaml", Body=TWO.encode())
    clock.now += WATCHLIST_CHECK_SECONDS
    assert version() == after


def test_a_failed_check_keeps_the_last_version_says_so_and_waits_an_interval_before_the_next():
    # Given a checker that knows version "a", then S3 refuses the next check
    clock, client = Clock(), CountingS3('"a"', forbidden(), '"b"')
    told: list[tuple[str, ConfigError]] = []
    version = WatchlistVersion(URI, s3_client=client, clock=clock, on_stale=lambda uri, e: told.append((uri, e)))
    version()
    clock.now += WATCHLIST_CHECK_SECONDS
    # When the invocation asks: the check fails
    kept = version()
    # Then the invocation goes on with the version known last, and the callback heard the URI and the error
    assert kept == '"a"'
    [(uri, error)] = told
    assert uri == URI and URI in str(error) and "403" in str(error)
    # And S3 is not asked again before an interval has passed; then the new version is found
    clock.now += WATCHLIST_CHECK_SECONDS - 1
    assert version() == '"a"' and len(client.heads) == 2
    clock.now += 1
    assert version() == '"b"'


def test_the_first_check_that_fails_raises_a_config_error_naming_the_watchlist():
    # Given a container's first check, refused by S3 (no version to keep)
    told: list[Any] = []
    version = WatchlistVersion(URI, s3_client=CountingS3(forbidden()), clock=Clock(), on_stale=told.append)
    # Then the error surfaces as reading the watchlist would: a ConfigError naming it
    with pytest.raises(ConfigError, match=re.escape(URI)):
        version()
    assert told == []


def test_a_missing_object_at_the_first_check_names_the_watchlist(s3):
    with pytest.raises(ConfigError, match=re.escape(URI)):
        WatchlistVersion(URI, s3_client=s3, clock=Clock())()


def test_a_bundled_file_watchlist_never_asks_s3_and_never_changes():
    # Given the bundled watchlist (it ships with the code, so it cannot change within a deployment)
    clock, client = Clock(), CountingS3('"a"')
    version = WatchlistVersion(f"file://{REPO / 'config' / 'watchlist.yaml'}", s3_client=client, clock=clock)
    # When it is asked across many intervals
    answers = set()
    for _ in range(3):
        answers.add(version())
        clock.now += 10 * WATCHLIST_CHECK_SECONDS
    # Then S3 was never asked and the version is one constant
    assert client.heads == [] and len(answers) == 1


# ------------------------------------------------------------------------ the rebuild it drives (wiring)


def news_settings() -> NewsSettings:
    return NewsSettings.from_env(
        {"WATCHLIST_URI": URI, "NEWS_TABLE": "news", "ARCHIVE_BUCKET": "archive", "NEWSAPI_SECRET_ID": "newsapi"}
    )


def test_the_dependencies_are_built_once_per_watchlist_version(monkeypatch):
    # Given a builder wrapped as every function's composition root wraps its own, and the watchlist's version
    current = ['"a"']
    monkeypatch.setattr(versioned, "watchlist_version", lambda uri: current[0])
    built: list[str] = []
    deps = versioned.rebuilt_on_watchlist_edit(lambda settings: built.append(current[0]) or len(built))
    settings = news_settings()
    # When a warm container is invoked again and again, then the watchlist is edited
    first = [deps(settings) for _ in range(3)]
    current[0] = '"b"'
    second = [deps(settings) for _ in range(3)]
    # Then the dependencies were built once per version: the edit took effect without a cold start
    assert built == ['"a"', '"b"']
    assert first == [1, 1, 1] and second == [2, 2, 2]


def test_an_edit_that_cannot_be_used_leaves_a_warm_container_on_its_last_build_and_a_cold_one_failing(monkeypatch):
    # Given a warm container built on version a, then a version b written straight to S3 that fails the check
    current = ['"a"']
    monkeypatch.setattr(versioned, "watchlist_version", lambda uri: current[0])
    errors: list[str] = []
    monkeypatch.setattr(versioned, "record_unusable_watchlist", lambda uri, exc: errors.append(str(exc)))

    def build(settings: NewsSettings) -> str:
        if current[0] == '"b"':
            raise ConfigError(f"{URI}: series[0]: unknown timeframe '7x'")
        return f"built on {current[0]}"

    deps = versioned.rebuilt_on_watchlist_edit(build)
    settings = news_settings()
    assert deps(settings) == 'built on "a"'
    current[0] = '"b"'
    # When it is invoked twice, then it goes on with what it built on a, saying why each time
    assert [deps(settings), deps(settings)] == ['built on "a"'] * 2
    assert len(errors) == 2 and "unknown timeframe" in errors[0]
    # and a version that can be used is taken as before
    current[0] = '"c"'
    assert deps(settings) == 'built on "c"'
    # while a container that starts cold on the broken version fails, naming the problem
    current[0] = '"b"'
    cold = versioned.rebuilt_on_watchlist_edit(build)
    with pytest.raises(ConfigError, match="unknown timeframe"):
        cold(settings)


def test_a_builder_keeps_the_builds_of_its_last_two_settings_only(monkeypatch):
    # Given one builder serving five stacks' settings in turn (the local runtime and the tests deploy many stacks in
    # one process; a Lambda container serves one)
    monkeypatch.setattr(versioned, "watchlist_version", lambda uri: '"a"')

    class Deps:
        """Stands for a function's dependencies: clients, caches, models."""

    deps = versioned.rebuilt_on_watchlist_edit(lambda settings: Deps())
    env = {"WATCHLIST_URI": URI, "ARCHIVE_BUCKET": "archive", "NEWSAPI_SECRET_ID": "newsapi"}
    built = [weakref.ref(deps(NewsSettings.from_env({**env, "NEWS_TABLE": f"news-{i}"}))) for i in range(5)]
    gc.collect()
    # Then only the last two stacks' dependencies are still held
    assert [ref() is not None for ref in built] == [False, False, False, True, True]


def test_a_first_failed_check_builds_nothing(monkeypatch):
    def refused(uri: str) -> str:
        raise ConfigError(f"cannot check {uri} for a new version: 403")

    monkeypatch.setattr(versioned, "watchlist_version", refused)
    built: list[object] = []
    deps = versioned.rebuilt_on_watchlist_edit(built.append)
    with pytest.raises(ConfigError, match=re.escape(URI)):
        deps(news_settings())
    assert built == []


# ------------------------------------------------------------------------ make cost


def test_make_cost_counts_one_check_per_run_of_the_functions_that_read_the_watchlist_from_s3():
    # Given the template with the watchlist in S3, and with the bundled one
    in_s3 = TemplateFacts.from_template(REPO / "template.yaml", {"WatchlistS3Key": "config/watchlist.yaml"})
    bundled = TemplateFacts.from_template(REPO / "template.yaml")
    runs = {"IngestFunction": in_s3.schedules["IngestFunction"], "NotifyFunction": 100.0, "DashboardFunction": 50.0}
    # Then IngestFunction's every-5-minutes runs are about 8,760 checks a month (the dashboard reads the object on
    # each request instead), a bundled watchlist none
    assert watchlist_checks(in_s3, runs) == pytest.approx(8_760 + 100)
    assert watchlist_checks(bundled, runs) == 0
    # And the estimate has the line, at GET's price (USD 0.0004 per 1,000)
    work = {"seconds.handler": 0.1}
    measured = Measured({k: dict(work) for k in UNITS}, dict.fromkeys(UNITS, 1.0), {}, "test")
    result = estimate(in_s3, measured, Workload(series=1, coins=1), load_prices(PRICES))
    [line] = [line for line in result.lines if line.item.startswith("watchlist checks")]
    assert line.component == "S3" and line.quantity >= 8_760
    assert line.usd == pytest.approx(line.quantity * 0.0004 / 1000)
