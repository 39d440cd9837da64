"""Settings on the embedded AWS, signed in as the page signs in: who made a change, and whom the alerts go to.

The stack is created from template.yaml (its user pool with ``UsernameAttributes: [email]``, through moto's
cognito-idp), the dashboard served by the local HTTP API, which checks the token as the HTTP API's JWT authorizer does
and hands DashboardFunction its claims and headers. The user signs in through ``/api/v1/auth/sign-in`` and sends the
access token, as the web app does: it names the user by sub only, so the change's author comes from Cognito's GetUser.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crypto_advisor.local.dashboard import start_dashboard
from tests.integration.test_dashboard_api import Client

USER = "trader@example.com"
WATCHLIST = "series:\n  - {source: kraken, symbol: BTC/USD}\n"


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's claims, unverified (the local HTTP API verified it; this only looks at what it says)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture
def signed_in(deploy_stack):
    deployed = deploy_stack(RecipientEmails="desk@example.com, trader@example.com")
    deployed.upload_watchlist(WATCHLIST)
    dashboard = start_dashboard(deployed.runtime, port=0, user=USER)
    try:
        client = Client(dashboard.url)
        status, _, tokens = client.call("POST", "/api/v1/auth/sign-in", {"email": USER, "password": dashboard.password})
        assert status == 200, (tokens, dashboard.api.refusals)
        yield client, tokens["access_token"]
    finally:
        dashboard.stop()


def test_a_mute_made_with_the_pages_access_token_is_credited_to_the_users_email_address(signed_in):
    client, token = signed_in
    # Given the access token the page holds, which names the user by sub only (as Cognito issues it in AWS)
    claims = claims_of(token)
    assert "email" not in claims and claims["username"] == claims["sub"] != USER
    assert "aws.cognito.signin.user.admin" in claims["scope"].split()
    # When the user mutes a series from Settings
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    status, _, mute = client.call(
        "POST", "/api/v1/settings/mutes", {"series": "kraken:BTC-USD:1h", "until": until}, token
    )
    # Then the mute, the mutes list and the history name the user's address
    assert status == 201, mute
    assert mute["by"] == USER
    _, _, settings = client.call("GET", "/api/v1/settings", token=token)
    assert [(m["by"], m["via"]) for m in settings["mutes"]] == [(USER, "dashboard")]
    _, _, history = client.call("GET", "/api/v1/settings/history", token=token)
    assert [(c["who"], c["via"], c["kind"]) for c in history["changes"]] == [(USER, "dashboard", "mute")]


def test_settings_say_the_alerts_go_to_the_stacks_recipients_when_the_watchlist_names_none(signed_in):
    client, token = signed_in
    status, _, settings = client.call("GET", "/api/v1/settings", token=token)
    assert status == 200, settings
    assert settings["alerts"]["effective_recipients"] == ["desk@example.com", "trader@example.com"]
    assert settings["alerts"]["recipients_from"] == "RecipientEmails"
    assert settings["alerts"]["recipients"] == []
