"""Settings names people by their email address: whom the alerts go to, and who made each change.

The real :class:`~crypto_advisor.steering.service.Steering` behind the dashboard's resolver (as in
``test_remove_series``), with the settings the handler appends, and Cognito as botocore's Stubber answers it (the real
:class:`~crypto_advisor.adapters.cognito_sign_in.CognitoSignIn` over a stubbed client: no socket, and an unexpected
call fails the test). The claims are those AWS's JWT authorizer passes on for the access token the page sends: the
pool's usernames are email addresses, so ``username`` is the user's sub and there is no ``email`` claim.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from crypto_advisor.adapters.cognito_sign_in import CognitoSignIn
from crypto_advisor.api import settings_routes
from crypto_advisor.api.app import resolver
from crypto_advisor.local.http_api import Route, http_event
from crypto_advisor.steering.service import Steering, recipients_in_effect
from crypto_advisor.wiring.dashboard import DashboardSettings
from tests.fakes.steering import History, Listed, VersionedObject
from tests.unit.steering.test_remove_series import WATCHLIST

EMAIL = "trader@example.com"
SUB = "83cf5193-0b7e-4c43-9a61-5d2f3e9c4fa4"
ACCESS_TOKEN = "eyJraWQiOiJhY2Nlc3MifQ.eyJzdWIiOiI4M2NmNTE5MyJ9.c2lnbmF0dXJl"
#: An access token's claims as Cognito issues them for a pool with ``UsernameAttributes: [email]``.
ACCESS_CLAIMS = {
    "sub": SUB,
    "username": SUB,
    "client_id": "dashboard-client",
    "token_use": "access",
    "scope": "aws.cognito.signin.user.admin",
    "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool",
    "auth_time": 1796281200,
    "iat": 1796281200,
    "exp": 1796284800,
    "jti": "5d0c4a40-2b8e-4c8e-9a0e-0c7f0c1f2f11",
    "origin_jti": "9b1e8d34-7d2f-4b7a-8c3e-2a6f4b5c6d7e",
}


def tomorrow() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).isoformat()


def settings(recipient_emails: str) -> DashboardSettings:
    """DashboardFunction's settings as the template's environment gives them."""
    return DashboardSettings.model_validate(
        {
            "WATCHLIST_URI": "s3://archive/config/watchlist.yaml",
            "SETTINGS_TABLE": "settings",
            "LINK_KEY_SECRET_ID": "link-key",
            "ARCHIVE_BUCKET": "archive",
            "CANDLES_TABLE": "candles",
            "SIGNALS_TABLE": "signals",
            "NOTIFICATIONS_TABLE": "notifications",
            "LEDGER_TABLE": "ledger",
            "NEWS_TABLE": "news",
            "USER_POOL_CLIENT_ID": "dashboard-client",
            "RECIPIENT_EMAILS": recipient_emails,
        }
    )


class Site:
    """The Settings routes with the handler's context, over the in-memory watchlist, history and a stubbed Cognito."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, watchlist: str = WATCHLIST, recipients: str = EMAIL) -> None:
        self.watchlist, self.history = VersionedObject(watchlist), History()
        steering = Steering(self.watchlist, self.history, {"kraken": Listed()})
        client = boto3.client("cognito-idp", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
        self.cognito = Stubber(client)
        self.cognito.activate()
        self.warnings: list[tuple[str, dict[str, Any]]] = []
        monkeypatch.setattr(settings_routes, "steering_of", lambda _router: steering)
        monkeypatch.setattr(settings_routes, "cognito_of", lambda _router: CognitoSignIn(client, "dashboard-client"))
        monkeypatch.setattr(settings_routes.logger, "warning", lambda msg, **kw: self.warnings.append((msg, kw)))
        self.settings = settings(recipients)

    def call(
        self, method: str, path: str, body: Any = None, *, claims: dict[str, str] = ACCESS_CLAIMS
    ) -> tuple[int, Any]:
        """``method path`` as the HTTP API hands it on: the JWT authorizer's claims, the page's bearer token."""
        route = Route("ANY", "/api/v1/{proxy+}", "DashboardFunction", None)
        headers = {"content-type": "application/json", "authorization": f"Bearer {ACCESS_TOKEN}"}
        text = json.dumps(body).encode() if body is not None else b""
        event = http_event(route, {}, method=method, path=path, query="", headers=headers, body=text, claims=claims)
        app = resolver()
        app.append_context(settings=self.settings)
        answer = app.resolve(event, {})
        return answer["statusCode"], json.loads(answer["body"])

    def user_is(self, email: str) -> None:
        """Cognito's GetUser answer for the access token: the user's attributes, the address among them."""
        attributes = [{"Name": "sub", "Value": SUB}, {"Name": "email_verified", "Value": "true"}]
        answer = {"Username": SUB, "UserAttributes": [*attributes, {"Name": "email", "Value": email}]}
        self.cognito.add_response("get_user", answer, {"AccessToken": ACCESS_TOKEN})


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Site:
    return Site(monkeypatch)


def test_a_mute_from_the_dashboard_is_credited_to_the_users_email_address_not_their_sub(site):
    # Given a user signed in with the page's access token, whose claims name them only by sub
    site.user_is(EMAIL)
    # When they mute a series from Settings
    status, mute = site.call("POST", "/api/v1/settings/mutes", {"series": "kraken:BTC-USD:1h", "until": tomorrow()})
    # Then the mute and its history entry name their address, as an email link's mute names its recipient
    assert status == 201, mute
    assert (mute["by"], mute["via"]) == (EMAIL, "dashboard")
    assert [(c.who, c.via, c.kind) for c in site.history.changes] == [(EMAIL, "dashboard", "mute")]
    # And Cognito was asked once, with the request's own token
    site.cognito.assert_no_pending_responses()


def test_a_watchlist_edit_is_credited_to_the_users_email_address(site):
    site.user_is(EMAIL)
    status, done = site.call("PUT", "/api/v1/settings/policy", {"alerts": {"max_per_week": 1}})
    assert status == 200, done
    assert [c.who for c in site.history.changes] == [EMAIL]
    site.cognito.assert_no_pending_responses()


def test_when_cognito_cannot_say_the_change_is_still_made_under_the_tokens_username_with_a_warning(site):
    # Given Cognito refuses the token (revoked by a sign-out in another tab)
    site.cognito.add_client_error("get_user", "NotAuthorizedException", "Access Token has been revoked")
    # When the user changes the policy
    status, done = site.call("PUT", "/api/v1/settings/policy", {"alerts": {"max_per_week": 1}})
    # Then the change is made and recorded under the claims' username, and a warning says why
    assert status == 200, done
    assert [c.who for c in site.history.changes] == [SUB]
    [(message, fields)] = site.warnings
    assert "email address not found" in message and fields["user"] == SUB and fields["reason"]


def test_an_id_tokens_email_claim_is_used_without_asking_cognito(site):
    # The authorizer accepts either token; the ID token carries the verified address (the Stubber refuses any call)
    claims = {"sub": SUB, "cognito:username": SUB, "email": EMAIL, "token_use": "id"}
    status, _ = site.call("PUT", "/api/v1/settings/policy", {"alerts": {"max_per_week": 1}}, claims=claims)
    assert status == 200 and [c.who for c in site.history.changes] == [EMAIL]


def test_reading_settings_and_the_history_never_asks_cognito(site):
    # Given a change made (Cognito asked once for it)
    site.user_is(EMAIL)
    assert site.call("POST", "/api/v1/settings/mutes", {"series": "kraken:BTC-USD:1h", "until": tomorrow()})[0] == 201
    # When the page reads Settings and the history (the Stubber has no answer left: a GetUser would fail them)
    settings_status, answer = site.call("GET", "/api/v1/settings")
    history_status, history = site.call("GET", "/api/v1/settings/history")
    # Then both answer, naming the user by address
    assert (settings_status, history_status) == (200, 200)
    assert [m["by"] for m in answer["mutes"]] == [EMAIL] and [c["who"] for c in history["changes"]] == [EMAIL]


def test_settings_name_the_stacks_recipients_when_the_watchlist_names_none(site):
    # Given a watchlist without alerts.recipients, on a stack whose RecipientEmails is the trader's address
    # When Settings is read
    status, answer = site.call("GET", "/api/v1/settings")
    # Then the alerts go to the stack's recipients, and the answer says so (the watchlist's own list stays empty)
    assert status == 200, answer
    alerts = answer["alerts"]
    assert (alerts["effective_recipients"], alerts["recipients_from"]) == ([EMAIL], "RecipientEmails")
    assert alerts["recipients"] == []


def test_settings_name_the_watchlists_recipients_over_the_stacks(monkeypatch):
    site = Site(monkeypatch, watchlist=WATCHLIST + "alerts: {recipients: [desk@example.com, me@example.com]}\n")
    alerts = site.call("GET", "/api/v1/settings")[1]["alerts"]
    assert alerts["effective_recipients"] == ["desk@example.com", "me@example.com"]
    assert alerts["recipients_from"] == "alerts.recipients"


def test_settings_say_nobody_gets_the_alerts_when_neither_names_anyone(monkeypatch):
    site = Site(monkeypatch, recipients="")
    alerts = site.call("GET", "/api/v1/settings")[1]["alerts"]
    assert (alerts["effective_recipients"], alerts["recipients_from"]) == ([], "none")


@pytest.mark.parametrize(
    ("configured", "defaults", "expected"),
    [
        (("me@example.com",), ("stack@example.com",), (("me@example.com",), "alerts.recipients")),
        ((), ("a@example.com", "b@example.com"), (("a@example.com", "b@example.com"), "RecipientEmails")),
        ((), (), ((), "none")),
    ],
)
def test_the_recipients_in_effect_follow_the_notifiers_rule(configured, defaults, expected):
    assert recipients_in_effect(configured, defaults) == expected


def test_the_dashboards_settings_read_the_stacks_recipients():
    assert settings(" a@example.com, b@example.com ,").default_recipients == ("a@example.com", "b@example.com")
