"""DigestFunction against the embedded AWS: candles, signals and alert decisions in, one SES digest a day out.

The stack comes from template.yaml; the candles are ingested, analysed and
decided by the real functions; DigestFunction is invoked as its EventBridge
rule would invoke it. Emails are counted in the embedded SES itself, and the
exactly-once guard is read back from the Notifications table.
"""

from __future__ import annotations

import email
from datetime import UTC, date, datetime
from email import policy as email_policy
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key

from crypto_advisor.adapters.notification_log import NotificationLog
from crypto_advisor.contracts.alerts import Claim, Existing
from crypto_advisor.contracts.digest import LoggedAlert
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.local.market import SimulatedMarket, simulated_sources
from crypto_advisor.local.outbox import accepted_emails, verify_sender
from tests.integration.test_ingest_function import EVENT
from tests.integration.test_notify_function import ThrottledOnce

WATCHLIST = """
defaults: {timeframe: 1h, backfill_candles: 240}
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD}
"""
#: The stack's default recipient (local/stack.py LOCAL_PARAMETERS).
RECIPIENT = "trader@example.com"
#: The ingest event is at 2026-11-01T00:01Z; the default digest is due at 07:00 UTC that day.
DUE = datetime(2026, 11, 1, 7, 5, tzinfo=UTC)
EARLY = datetime(2026, 11, 1, 6, 5, tzinfo=UTC)


class Digest:
    """A stack with two series ingested, analysed and decided, and its sender verified."""

    def __init__(self, deployed) -> None:
        self.deployed = deployed
        self.runtime = deployed.runtime
        self.outputs = deployed.stack.outputs
        self._emails_before = len(accepted_emails())

    def tick(self, at: datetime, **collaborators: Any) -> dict[str, Any]:
        return self.runtime.tick("DigestFunction", at, **collaborators)

    def emails(self):
        return [e.parsed() for e in accepted_emails()[self._emails_before :]]

    def digest_items(self) -> list[dict[str, Any]]:
        table = self.deployed.aws.resource("dynamodb").Table(self.outputs["NotificationsTableName"])
        return table.query(KeyConditionExpression=Key("series").eq(f"digest#{RECIPIENT}"))["Items"]


@pytest.fixture
def digest(deployed) -> Digest:
    deployed.upload_watchlist(WATCHLIST)
    deployed.runtime.invoke("IngestFunction", EVENT, sources=simulated_sources(SimulatedMarket(seed=11)))
    deployed.runtime.deliver_kinesis("AnalyzeFunction")
    verify_sender(deployed.stack)
    deployed.runtime.deliver_dynamodb_streams("NotifyFunction")
    return Digest(deployed)


def test_a_due_run_sends_one_digest_and_a_repeated_event_sends_nothing_more(digest):
    # Given a stack whose series were ingested, analysed and decided overnight
    # When the hourly schedule runs before 07:00 UTC, at it, then EventBridge delivers the same event again
    early = digest.tick(EARLY)
    event = digest.runtime.scheduled_event("DigestFunction", DUE)
    first = digest.runtime.invoke("DigestFunction", event)
    again = digest.runtime.invoke("DigestFunction", event)
    # Then the early run did nothing, the due one sent one digest, and the repeat found it sent
    assert early["status"] == "not_due" and early["due_at"] == "2026-11-01T07:00:00Z"
    assert first["status"] == "due" and first["day"] == "2026-11-01" and first["sent"] == 1
    assert [r["status"] for r in again["recipients"]] == ["already_sent"]
    # ... the embedded SES accepted exactly one message, the digest, to the recipient
    [message] = digest.emails()
    assert str(message["Subject"]).startswith("Daily digest Sun 01 Nov")
    assert message["To"] == RECIPIENT
    # ... and the Notifications table holds the day's digest as sent, with SES's message id
    [item] = digest.digest_items()
    assert (item["status"], item["kind"], item["day"], item["timezone"]) == ("sent", "digest", "2026-11-01", "UTC")
    assert item["message_id"] == first["recipients"][0]["message_id"]
    assert sorted(item["covers"]) == ["kraken:BTC-USD:1h", "kraken:ETH-USD:1h"]


def test_the_digest_ses_received_is_text_and_html_with_the_chart_and_every_series(digest):
    digest.tick(DUE)
    [accepted] = accepted_emails()[-1:]
    message = email.message_from_bytes(accepted.raw, policy=email_policy.default)
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    [image] = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert f'src="cid:{str(image["Content-ID"]).strip("<>")}"' in html
    for label in ("BTC/USD 1h", "ETH/USD 1h"):
        assert f"{label}: " in text and label in html
    # the demo's models are not trained in this stack: the digest says there is no forecast rather than invent one
    assert "No volatility forecast stored for BTC/USD 1h, ETH/USD 1h yet" in text


def test_ses_throttling_fails_the_run_marks_nothing_and_the_next_hourly_run_sends(digest):
    # Given SES throttling the first send
    ses = ThrottledOnce(digest.deployed.aws.client("ses"), fail_on=1)
    # When the due run comes, it fails (so the failure reaches the queue and its alarm)
    with pytest.raises(Exception, match="Throttling"):
        digest.tick(DUE, ses_client=ses)
    # Then nothing was sent and no claim is left behind
    assert digest.emails() == [] and digest.digest_items() == []
    # When the next hourly run comes
    retried = digest.tick(DUE.replace(hour=8), ses_client=ses)
    # Then it sends the day's digest, once
    assert retried["sent"] == 1 and len(digest.emails()) == 1
    assert digest.digest_items()[0]["status"] == "sent"


def test_the_off_switch_disables_the_schedule(deploy_stack):
    # Given a stack deployed with DigestEnabled=false
    deployed = deploy_stack(DigestEnabled="false")
    # Then the digest's rule exists but is disabled: EventBridge never runs it
    [rule] = deployed.runtime.schedule_rules("DigestFunction")
    assert rule["State"] == "DISABLED" and rule["ScheduleExpression"] == "cron(5 * * * ? *)"


def test_the_log_claims_a_digest_once_and_a_stale_claim_can_be_taken_over(deployed):
    # Given the notification log on the stack's table, with a one-second lease
    table = deployed.aws.resource("dynamodb").Table(deployed.stack.outputs["NotificationsTableName"])
    log = NotificationLog(table, lease_ms=1_000)
    day = date(2026, 11, 1)
    # When a first run claims the day's digest and a second one tries within the lease
    first = log.claim_digest(RECIPIENT, day, now_ms=10_000, series=["kraken:BTC-USD:1h"], timezone="UTC")
    second = log.claim_digest(RECIPIENT, day, now_ms=10_500, series=[], timezone="UTC")
    # Then the first holds it and the second is told someone is sending
    assert isinstance(first, Claim) and not first.took_over
    assert isinstance(second, Existing) and (second.status, second.claimed_at) == ("sending", 10_000)
    # When a run after the lease claims it, the first (dead) one can no longer mark it sent
    third = log.claim_digest(RECIPIENT, day, now_ms=20_000, series=[], timezone="UTC")
    assert isinstance(third, Claim) and third.took_over
    with pytest.raises(StorageError):
        log.mark_sent(first, message_id="ses-1", subject="Daily digest", now_ms=20_100)
    # ... and once the third marks it sent, it is sent for good: no claim, no release
    log.mark_sent(third, message_id="ses-2", subject="Daily digest", now_ms=20_200)
    entry = log.digest_entry(RECIPIENT.upper(), day)  # one mailbox, however it is spelled
    assert entry is not None and (entry.status, entry.message_id) == ("sent", "ses-2")
    assert isinstance(log.claim_digest(RECIPIENT, day, now_ms=99_000, series=[], timezone="UTC"), Existing)
    assert not log.release(third)
    assert log.digest_entry(RECIPIENT, date(2026, 11, 2)) is None


def test_the_log_answers_the_days_alert_decisions_and_never_a_digest_among_them(deployed):
    # Given a sent alert, a suppression and a digest in the table
    table = deployed.aws.resource("dynamodb").Table(deployed.stack.outputs["NotificationsTableName"])
    log = NotificationLog(table)
    series = "kraken:BTC-USD:1h"
    claim = log.claim(series, 3_600_000, now_ms=1, rules=["rsi_oversold"], recipients=[RECIPIENT])
    assert isinstance(claim, Claim)
    log.mark_sent(claim, message_id="ses-1", subject="BTC/USD 1h: RSI oversold", now_ms=2)
    log.record_suppressed(series, 7_200_000, reason="below_threshold", detail="", rules=["fib_cross"], now_ms=3)
    log.claim_digest(RECIPIENT, date(1970, 1, 1), now_ms=4, series=[series], timezone="UTC")
    # Then the series' decisions are the two, in candle order, with what the digest shows
    assert log.alert_decisions(series, 0, 10_000_000) == [
        LoggedAlert(3_600_000, "sent", ("rsi_oversold",), subject="BTC/USD 1h: RSI oversold"),
        LoggedAlert(7_200_000, "suppressed", ("fib_cross",), reason="below_threshold"),
    ]
    # ... and the cooldown's own query of the series sees no digest
    assert [s.candle_ts for s in log.recent_sends(series, 0, 10_000_000)] == [3_600_000]


def test_the_digest_links_each_series_page_and_its_one_click_unsubscribe_stops_the_next_digests(digest):
    from crypto_advisor.local.email_actions import email_links_of
    from tests.integration.test_steering import Dashboard, path_of

    # Given the day's digest as SES accepted it (the local stack's dashboard is http://127.0.0.1:8765)
    digest.tick(DUE)
    [message] = digest.emails()
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    # Then each series links to its page on the dashboard, in both parts
    for key in ("kraken:BTC-USD:1h", "kraken:ETH-USD:1h"):
        page = f"http://127.0.0.1:8765/#/series/{key}"
        assert f"On the dashboard: {page}" in text and f'href="{page}"' in html
    # ... and it carries RFC 8058's headers pointing at its own unsubscribe link
    unsubscribe = email_links_of(message)["Unsubscribe from the alerts and this digest"]
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    dashboard = Dashboard(digest.deployed)
    # When the link is fetched (a GET, as a mail scanner would): a confirmation page saying what it stops, nothing done
    status, page, _ = dashboard.request("GET", path_of(unsubscribe), user=None)
    assert status == 200 and '<form method="post">' in page and "alert emails and the daily digest" in page
    assert dashboard.store.unsubscribed() == frozenset()
    # When the mail client posts the one-click body (no page, no sign-in)
    status, _, _ = dashboard.request("POST", path_of(unsubscribe), user=None, form="List-Unsubscribe=One-Click")
    assert status == 200 and dashboard.store.unsubscribed() == frozenset({RECIPIENT})
    # Then the next day's digest does not go to that recipient, and the run says why
    next_day = digest.tick(DUE.replace(day=2))
    assert [(r["recipient"], r["status"]) for r in next_day["recipients"]] == [(RECIPIENT, "unsubscribed")]
    assert len(digest.emails()) == 1
