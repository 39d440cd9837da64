"""A watchlist edited on the Settings page (which rewrites the object in S3) takes effect in a warm container within
about a minute, not at its next cold start.

The functions are invoked by the same local runtime throughout (their handler modules loaded once, as a warm Lambda
container keeps them), and nothing is deployed again between the edit and the invocation that obeys it. The check's
clock is a fake one the test moves on: the minute between checks passes without waiting for it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from crypto_advisor.adapters.config_source import WATCHLIST_CHECK_SECONDS
from crypto_advisor.local.market import SimulatedMarket, simulated_sources
from crypto_advisor.local.outbox import verify_sender
from crypto_advisor.wiring import watchlist_version
from tests.integration.test_ingest_function import EVENT_TIME, stored_ts
from tests.integration.test_notify_function import HOUR, LAST, firing, ingested, parsed

BEFORE = """
defaults: {timeframe: 1h, backfill_candles: 48}
series:
  - {source: kraken, symbol: BTC/USD}
"""
#: The same watchlist with a series added, as the Settings page writes it.
AFTER = BEFORE + "  - {source: kraken, symbol: SOL/USD}\n"
SOL = "kraken:SOL-USD:1h"


class Clock:
    """The checks' monotonic clock, moved on by the test."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(watchlist_version, "clock", fake)
    return fake


def test_a_series_added_on_the_settings_page_is_ingested_by_the_warm_ingest_function_within_a_minute(deployed, clock):
    # Given IngestFunction, warm after a tick with watchlist A
    deployed.upload_watchlist(BEFORE)
    sources = simulated_sources(SimulatedMarket(seed=11))
    first = deployed.runtime.tick("IngestFunction", EVENT_TIME, sources=sources)
    assert first["failed"] == [] and stored_ts(deployed, SOL) == []
    # When the Settings page rewrites the watchlist object with SOL added
    deployed.upload_watchlist(AFTER)
    # Then a tick within the minute after the container's last check still runs the watchlist it knows
    clock.now += WATCHLIST_CHECK_SECONDS - 1
    deployed.runtime.tick("IngestFunction", EVENT_TIME + timedelta(minutes=5), sources=sources)
    assert stored_ts(deployed, SOL) == []
    # And once the minute has passed, the next tick of the same warm function backfills the new series
    clock.now += 1
    second = deployed.runtime.tick("IngestFunction", EVENT_TIME + timedelta(hours=1), sources=sources)
    assert second["failed"] == []
    assert "kraken:SOL-USD:1h" in {s["series"] for s in second["series"]}
    assert len(stored_ts(deployed, SOL)) == 48
    assert len(stored_ts(deployed, "kraken:BTC-USD:1h")) == 49  # the series it had goes on as before


def test_a_recipient_changed_on_the_settings_page_gets_the_next_alert_from_the_warm_notify_function(deployed, clock):
    # Given NotifyFunction, warm after emailing an alert to the stack's default recipient
    watchlist = "series:\n  - {source: kraken, symbol: BTC/USD}\nalerts: {min_severity: 2, cooldown: 6h}\n"
    notify = ingested(deployed, watchlist)
    verify_sender(deployed.stack)
    notify.store(LAST - 10 * HOUR, firing("rsi_oversold"))
    notify.deliver()
    assert [parsed(e)["To"] for e in notify.emails()] == ["trader@example.com"]
    # When the Settings page changes the alerts' recipient, and the minute between checks passes
    changed = watchlist.replace("cooldown: 6h}", "cooldown: 6h, recipients: [partner@example.com]}")
    deployed.upload_watchlist(changed)
    clock.now += WATCHLIST_CHECK_SECONDS
    # Then the next alert goes to the new recipient, from the same warm function
    notify.store(LAST, firing("rsi_oversold"))
    assert notify.deliver() == [{"batchItemFailures": []}]
    assert [parsed(e)["To"] for e in notify.emails()] == ["trader@example.com", "partner@example.com"]
