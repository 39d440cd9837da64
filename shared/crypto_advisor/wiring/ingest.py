"""Builds the ingest dependencies from settings: the composition root of IngestFunction.

Built once per container (cached on the settings) so the ccxt client keeps its
loaded markets and the boto3 clients their connections between invocations.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import boto3

from crypto_advisor.adapters.archive import CandleArchive
from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.coingecko import CoinGeckoSource
from crypto_advisor.adapters.coingecko_markets import CoinGeckoMarketsSource
from crypto_advisor.adapters.config_source import load_watchlist, read_secret
from crypto_advisor.adapters.kraken import KrakenSource
from crypto_advisor.adapters.scan_reports import ScanReports
from crypto_advisor.adapters.update_stream import UpdateStream
from crypto_advisor.contracts.market_scan import SCAN_SOURCE
from crypto_advisor.contracts.watchlist import Watchlist
from crypto_advisor.ingest.ports import MarketSource, ScanSource
from crypto_advisor.ingest.service import Stores
from crypto_advisor.wiring.settings import IngestSettings


@dataclass(frozen=True)
class IngestDeps:
    watchlist: Watchlist
    stores: Stores
    sources: Mapping[str, MarketSource | ScanSource]


@functools.lru_cache(maxsize=4)
def ingest_deps(settings: IngestSettings) -> IngestDeps:
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
    return IngestDeps(
        watchlist=load_watchlist(settings.watchlist_uri, s3_client=s3),
        stores=stores,
        sources=with_scan(real_sources(settings.coingecko_secret_name, session)),
    )


def with_scan(sources: Mapping[str, MarketSource]) -> dict[str, MarketSource | ScanSource]:
    """The sources and the market scan's, which shares the CoinGecko source's client, key and rate limit."""
    coingecko = sources["coingecko"]
    assert isinstance(coingecko, CoinGeckoSource)
    return {**sources, SCAN_SOURCE: CoinGeckoMarketsSource(coingecko)}


def real_sources(coingecko_secret_name: str, session: boto3.session.Session) -> dict[str, MarketSource]:
    """The exchanges (IngestFunction's, and DashboardFunction's to check that a source lists a new series' symbol).

    The CoinGecko key is read when the first CoinGecko series is fetched, not here: a secret that cannot be read
    (access denied, deleted) then fails only the series that need it, and Kraken's are stored."""
    if not coingecko_secret_name:
        return {"kraken": KrakenSource(), "coingecko": CoinGeckoSource()}
    name, secrets = coingecko_secret_name, session.client("secretsmanager")
    return {
        "kraken": KrakenSource(),
        "coingecko": CoinGeckoSource(read_key=lambda: read_secret(name, secrets_client=secrets)),
    }
