"""Builds DashboardFunction's steering (Settings and the email links) from settings, once per container.

The link key is read from Secrets Manager on first use (only the email-link routes need it) and kept for the
container's life; it is never logged. ``sources`` replaces the real exchanges (the local runtime's simulated
market), as IngestFunction's handler allows.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import boto3

from crypto_advisor.adapters.config_source import read_secret
from crypto_advisor.adapters.settings_store import SettingsStore
from crypto_advisor.adapters.watchlist_object import WatchlistObject
from crypto_advisor.steering.ports import SymbolSource
from crypto_advisor.steering.service import Steering
from crypto_advisor.wiring.ingest import real_sources
from crypto_advisor.wiring.settings import SteeringSettings


@functools.lru_cache(maxsize=4)
def _session(settings: SteeringSettings) -> boto3.session.Session:
    return boto3.session.Session()


@functools.lru_cache(maxsize=4)
def _store(settings: SteeringSettings) -> SettingsStore:
    session = _session(settings)
    return SettingsStore(session.client("dynamodb"), session.resource("dynamodb").Table(settings.settings_table))


@functools.lru_cache(maxsize=4)
def _real_sources(settings: SteeringSettings) -> Mapping[str, SymbolSource]:
    return real_sources(settings.coingecko_secret_name, _session(settings))


def steering(settings: SteeringSettings, sources: Mapping[str, SymbolSource] | None = None) -> Steering:
    """The use case over the watchlist object, the SettingsTable and the sources (real unless given)."""
    watchlist = WatchlistObject(settings.watchlist_uri, _session(settings).client("s3"))
    return Steering(watchlist, _store(settings), sources if sources is not None else _real_sources(settings))


@functools.lru_cache(maxsize=4)
def link_key(settings: SteeringSettings) -> bytes:
    """The key that signs and checks the email links (the stack's generated secret)."""
    client = _session(settings).client("secretsmanager")
    return read_secret(settings.link_key_secret_id, secrets_client=client).encode()
