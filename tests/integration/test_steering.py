"""Steering on the embedded AWS: an email's links, the Settings routes, the watchlist in S3, the history.

The alert emails are NotifyFunction's, as the embedded SES accepted them; the
links in them are followed through the dashboard's routers with the HTTP API's
payload v2 events; mutes, unsubscribes and the history are read back from the
SettingsTable and the watchlist's versions from the versioned archive bucket.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import yaml

from crypto_advisor.adapters.settings_store import SettingsStore
from crypto_advisor.local.email_actions import SteeringRoutes, email_links_of
from crypto_advisor.local.market import SimulatedMarket, simulated_sources
from crypto_advisor.local.outbox import verify_sender
from tests.integration.test_ingest_function import EVENT
from tests.integration.test_notify_function import HOUR, LAST, WATCHLIST, firing, ingested, parsed

USER = "trader@example.com"


class Dashboard(SteeringRoutes):
    """The steering routes as DashboardFunction serves them, signed in as :data:`USER` unless told otherwise."""

    def __init__(self, deployed) -> None:
        super().__init__(deployed.runtime, simulated_sources(SimulatedMarket(seed=11)))
        table = deployed.stack.outputs["SettingsTableName"]
        self.store = SettingsStore(deployed.aws.client("dynamodb"), deployed.aws.resource("dynamodb").Table(table))

    def request(self, method, url, body=None, *, user=USER, form=None):  # type: ignore[no-untyped-def, override]
        return super().request(method, url, body, user=user, form=form)


@pytest.fixture
def alerting(deployed):
    stack = ingested(deployed, WATCHLIST)
    verify_sender(deployed.stack)
    from tests.integration.test_notify_function import calibrated

    calibrated(deployed, ["kraken:BTC-USD:1h"])
    return stack, Dashboard(deployed)


def links_of(message) -> dict[str, str]:  # type: ignore[no-untyped-def]
    found = email_links_of(message)
    assert found, message.get_body(("plain",)).get_content()[-1500:]
    return found


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_a_mute_from_an_email_link_suppresses_the_next_alert_of_that_rule_with_the_mutes_reason(alerting):
    notify, dashboard = alerting
    # Given an alert email about RSI oversold on BTC/USD 1h
    notify.store(LAST - 20 * HOUR, firing("rsi_oversold"))
    notify.deliver()
    [accepted] = notify.emails()
    message = parsed(accepted)
    links = links_of(message)
    mute_url = links["Mute RSI oversold alerts on BTC/USD 1h for 24 hours"]
    # Then the MIME message carries RFC 8058's headers and links to its series page
    assert message["List-Unsubscribe"] == f"<{links['Unsubscribe from these alerts and the digest']}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert links["Open this series on the dashboard"] == "http://127.0.0.1:8765/#/series/kraken:BTC-USD:1h"
    # When the mute link is followed (a GET, as a mail scanner would): a confirmation page, nothing muted
    status, page, headers = dashboard.request("GET", path_of(mute_url), user=None)
    assert (
        status == 200
        and '<form method="post">' in page
        and "Mute RSI oversold alerts on BTC/USD 1h for 24 hours" in page
    )  # the email's words, not its ids
    assert headers["cache-control"] == "no-store" and "default-src 'none'" in headers["content-security-policy"]
    assert dashboard.store.mutes("kraken:BTC-USD:1h") == []
    # And its button is pressed (the POST)
    status, page, _ = dashboard.request("POST", path_of(mute_url), user=None, form="confirm=yes")
    assert status == 200 and "Muted" in page
    # Then the next RSI oversold alert is suppressed with the mute's reason, and no email goes out
    notify.store(LAST - 10 * HOUR, firing("rsi_oversold"))
    notify.deliver()
    decision = notify.decisions()[LAST - 10 * HOUR]
    assert (decision["status"], decision["reason"]) == ("suppressed", "muted")
    assert "rsi_oversold on kraken:BTC-USD:1h muted until" in decision["detail"] and USER in decision["detail"]
    assert len(notify.emails()) == 1
    # And another rule of the same series still emails
    notify.store(LAST, firing("macd_cross", 3))
    notify.deliver()
    assert notify.decisions()[LAST]["status"] == "sent" and len(notify.emails()) == 2


def test_a_link_acts_once_and_an_expired_or_altered_link_changes_nothing(alerting):
    notify, dashboard = alerting
    notify.store(LAST - 20 * HOUR, firing("rsi_oversold"))
    notify.deliver()
    mute_url = links_of(parsed(notify.emails()[0]))["Mute RSI oversold alerts on BTC/USD 1h for 7 days"]
    assert dashboard.request("POST", path_of(mute_url), user=None)[0] == 200
    # When the same link is used again
    status, page, _ = dashboard.request("POST", path_of(mute_url), user=None)
    # Then a clear page says so, and the history holds one change
    assert status == 409 and "already used" in page
    assert len(dashboard.store.history()) == 1
    assert "already used" in dashboard.request("GET", path_of(mute_url), user=None)[1]
    # An altered token (a character of its signature changed) and no token at all change nothing either
    token = dict(parse_qsl(urlsplit(mute_url).query))["token"]
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    status, page, _ = dashboard.request("POST", "/email/mute?" + urlencode({"token": altered}), user=None)
    assert status == 400 and "changed" in page
    assert dashboard.request("POST", "/email/mute", user=None)[0] == 400
    # An unsubscribe token cannot mute
    unsubscribe = links_of(parsed(notify.emails()[0]))["Unsubscribe from these alerts and the digest"]
    wrong = "/email/mute?" + urlsplit(unsubscribe).query
    assert dashboard.request("POST", wrong, user=None)[0] == 400
    assert len(dashboard.store.history()) == 1 and dashboard.store.unsubscribed() == frozenset()


def test_a_one_click_unsubscribe_stops_that_recipients_alerts(alerting):
    notify, dashboard = alerting
    notify.store(LAST - 20 * HOUR, firing("rsi_oversold"))
    notify.deliver()
    message = parsed(notify.emails()[0])
    target = message["List-Unsubscribe"].strip("<>")
    # When the mail client posts RFC 8058's one-click body to the List-Unsubscribe URL (no page, no sign-in)
    status, _, _ = dashboard.request("POST", path_of(target), user=None, form="List-Unsubscribe=One-Click")
    assert status == 200
    # Then the next alert reaches nobody: it is recorded as unsubscribed, and no email goes out
    notify.store(LAST, firing("macd_cross", 3))
    notify.deliver()
    decision = notify.decisions()[LAST]
    assert (decision["status"], decision["reason"]) == ("suppressed", "unsubscribed")
    assert len(notify.emails()) == 1
    [change] = dashboard.store.history()
    assert (change.who, change.via, change.kind) == (USER, "email", "unsubscribe")


def _in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _watchlist(deployed) -> dict[str, Any]:
    body = deployed.aws.client("s3").get_object(Bucket=deployed.bucket, Key="config/watchlist.yaml")["Body"]
    return yaml.safe_load(body.read())


def test_a_series_edit_keeps_the_previous_watchlist_and_the_ingest_reads_the_new_one(deployed):
    deployed.upload_watchlist(WATCHLIST)
    dashboard = Dashboard(deployed)
    # When a signed-in user adds ETH/USD 4h
    status, body, _ = dashboard.request(
        "POST", "/api/v1/settings/series", {"source": "kraken", "symbol": "ETH/USD", "timeframe": "4h"}
    )
    assert status == 201, body
    # Then the watchlist object holds it, and the bucket keeps the version before
    assert {"source": "kraken", "symbol": "ETH/USD", "timeframe": "4h"} in _watchlist(deployed)["series"]
    versions = deployed.aws.client("s3").list_object_versions(Bucket=deployed.bucket, Prefix="config/watchlist.yaml")
    assert len(versions["Versions"]) == 2
    previous = json.loads(body)["previous_version"]
    old = deployed.aws.client("s3").get_object(Bucket=deployed.bucket, Key="config/watchlist.yaml", VersionId=previous)
    assert old["Body"].read().decode() == WATCHLIST
    # And the history says who and when, with both versions
    status, body, _ = dashboard.request("GET", "/api/v1/settings/history")
    [change] = json.loads(body)["changes"]
    assert (change["who"], change["via"], change["kind"]) == (USER, "dashboard", "series_added")
    assert change["detail"]["previous_version"] == previous and change["at_ms"] > 0
    # And IngestFunction, reading the watchlist as always, fetches the new series
    report = deployed.runtime.invoke("IngestFunction", EVENT, sources=dashboard.sources)
    assert "kraken:ETH-USD:4h" in json.dumps(report)


def test_a_symbol_the_source_does_not_list_is_refused_naming_the_field_and_nothing_is_written(deployed):
    deployed.upload_watchlist(WATCHLIST)
    dashboard = Dashboard(deployed)
    status, body, _ = dashboard.request("POST", "/api/v1/settings/series", {"source": "kraken", "symbol": "NOPE/USD"})
    assert status == 422
    assert json.loads(body)["fields"][0]["field"] == "body.symbol" and "does not list NOPE/USD" in body
    # And an entry the watchlist check refuses (the same series twice) is refused whole with the check's message
    status, body, _ = dashboard.request("POST", "/api/v1/settings/series", {"source": "kraken", "symbol": "BTC/USD"})
    assert status == 422 and "duplicate series kraken:BTC-USD:1h" in body
    # And a malformed body names its field before anything runs
    status, body, _ = dashboard.request("PUT", "/api/v1/settings/policy", {"digest": {"timezone": "Mars/Olympus"}})
    assert status == 422 and json.loads(body)["fields"][0]["field"] == "body.digest.timezone"
    assert "unknown time zone 'Mars/Olympus'" in body
    versions = deployed.aws.client("s3").list_object_versions(Bucket=deployed.bucket, Prefix="config/watchlist.yaml")
    assert len(versions["Versions"]) == 1 and dashboard.store.history() == []


def test_a_policy_change_and_a_mute_from_settings_are_in_the_history_with_who_and_when(deployed):
    deployed.upload_watchlist(WATCHLIST)
    dashboard = Dashboard(deployed)
    status, body, _ = dashboard.request(
        "PUT", "/api/v1/settings/policy", {"alerts": {"max_per_week": 1}, "digest": {"time": "08:15"}}
    )
    assert status == 200, body
    assert _watchlist(deployed)["alerts"]["max_per_week"] == 1 and _watchlist(deployed)["digest"]["time"] == "08:15"
    status, body, _ = dashboard.request(
        "POST", "/api/v1/settings/mutes", {"series": "kraken:BTC-USD:1h", "until": _in_days(2)}
    )
    assert status == 201, body
    settings = json.loads(dashboard.request("GET", "/api/v1/settings")[1])
    assert settings["alerts"]["max_per_week"] == 1 and [m["rule"] for m in settings["mutes"]] == [None]
    status, _, _ = dashboard.request("DELETE", "/api/v1/settings/mutes?series=kraken:BTC-USD:1h")
    assert status == 200
    history = json.loads(dashboard.request("GET", "/api/v1/settings/history")[1])["changes"]
    assert [c["kind"] for c in history] == ["unmute", "mute", "alert_policy"]
    assert all(c["who"] == USER for c in history)
    assert "alerts.max_per_week: (default) -> 1.0" in history[2]["summary"]
