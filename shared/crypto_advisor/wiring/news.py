"""Builds NewsFunction's dependencies: the composition root.

The tables, bucket and watchlist are built once per container (cached on the
settings), and again once after the watchlist is edited (:mod:`.watchlist_version`).
The NewsAPI key is read on every run, not cached: a user who sets it after
deploying gets news from the next scheduled run, without waiting for a cold start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import requests

from crypto_advisor.adapters.config_source import load_watchlist, read_optional_secret
from crypto_advisor.adapters.news_archive import NewsArchive
from crypto_advisor.adapters.news_rotation import NewsRotation
from crypto_advisor.adapters.news_store import NewsStore
from crypto_advisor.adapters.news_summary import NewsSummaries
from crypto_advisor.adapters.newsapi import NewsApiSource
from crypto_advisor.contracts.watchlist import Watchlist
from crypto_advisor.wiring.settings import NewsSettings
from crypto_advisor.wiring.watchlist_version import rebuilt_on_watchlist_edit


@dataclass(frozen=True)
class NewsDeps:
    watchlist: Watchlist
    store: NewsStore
    summaries: NewsSummaries
    rotation: NewsRotation
    archive: NewsArchive
    secrets: Any
    secret_id: str


@rebuilt_on_watchlist_edit
def news_deps(settings: NewsSettings) -> NewsDeps:
    session = boto3.session.Session()
    s3 = session.client("s3")
    table = session.resource("dynamodb").Table(settings.news_table)
    return NewsDeps(
        watchlist=load_watchlist(settings.watchlist_uri, s3_client=s3),
        store=NewsStore(table),
        summaries=NewsSummaries(table),
        rotation=NewsRotation(table),
        archive=NewsArchive(s3, settings.archive_bucket),
        secrets=session.client("secretsmanager"),
        secret_id=settings.newsapi_secret_id,
    )


def news_source(deps: NewsDeps, session: requests.Session | None = None) -> NewsApiSource | None:
    """The NewsAPI source with the key the secret holds now, or None while it holds none (news off)."""
    key = read_optional_secret(deps.secret_id, secrets_client=deps.secrets)
    if key is None:
        return None
    return NewsApiSource(key, session=session)
