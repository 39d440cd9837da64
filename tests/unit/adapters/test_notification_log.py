"""NotificationLog's conditional writes, on the Notifications table as template.yaml defines it (moto in-process)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from crypto_advisor.adapters.notification_log import LEASE_MS, RETENTION_S, NotificationLog
from crypto_advisor.contracts.alerts import Claim, Existing, SentAlert
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.local.stack import load_template
from tests.conftest import REPO

SERIES = "kraken:BTC-USD:1h"
HOUR = 3_600_000
TS = 1_793_394_000_000
NOW = 1_800_000_000_000


@pytest.fixture
def table() -> Iterator:
    props = load_template(REPO / "template.yaml")["Resources"]["NotificationsTable"]["Properties"]
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        yield dynamodb.create_table(
            TableName="notifications",
            KeySchema=props["KeySchema"],
            AttributeDefinitions=props["AttributeDefinitions"],
            BillingMode=props["BillingMode"],
        )


def item(table, ts: int = TS) -> dict:
    return table.get_item(Key={"series": SERIES, "ts": ts}).get("Item")


def claim(log: NotificationLog, ts: int = TS, now: int = NOW) -> Claim | Existing:
    return log.claim(SERIES, ts, now_ms=now, rules=["macd_cross"], recipients=["me@example.com"])


def test_the_first_claim_wins_and_holds_the_candle_as_sending(table):
    log = NotificationLog(table)
    won = claim(log)
    assert isinstance(won, Claim) and not won.took_over
    stored = item(table)
    assert stored["status"] == "sending" and stored["claim_token"] == won.token
    assert stored["rules"] == ["macd_cross"] and stored["recipients"] == ["me@example.com"]
    assert int(stored["expires_at"]) == TS // 1000 + RETENTION_S


def test_a_second_claim_within_the_lease_gets_the_claim_in_flight(table):
    log = NotificationLog(table)
    claim(log)
    second = claim(log, now=NOW + LEASE_MS - 1)
    assert second == Existing(status="sending", claimed_at=NOW)


def test_a_claim_older_than_the_lease_is_taken_over(table):
    log = NotificationLog(table)
    first = claim(log)
    second = claim(log, now=NOW + LEASE_MS + 1)
    assert isinstance(second, Claim) and second.took_over and second.token != first.token


def test_marking_sent_records_the_message_and_ends_the_claim(table):
    log = NotificationLog(table)
    won = claim(log)
    log.mark_sent(won, message_id="ses-1", subject="BTC/USD 1h: MACD", now_ms=NOW + 500)
    stored = item(table)
    assert (stored["status"], stored["message_id"], stored["subject"]) == ("sent", "ses-1", "BTC/USD 1h: MACD")
    assert claim(log, now=NOW + 10 * LEASE_MS) == Existing(status="sent", claimed_at=NOW, message_id="ses-1")


def test_marking_sent_with_a_claim_taken_over_fails_loudly(table):
    log = NotificationLog(table)
    first = claim(log)
    claim(log, now=NOW + LEASE_MS + 1)
    with pytest.raises(StorageError, match="taken over"):
        log.mark_sent(first, message_id="ses-1", subject="s", now_ms=NOW + LEASE_MS + 2)


def test_an_unknown_delivery_keeps_the_claim_for_good_and_counts_as_a_send(table):
    # Given a claim whose SES answer was lost
    log = NotificationLog(table)
    won = claim(log)
    assert log.mark_unknown(won, subject="BTC/USD 1h: MACD", detail="Read timeout", now_ms=NOW + 500) is True
    stored = item(table)
    assert (stored["status"], stored["subject"], stored["detail"]) == ("unknown", "BTC/USD 1h: MACD", "Read timeout")
    # Then no later claim takes it over, however late, and it starts the series' cooldown like a send
    assert claim(log, now=NOW + 10 * LEASE_MS) == Existing(status="unknown", claimed_at=NOW)
    assert log.recent_sends(SERIES, TS, TS) == [SentAlert(TS, ("macd_cross",))]


def test_an_unknown_delivery_of_a_claim_taken_over_is_not_recorded(table):
    log = NotificationLog(table)
    first = claim(log)
    second = claim(log, now=NOW + LEASE_MS + 1)
    assert log.mark_unknown(first, subject="s", detail="Read timeout", now_ms=NOW + LEASE_MS + 2) is False
    assert (item(table)["status"], item(table)["claim_token"]) == ("sending", second.token)


def test_releasing_frees_the_candle_for_the_next_claim(table):
    log = NotificationLog(table)
    won = claim(log)
    assert log.release(won) is True
    assert item(table) is None
    assert isinstance(claim(log, now=NOW + 1), Claim)


def test_releasing_a_claim_that_is_no_longer_ours_changes_nothing(table):
    log = NotificationLog(table)
    first = claim(log)
    second = claim(log, now=NOW + LEASE_MS + 1)
    assert log.release(first) is False
    assert item(table)["claim_token"] == second.token  # type: ignore[union-attr]


def test_a_suppression_is_recorded_once(table):
    log = NotificationLog(table)
    args = {"reason": "cooldown", "detail": "macd_cross already emailed within 6h", "rules": ["macd_cross"]}
    assert log.record_suppressed(SERIES, TS, now_ms=NOW, **args) is True
    assert log.record_suppressed(SERIES, TS, now_ms=NOW + 1, **{**args, "reason": "below_severity"}) is False
    stored = item(table)
    assert (stored["status"], stored["reason"], int(stored["decided_at"])) == ("suppressed", "cooldown", NOW)
    assert claim(log) == Existing(status="suppressed", reason="cooldown")


def test_an_alerts_rarity_score_is_kept_for_the_follow_up_of_the_next(table):
    log = NotificationLog(table)
    log.claim(SERIES, TS - HOUR, now_ms=NOW, rules=["obv_divergence"], recipients=["me@example.com"], score=696.5)
    log.claim(SERIES, TS - 2 * HOUR, now_ms=NOW, rules=["condition:dip"], recipients=["me@example.com"], score=None)
    recent = sorted(log.recent_sends(SERIES, TS - 6 * HOUR, TS), key=lambda s: s.candle_ts)
    assert recent == [
        SentAlert(TS - 2 * HOUR, ("condition:dip",), None),
        SentAlert(TS - HOUR, ("obv_divergence",), 696.5),
    ]


def test_whether_an_alerts_record_is_capped_and_the_size_of_its_move_are_kept_beside_its_score(table):
    # Given an alert on a capped record ("in at least 29 days") whose candle moved 9.57 sigma, a market email's coin
    # covered on one, and an alert of the user's own conditions only (no score) whose candle's move was measured
    log = NotificationLog(table)
    dip = {"rules": ["rsi_oversold"], "recipients": ["me@example.com"], "score": 719.0, "capped": True}
    log.claim(SERIES, TS - 3 * HOUR, now_ms=NOW, move_sigma=9.57, **dip)
    covered = {"reason": "in_market_email", "detail": "covered", "rules": ["price_change_1h"]}
    log.record_suppressed(SERIES, TS - 2 * HOUR, now_ms=NOW, score=719.0, capped=True, move_sigma=4.4, **covered)
    log.claim(SERIES, TS - HOUR, now_ms=NOW, rules=["condition:dip"], recipients=["me@example.com"], move_sigma=1.5)
    # When the next alert's follow-up check reads them back
    recent = sorted(log.recent_sends(SERIES, TS - 6 * HOUR, TS), key=lambda s: s.candle_ts)
    # Then each comes back as it was logged; a capped flag is kept only beside a score
    assert recent == [
        SentAlert(TS - 3 * HOUR, ("rsi_oversold",), 719.0, capped=True, move_sigma=9.57),
        SentAlert(TS - 2 * HOUR, (), 719.0, market=True, capped=True, move_sigma=4.4),
        SentAlert(TS - HOUR, ("condition:dip",), None, move_sigma=1.5),
    ]
    assert "capped" not in item(table, TS - HOUR)


def test_a_coin_covered_by_the_market_email_is_read_back_as_one_that_told_of_its_move(table):
    log = NotificationLog(table)
    covered = {"reason": "in_market_email", "detail": "covered", "rules": ["price_change_1h", "obv_divergence"]}
    log.record_suppressed(SERIES, TS - HOUR, now_ms=NOW, score=700.0, **covered)
    log.record_suppressed(SERIES, TS - 2 * HOUR, reason="cooldown", detail="d", rules=["macd_cross"], now_ms=NOW)
    # Its score is kept, it names no rule (it cools none) and it is marked as the market email's
    assert log.recent_sends(SERIES, TS - 6 * HOUR, TS) == [SentAlert(TS - HOUR, (), 700.0, market=True)]


def test_recent_sends_are_the_sent_and_sending_entries_in_the_range(table):
    log = NotificationLog(table)
    sent = claim(log, TS - 2 * HOUR)
    log.mark_sent(sent, message_id="ses-1", subject="s", now_ms=NOW)  # type: ignore[arg-type]
    claim(log, TS - HOUR)  # being sent
    log.record_suppressed(SERIES, TS, reason="cooldown", detail="d", rules=["macd_cross"], now_ms=NOW)
    claim(log, TS - 10 * HOUR)  # outside the range
    recent = log.recent_sends(SERIES, TS - 6 * HOUR, TS + 6 * HOUR)
    assert sorted(recent, key=lambda s: s.candle_ts) == [
        SentAlert(TS - 2 * HOUR, ("macd_cross",)),
        SentAlert(TS - HOUR, ("macd_cross",)),
    ]
    assert log.recent_sends("kraken:ETH-USD:1h", TS - 6 * HOUR, TS + 6 * HOUR) == []


def test_a_missing_table_is_a_storage_error(table):
    log = NotificationLog(boto3.resource("dynamodb", region_name="us-east-1").Table("nope"))
    with pytest.raises(StorageError, match="claiming the alert"):
        claim(log)
    with pytest.raises(StorageError, match="recent alerts"):
        log.recent_sends(SERIES, TS, TS)
