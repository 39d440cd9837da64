"""IngestFunction with its real market clients (ccxt Kraken, pycoingecko) fed recorded answers.

No `sources=` override here: the handler builds its sources exactly as in AWS,
including the CoinGecko key read from (embedded) Secrets Manager.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses
from boto3.dynamodb.conditions import Key

from crypto_advisor.local.runtime import decode_records, read_stream
from tests.integration.test_ingest_function import EVENT, EVENT_MS, HOUR
from tests.recorded import coingecko, kraken

FORMING_OPEN_S = EVENT_MS // HOUR * HOUR // 1000


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    # Only `requests` traffic (ccxt, pycoingecko) is answered here; boto3 reaches the embedded AWS directly.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_kraken_through_ccxt_stores_the_closed_candles_of_a_recorded_answer(deployed, rsps):
    # Given Kraken's recorded answer: 720 hourly candles, the last one still forming at the event's time
    deployed.upload_watchlist("series:\n  - {source: kraken, symbol: BTC/USD}\n")
    kraken.register_markets(rsps)
    rows = kraken.ohlc_rows(FORMING_OPEN_S - 719 * 3600, 720)
    kraken.register_ohlc(rsps, "XXBTZUSD", rows)
    # When the scheduled event arrives
    result = deployed.runtime.invoke("IngestFunction", EVENT)
    # Then the 719 closed candles are stored, the forming one is not, and one update is published
    assert result["failed"] == [] and result["stored"] == 719
    items = deployed.table.query(KeyConditionExpression=Key("series").eq("kraken:BTC-USD:1h") & Key("ts").gt(0))
    stored = [int(i["ts"]) for i in items["Items"]]
    assert stored[-1] == (FORMING_OPEN_S - 3600) * 1000 and FORMING_OPEN_S * 1000 not in stored
    assert float(items["Items"][-1]["close"]) == float(rows[-2][4])
    updates = decode_records(read_stream(deployed.aws.client("kinesis"), deployed.stream))
    assert [len(u["candle_ts"]) for u in updates] == [719]


def test_the_coingecko_key_comes_from_secrets_manager_and_travels_in_the_header(deploy_stack, rsps):
    # Given a stack configured with a secret name, and the secret stored in Secrets Manager
    deployed = deploy_stack(CoinGeckoApiKeySecretName="crypto-advisor/coingecko")
    deployed.aws.client("secretsmanager").create_secret(Name="crypto-advisor/coingecko", SecretString="CG-demo-123")
    deployed.upload_watchlist("series:\n  - {source: coingecko, symbol: HYPE/USD, coingecko_id: hyperliquid}\n")
    first_close = EVENT_MS // HOUR * HOUR - 47 * HOUR
    coingecko.register(
        rsps,
        "hyperliquid",
        coingecko.ohlc_rows(first_close, 96),
        coingecko.market_chart(first_close - HOUR, 49),
    )
    # When the scheduled event arrives
    result = deployed.runtime.invoke("IngestFunction", EVENT)
    # Then CoinGecko was asked with the key in its header, never in the URL, and the candles were stored
    assert result["failed"] == [] and result["stored"] > 0
    calls = [c for c in rsps.calls if c.request.url.startswith(coingecko.API)]
    assert calls, "no request reached the recorded CoinGecko"
    for call in calls:
        assert call.request.headers["x-cg-demo-api-key"] == "CG-demo-123"
        assert "CG-demo-123" not in call.request.url
