"""Builds the ingest dependencies from settings: the composition root of IngestFunction.

Built once per container (cached on the settings) so the ccxt client keeps its
loaded markets and the boto3 clients their connections between invocations; built
again once after the watchlist is edited (:mod:`.watchlist_version`), so a series
added on the Settings page is fetched within about a minute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import boto3

from crypto_advisor.adapters.archive import CandleArchive
from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.chunk_queue import ChunkQueue
from crypto_advisor.adapters.coingecko import CoinGeckoSource
from crypto_advisor.adapters.coingecko_markets import CoinGeckoMarketsSource
from crypto_advisor.adapters.config_source import load_watchlist, read_secret
from crypto_advisor.adapters.kraken import KrakenSource
from crypto_advisor.adapters.scan_reports import ScanReports
from crypto_advisor.adapters.update_stream import UpdateStream
from crypto_advisor.contracts.market_scan import SCAN_SOURCE
from crypto_advisor.contracts.rate_budgets import BUDGETS, COINGECKO_DEMO, COINGECKO_PUBLIC, RateBudget
from crypto_advisor.contracts.watchlist import Watchlist
from crypto_advisor.ingest.planner import FanOut
from crypto_advisor.ingest.ports import MarketSource, ScanSource
from crypto_advisor.ingest.service import Stores
from crypto_advisor.wiring.settings import IngestSettings, IngestStoresSettings, IngestWorkerSettings
from crypto_advisor.wiring.watchlist_version import rebuilt_on_watchlist_edit


@dataclass(frozen=True)
class IngestDeps:
    watchlist: Watchlist
    stores: Stores
    sources: Mapping[str, MarketSource | ScanSource]
    #: each source's rate budget (CoinGecko's with or without the demo key)
    budgets: Mapping[str, RateBudget]
    #: how a fanned-out tick is cut; None when the stack has no ingest queues (every tick inline)
    fan_out: FanOut | None
    #: source -> its ingest queue
    queues: Mapping[str, ChunkQueue]


@rebuilt_on_watchlist_edit
def ingest_deps(settings: IngestStoresSettings) -> IngestDeps:
    """IngestFunction's (the planner and the inline run) and, with :class:`IngestWorkerSettings`, the worker's.

    The worker's sources pace their calls by their queue mapping's concurrency (``pace``), so the workers
    running at once stay within each source's rate together; the scheduled run's are a single caller.
    """
    session = boto3.session.Session()
    s3 = session.client("s3")
    stores = Stores(
        candles=CandleStore(
            session.resource("dynamodb").Table(settings.candles_table), hot_window=settings.hot_window_candles
        ),
        archive=CandleArchive(s3, settings.archive_bucket),
        stream=UpdateStream(session.client("kinesis"), settings.candle_stream),
        scans=ScanReports(s3, settings.archive_bucket),
    )
    queues: dict[str, ChunkQueue] = {}
    fan_out = None
    if isinstance(settings, IngestSettings) and settings.queue_urls:
        sqs = session.client("sqs")
        queues = {s: ChunkQueue(sqs, url, what=f"{s} ingest chunks") for s, url in settings.queue_urls.items()}
        fan_out = FanOut(settings.chunk_seconds, {s: settings.concurrency[s] for s in queues})
    pace = settings.concurrency if isinstance(settings, IngestWorkerSettings) else None
    return IngestDeps(
        watchlist=load_watchlist(settings.watchlist_uri, s3_client=s3),
        stores=stores,
        sources=with_scan(real_sources(settings.coingecko_secret_name, session, pace=pace)),
        budgets=budgets(settings.coingecko_secret_name),
        fan_out=fan_out,
        queues=queues,
    )


def budgets(coingecko_secret_name: str) -> dict[str, RateBudget]:
    """The sources' rate budgets: CoinGecko's demo key's with a key configured, the public API's without."""
    return {**BUDGETS, "coingecko": COINGECKO_DEMO if coingecko_secret_name else COINGECKO_PUBLIC}


def with_scan(sources: Mapping[str, MarketSource]) -> dict[str, MarketSource | ScanSource]:
    """The sources and the market scan's, which shares the CoinGecko source's client, key and rate limit."""
    coingecko = sources["coingecko"]
    assert isinstance(coingecko, CoinGeckoSource)
    return {**sources, SCAN_SOURCE: CoinGeckoMarketsSource(coingecko)}


def real_sources(
    coingecko_secret_name: str, session: boto3.session.Session, *, pace: Mapping[str, int] | None = None
) -> dict[str, MarketSource]:
    """The exchanges (IngestFunction's, and DashboardFunction's to check that a source lists a new series' symbol).

    The CoinGecko key is read when the first CoinGecko series is fetched, not here: a secret that cannot be read
    (access denied, deleted) then fails only the series that need it, and Kraken's are stored. ``pace``: source ->
    how many workers share its rate (None: one caller)."""
    paces = pace or {}
    kraken = KrakenSource(pace=paces.get("kraken", 1))
    if not coingecko_secret_name:
        return {"kraken": kraken, "coingecko": CoinGeckoSource(pace=paces.get("coingecko", 1))}
    name, secrets = coingecko_secret_name, session.client("secretsmanager")
    return {
        "kraken": kraken,
        "coingecko": CoinGeckoSource(
            read_key=lambda: read_secret(name, secrets_client=secrets), pace=paces.get("coingecko", 1)
        ),
    }
