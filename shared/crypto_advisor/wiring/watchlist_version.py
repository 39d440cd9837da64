"""Every function's dependencies built again when the watchlist object changes, not only at a cold start.

Each function builds its clients, stores and watchlist once per container (an ``lru_cache`` on its settings), and
a warm container lives for hours: a series added, or a recipient changed, on the Settings page (which rewrites the
watchlist object) would wait for the next cold start. :func:`rebuilt_on_watchlist_edit` keys that cache on the
watchlist's version as well (:class:`~crypto_advisor.adapters.config_source.WatchlistVersion`: the object's ETag,
asked at most once a minute per container), so an edit builds everything again, clients included, once: simple,
and it happens once per edit.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlparse

import boto3

from crypto_advisor.adapters.config_source import WatchlistVersion
from crypto_advisor.contracts.errors import ConfigError
from crypto_advisor.telemetry.watchlist import record_stale_watchlist, record_unusable_watchlist
from crypto_advisor.wiring.settings import FunctionSettings

S = TypeVar("S", bound=FunctionSettings)
T = TypeVar("T")

#: Builds kept per builder: a Lambda container serves one settings (its version before an edit is dropped as the next
#: is built); the local runtime serves two through one builder (IngestFunction's and IngestWorkerFunction's).
KEPT_BUILDS = 2

#: The checks' clock. Monotonic: a wall clock set back would hold the next check off. A module attribute, read at
#: each check, so that a test can move a warm container's time on without waiting a minute.
clock: Callable[[], float] = time.monotonic


def _now() -> float:
    return clock()


@functools.lru_cache(maxsize=8)
def watchlist_checker(uri: str) -> WatchlistVersion:
    """The container's one checker for ``uri``, with its own S3 client (none for a bundled ``file://`` watchlist)."""
    s3 = boto3.session.Session().client("s3") if urlparse(uri).scheme == "s3" else None
    return WatchlistVersion(uri, s3_client=s3, clock=_now, on_stale=record_stale_watchlist)


def watchlist_version(uri: str) -> str:
    """The version of the watchlist at ``uri`` that is current (at most a minute old)."""
    return watchlist_checker(uri)()


def rebuilt_on_watchlist_edit(build: Callable[[S], T]) -> Callable[[S], T]:
    """``build(settings)`` cached on the settings and the watchlist's current version.

    Two entries: a Lambda container serves one settings, and the entry of the version before is dropped as the
    next edit's is built; the local runtime, which runs every function in one process, serves two through one
    builder (IngestFunction's and IngestWorkerFunction's :func:`~crypto_advisor.wiring.ingest.ingest_deps`). A
    container's first check that fails raises, naming the watchlist, as reading it would, before anything is built.
    A new version that cannot be used (a :class:`ConfigError`: the watchlist fails its check, or a secret cannot be
    read) leaves a warm container on its last build, logged as an error on each invocation until the next version.
    """

    @functools.lru_cache(maxsize=KEPT_BUILDS)
    def cached(settings: S, version: str) -> T:
        return build(settings)  # ``version`` is only the cache's key

    #: per settings, the last build that worked: what a warm container goes on with when an edit cannot be used (as
    #: many settings as the cache holds: the local runtime and the tests deploy many stacks in one process)
    last: dict[S, T] = {}

    @functools.wraps(build)
    def deps(settings: S) -> T:
        version = watchlist_version(settings.watchlist_uri)
        try:
            built = cached(settings, version)
        except ConfigError as exc:
            # A watchlist written straight to S3 (the Settings page checks its edits first) that fails the check:
            # the container keeps the one that worked, saying why on every invocation, rather than stop the
            # pipeline a minute after the edit. A cold start has none to keep, and fails naming the problem.
            if settings not in last:
                raise
            record_unusable_watchlist(settings.watchlist_uri, exc)
            return last[settings]
        last.pop(settings, None)
        last[settings] = built
        while len(last) > KEPT_BUILDS:
            del last[next(iter(last))]  # the settings used longest ago
        return built

    return deps
