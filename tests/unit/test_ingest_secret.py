"""A CoinGecko secret that cannot be read fails only the CoinGecko series; Kraken's are stored (issue 11).

Before, IngestFunction read the secret while building its sources, so a
missing or unreadable secret failed the whole run at start, Kraken included.
The composition root's own sources are used here, against an embedded
Secrets Manager (moto, in-process) that does not hold the secret.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import WatchedSeries, Watchlist
from crypto_advisor.ingest.service import Stores, run_ingest
from crypto_advisor.local.market import SimulatedMarket, simulated_sources
from crypto_advisor.wiring.ingest import real_sources
from crypto_advisor.wiring.settings import IngestSettings
from tests.fakes.ingest import MemoryArchive, MemoryCandleStore, MemoryStream

HOUR = 3_600_000
NOW = 1_740_787_200_000 + 20 * 60_000  # 2025-03-01T00:20Z

SETTINGS = IngestSettings.from_env(
    {
        "WATCHLIST_URI": "file:///opt/config/watchlist.yaml",
        "ARCHIVE_BUCKET": "archive",
        "CANDLES_TABLE": "candles",
        "CANDLE_STREAM": "stream",
        "HOT_WINDOW_CANDLES": "1000",
        "COINGECKO_SECRET_NAME": "crypto-advisor/coingecko",
    }
)
WATCHLIST = Watchlist(
    series=(
        WatchedSeries(series=Series.of("kraken", "BTC/USD", "1h"), backfill_candles=24),
        WatchedSeries(series=Series.of("coingecko", "HYPE/USD", "1h"), backfill_candles=24, coingecko_id="hyperliquid"),
        WatchedSeries(series=Series.of("kraken", "ETH/USD", "1h"), backfill_candles=24),
    )
)


@pytest.fixture
def session(monkeypatch) -> Iterator[boto3.session.Session]:
    """An embedded AWS whose Secrets Manager does not hold the secret the settings name."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        yield boto3.session.Session(region_name="us-east-1")


def test_building_the_sources_reads_no_secret(session):
    # Given / When the sources are built with a secret that cannot be read / Then nothing fails yet
    sources = real_sources(SETTINGS.coingecko_secret_name, session)
    assert set(sources) == {"kraken", "coingecko"}


def test_an_unreadable_coingecko_secret_fails_only_the_coingecko_series(session):
    # Given the composition root's CoinGecko source (whose secret is missing), and Kraken answering
    sources = {
        "kraken": simulated_sources(SimulatedMarket())["kraken"],
        "coingecko": real_sources(SETTINGS.coingecko_secret_name, session)["coingecko"],
    }
    stores = Stores(candles=MemoryCandleStore(), archive=MemoryArchive(), stream=MemoryStream())

    # When a run ingests the watchlist
    report = run_ingest(WATCHLIST, now_ms=NOW, sources=sources, stores=stores)

    # Then both Kraken series are stored, and the CoinGecko one alone failed, as an auth error naming the secret
    status = {r.series: r for r in report.series}
    assert status["kraken:BTC-USD:1h"].status == status["kraken:ETH-USD:1h"].status == "stored"
    failed = status["coingecko:HYPE-USD:1h"]
    assert (failed.status, failed.error_kind) == ("failed", "SourceAuthError")
    assert "cannot read secret 'crypto-advisor/coingecko'" in (failed.error or "")
