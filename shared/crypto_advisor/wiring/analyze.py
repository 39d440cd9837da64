"""Builds AnalyzeFunction's dependencies once per container and watchlist version (:mod:`.watchlist_version`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import boto3

from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.config_source import load_watchlist
from crypto_advisor.adapters.firing_archive import ArchivingSignalWriter, FiringArchive
from crypto_advisor.adapters.model_store import CachedModels
from crypto_advisor.adapters.news_store import NewsStore
from crypto_advisor.adapters.news_summary import NewsSummaries, SummarisedNews
from crypto_advisor.adapters.signal_store import SignalStore
from crypto_advisor.analysis.rules import Rule, build_rules
from crypto_advisor.analysis.rules.conditions import condition_rules
from crypto_advisor.contracts.market_context import market_reference
from crypto_advisor.contracts.series import Series
from crypto_advisor.telemetry.analysis import (
    record_news_fallback,
    record_served_model,
    record_stale_model,
    record_unreadable_article,
)
from crypto_advisor.wiring.models import model_store
from crypto_advisor.wiring.settings import AnalyzeSettings
from crypto_advisor.wiring.watchlist_version import rebuilt_on_watchlist_edit


@dataclass(frozen=True)
class AnalyzeDeps:
    candles: CandleStore
    signals: ArchivingSignalWriter
    rules: tuple[Rule, ...]
    #: each watched series' own conditions as rules, by series key (judged after ``rules``)
    conditions: Mapping[str, tuple[Rule, ...]]
    news: NewsStore
    #: each coin's news summary, read per invocation instead of a Query per update (:meth:`batch_news`)
    summaries: NewsSummaries
    #: Loaded once per container per series, re-checked hourly.
    models: CachedModels
    #: the watchlist's BTC series per timeframe: every other series' move is read against it
    references: Mapping[str, Series]
    #: the coins NewsFunction fetches news for (the watchlist's; a market scan's other coins have none)
    news_coins: frozenset[str]

    def batch_news(self, coins: Iterable[str]) -> SummarisedNews:
        """The news reader of one invocation: the summaries of its batch's ``coins`` read together on the first
        update, the coin's Query where a summary is missing (logged with why)."""
        return SummarisedNews(
            self.summaries, self.news, coins, on_fallback=record_news_fallback, covered=self.news_coins
        )


@rebuilt_on_watchlist_edit
def analyze_deps(settings: AnalyzeSettings) -> AnalyzeDeps:
    session = boto3.session.Session()
    dynamodb = session.resource("dynamodb")
    s3 = session.client("s3")
    watchlist = load_watchlist(settings.watchlist_uri, s3_client=s3)
    watched = [w.series for w in watchlist]
    references = {tf: ref for tf in {s.timeframe for s in watched} if (ref := market_reference(watched, tf))}
    news = dynamodb.Table(settings.news_table)
    return AnalyzeDeps(
        candles=CandleStore(dynamodb.Table(settings.candles_table), hot_window=0),
        signals=ArchivingSignalWriter(
            FiringArchive(s3, settings.archive_bucket), SignalStore(dynamodb.Table(settings.signals_table))
        ),
        rules=tuple(build_rules(watchlist.rules)),
        conditions={w.series.key: tuple(condition_rules(w.conditions)) for w in watchlist if w.conditions},
        news=NewsStore(news, on_unreadable=record_unreadable_article),
        summaries=NewsSummaries(news),
        models=CachedModels(
            model_store(s3, settings.archive_bucket), on_stale=record_stale_model, on_served=record_served_model
        ),
        references=references,
        news_coins=frozenset(watchlist.coins()),
    )
