"""Issue 14, part 1: each ingest worker paces its calls by how many workers its queue's mapping runs at once, so the
workers together keep the source's rate (the arithmetic: ``test_planner.py``; the template ties the two numbers:
``tests/unit/operations/test_fan_out_queues.py``). Built as the worker's composition root builds it."""

from __future__ import annotations

import ccxt
import pytest

from crypto_advisor.adapters.coingecko import MIN_INTERVAL_S
from crypto_advisor.wiring.ingest import ingest_deps
from crypto_advisor.wiring.settings import IngestSettings, IngestWorkerSettings
from tests.conftest import REPO

ENVIRONMENT = {
    "ARCHIVE_BUCKET": "archive-bucket",
    "CANDLES_TABLE": "candles-table",
    "CANDLE_STREAM": "candle-stream",
    "WATCHLIST_URI": f"file://{REPO / 'config' / 'watchlist.yaml'}",
    "COINGECKO_SECRET_NAME": "",
    "HOT_WINDOW_CANDLES": "1000",
    "INGEST_KRAKEN_CONCURRENCY": "3",
    "INGEST_COINGECKO_CONCURRENCY": "5",
}


@pytest.fixture(autouse=True)
def region(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def test_a_worker_spaces_each_source_s_calls_by_its_mapping_s_concurrency():
    # Given the worker's settings with 3 Kraken and 5 CoinGecko workers at once
    deps = ingest_deps(IngestWorkerSettings.from_env(ENVIRONMENT))

    # Then each worker waits 3 of Kraken's intervals between its calls, and 5 of CoinGecko's
    assert deps.sources["kraken"]._client().rateLimit == ccxt.kraken().rateLimit * 3
    assert deps.sources["coingecko"]._limiter_ready("bitcoin")._interval == MIN_INTERVAL_S["public"] * 5


def test_the_scheduled_run_is_one_caller_at_the_source_s_own_rate():
    # Given the scheduled run's settings (the same concurrency variables, which size its chunks)
    deps = ingest_deps(IngestSettings.from_env(ENVIRONMENT))

    # Then its own calls keep the source's interval: it is one caller, beside the workers of other sources
    assert deps.sources["kraken"]._client().rateLimit == ccxt.kraken().rateLimit
    assert deps.sources["coingecko"]._limiter_ready("bitcoin")._interval == MIN_INTERVAL_S["public"]
