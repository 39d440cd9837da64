"""The reads whose answer depends on a write made a moment earlier are strongly consistent.

moto answers every read consistently, so the test looks at what the adapters
ask DynamoDB for: each Query they send, recorded on the botocore client, must
carry ``ConsistentRead``. An eventually consistent read of the candle window
can miss the candle just written (the Signal used to be stored unhealthy for
good); one of the notification log can miss the claim that starts a cooldown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.notification_log import NotificationLog
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.local.stack import load_template
from tests.conftest import REPO

BTC = Series.parse("kraken:BTC-USD:1h")
HOUR = 3_600_000
TS = 1_793_394_000_000


def _table(dynamodb: Any, logical_id: str) -> Any:
    props = load_template(REPO / "template.yaml")["Resources"][logical_id]["Properties"]
    return dynamodb.create_table(
        TableName=logical_id,
        KeySchema=props["KeySchema"],
        AttributeDefinitions=props["AttributeDefinitions"],
        BillingMode=props["BillingMode"],
    )


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        yield boto3.resource("dynamodb", region_name="us-east-1")


def queries_sent(table: Any) -> list[dict[str, Any]]:
    """Every Query the table's client sends from now on, with its parameters as sent."""
    sent: list[dict[str, Any]] = []
    table.meta.client.meta.events.register(
        "provide-client-params.dynamodb.Query", lambda params, **_: sent.append(dict(params))
    )
    return sent


def test_the_candle_window_is_read_strongly_consistent(dynamodb):
    # Given a Candles table holding the candle just written
    table = _table(dynamodb, "CandlesTable")
    store = CandleStore(table, hot_window=1000)
    store.put(BTC, [Candle(TS, 1.0, 1.0, 1.0, 1.0, 1.0)])
    sent = queries_sent(table)

    # When the analysis reads the window
    assert [c.ts for c in store.window(BTC, since_ts=TS - 10 * HOUR)] == [TS]

    # Then every Query it sent was strongly consistent
    assert sent and all(query.get("ConsistentRead") is True for query in sent)


def test_the_recent_sends_behind_cooldown_and_budget_are_read_strongly_consistent(dynamodb):
    # Given a Notifications table with a claim just written
    table = _table(dynamodb, "NotificationsTable")
    log = NotificationLog(table)
    log.claim(BTC.key, TS, now_ms=TS + HOUR, rules=["macd_cross"], recipients=["me@example.com"])
    sent = queries_sent(table)

    # When the policy reads the recent sends
    assert [s.candle_ts for s in log.recent_sends(BTC.key, TS - 6 * HOUR, TS)] == [TS]

    # Then every Query it sent was strongly consistent
    assert sent and all(query.get("ConsistentRead") is True for query in sent)
