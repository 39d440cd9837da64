"""Builds DashboardFunction's steering (Settings and the email links) from settings, once per container.

The link key is read from Secrets Manager on first use (only the email-link routes need it) and kept for the
container's life; it is never logged. A new series is checked against its source by
:mod:`crypto_advisor.adapters.listings` (plain REST reads, no ccxt or pycoingecko in this function); ``sources``
replaces the real exchanges with market sources as the ingest calls them (the local runtime's simulated market, as
IngestFunction's handler allows), each asked for its latest candles.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

import boto3

from crypto_advisor.adapters.config_source import RefreshedSecret, read_secret
from crypto_advisor.adapters.listings import CoinGeckoListings, KrakenListings
from crypto_advisor.adapters.settings_store import SettingsStore
from crypto_advisor.adapters.watchlist_object import WatchlistObject
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.steering.ports import SymbolSource
from crypto_advisor.steering.service import Steering
from crypto_advisor.wiring.settings import SteeringSettings

if TYPE_CHECKING:  # annotations only: DashboardFunction's cold import leaves the ingest contracts out
    from crypto_advisor.ingest.ports import MarketSource


@functools.lru_cache(maxsize=4)
def _session(settings: SteeringSettings) -> boto3.session.Session:
    return boto3.session.Session()


@functools.lru_cache(maxsize=4)
def _store(settings: SteeringSettings) -> SettingsStore:
    session = _session(settings)
    return SettingsStore(session.client("dynamodb"), session.resource("dynamodb").Table(settings.settings_table))


@functools.lru_cache(maxsize=4)
def _real_sources(settings: SteeringSettings) -> Mapping[str, SymbolSource]:
    """Kraken's and CoinGecko's listing checks; the CoinGecko key is read at the first CoinGecko check."""
    name = settings.coingecko_secret_name
    if not name:
        return {"kraken": KrakenListings(), "coingecko": CoinGeckoListings()}
    secrets = _session(settings).client("secretsmanager")
    return {
        "kraken": KrakenListings(),
        "coingecko": CoinGeckoListings(read_key=lambda: read_secret(name, secrets_client=secrets)),
    }


class FetchedListing:
    """A market source as the ingest calls it, asked for its latest candles: an unlisted symbol raises."""

    def __init__(self, source: MarketSource) -> None:
        self._source = source

    def check_listed(self, watched: WatchedSeries, *, now_ms: int) -> None:
        tf = watched.series.timeframe_ms
        self._source.fetch_ohlcv(watched, since_ms=now_ms // tf * tf - 3 * tf, now_ms=now_ms)


def steering(settings: SteeringSettings, sources: Mapping[str, MarketSource] | None = None) -> Steering:
    """The use case over the watchlist object, the SettingsTable and the listing checks (real unless ``sources``)."""
    watchlist = WatchlistObject(settings.watchlist_uri, _session(settings).client("s3"))
    checks = {k: FetchedListing(v) for k, v in sources.items()} if sources is not None else _real_sources(settings)
    return Steering(watchlist, _store(settings), checks)


def link_key(settings: SteeringSettings) -> bytes:
    """The key that signs and checks the email links (the stack's generated secret), read again every few minutes
    (:class:`~crypto_advisor.adapters.config_source.RefreshedSecret`), so a rotated key takes effect."""
    return _link_key_secret(settings)().encode()


@functools.lru_cache(maxsize=4)
def _link_key_secret(settings: SteeringSettings) -> RefreshedSecret:
    return RefreshedSecret(settings.link_key_secret_id, secrets_client=_session(settings).client("secretsmanager"))
