"""IngestFunction when one source's ingest queue fails, on the embedded AWS: only that source loses its fan-out.

Kraken's queue is really deleted in the embedded SQS (the queue's own ``NonExistentQueue``, as a deleted queue, a
disabled KMS key or a removed permission would answer), no monkeypatch. The stack is created with
``IngestInlineSeconds=12`` and ``IngestKrakenConcurrency=60``: the CoinGecko series (4.2 s) fits inline, Kraken's 16
(16 s) do not, so Kraken fans out.
"""

from __future__ import annotations

import pytest

from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.local.market import LISTED, SimulatedMarket, simulated_sources
from tests.integration.test_ingest_fan_out import log_lines, queued
from tests.integration.test_ingest_function import EVENT, EVENT_MS, HOUR, stored_ts
from tests.integration.test_train_fan_out import visible

PAIRS = [(coin, tf) for coin in LISTED for tf in ("1h", "4h")]
KRAKEN = [f"kraken:{coin}:{tf}" for coin, tf in PAIRS]
WATCHLIST = (
    "defaults: {timeframe: 1h, backfill_candles: 48}\nseries:\n"
    + "".join(f"  - {{source: kraken, symbol: {coin.replace('-', '/')}, timeframe: {tf}}}\n" for coin, tf in PAIRS)
    + "  - {source: coingecko, symbol: HYPE/USD, coingecko_id: hyperliquid}\n"
)
HYPE = "coingecko:HYPE-USD:1h"
LAST_CLOSED = EVENT_MS // HOUR * HOUR - HOUR


def kraken_queue_deleted(deploy_stack):
    """A stack whose Kraken ingest queue no longer exists; returns it and the queue's name (to create it again)."""
    deployed = deploy_stack(IngestInlineSeconds="12", IngestKrakenConcurrency="60")
    deployed.upload_watchlist(WATCHLIST)
    url = deployed.stack.physical_ids["IngestKrakenQueue"]
    deployed.aws.client("sqs").delete_queue(QueueUrl=url)
    return deployed, url.rsplit("/", 1)[1]


def test_a_deleted_kraken_queue_leaves_the_inline_coingecko_series_stored_and_fails_the_tick_naming_it(deploy_stack):
    # Given Kraken's ingest queue deleted
    deployed, _ = kraken_queue_deleted(deploy_stack)
    sources = simulated_sources(SimulatedMarket(seed=11))
    # When the schedule fires
    with pytest.raises(StorageError, match="kraken: its ingest queue could not be read") as raised:
        deployed.runtime.invoke("IngestFunction", EVENT, sources=sources)
    # Then the invocation failed with the queue's own cause (so IngestErrorsAlarm fires and Lambda retries the tick)
    assert "NonExistentQueue" in str(raised.value) and "coingecko" not in str(raised.value)
    # And the CoinGecko series planned inline holds its backfill up to the last closed hour all the same
    assert stored_ts(deployed, HYPE)[-1] == LAST_CLOSED
    # And nothing was queued or fetched for Kraken: its cursors did not move, so a later tick plans its series again
    assert all(stored_ts(deployed, key) == [] for key in KRAKEN)
    assert visible(deployed, "IngestCoingeckoQueue") == 0
    # And the log names the source whose queue failed, what was asked of it, and why
    [line] = [line for line in log_lines(deployed, "IngestFunction") if line.get("message") == "ingest queue failed"]
    assert (line["level"], line["source"], line["step"]) == ("ERROR", "kraken", "read")
    assert "NonExistentQueue" in line["error"]


def test_the_retried_tick_with_the_queue_back_fans_kraken_out_and_fetches_nothing_twice(deploy_stack):
    # Given a tick that failed on Kraken's deleted queue after storing the CoinGecko series
    deployed, name = kraken_queue_deleted(deploy_stack)
    sources = simulated_sources(SimulatedMarket(seed=11))
    with pytest.raises(StorageError):
        deployed.runtime.invoke("IngestFunction", EVENT, sources=sources)
    stored = stored_ts(deployed, HYPE)
    # When the queue is back and Lambda retries the same event
    deployed.aws.client("sqs").create_queue(QueueName=name)
    retried = deployed.runtime.invoke("IngestFunction", EVENT, sources=sources)
    # Then Kraken's 16 due series are queued in chunks, and the CoinGecko series has nothing new to fetch
    assert retried["plan"]["sources"]["kraken"]["mode"] == "fan_out"
    assert retried["plan"]["sources"]["kraken"]["due"] == len(KRAKEN)
    assert queued(deployed)["IngestKrakenQueue"] == retried["plan"]["sources"]["kraken"]["chunks"] > 0
    assert retried["plan"]["sources"]["coingecko"]["due"] == 0 and retried["stored"] == 0
    assert stored_ts(deployed, HYPE) == stored
