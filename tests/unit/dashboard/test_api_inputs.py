"""DashboardFunction's input handling, through the resolver the handler uses and the event the local HTTP API builds.

The stores are recording fakes: each test asserts what the route handed them
(a path parameter decoded once) or that they were never asked (a refusal at
the edge, a 422 naming the field, or the email link's own refusal page).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from crypto_advisor.api import email_links, read_routes, settings_routes
from crypto_advisor.api.app import resolver
from crypto_advisor.contracts.link_token import LinkClaims, sign
from crypto_advisor.dashboard.answers import AlertPage
from crypto_advisor.dashboard.service import NotFoundError
from crypto_advisor.local.http_api import Route, http_event

KEY = b"k" * 32
CANDLE = 1_764_655_200_000


class Asked:
    """Records every call the routes make of the dashboard and the steering use case."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def email(self, alert_id: str) -> None:
        self.calls.append(("email", alert_id))
        raise NotFoundError(f"no alert decision {alert_id}")

    def alerts(self, **query: Any) -> AlertPage:
        self.calls.append(("alerts", query["cursor"]))
        return AlertPage(alerts=[], cursor=None)

    def resubscribe(self, address: str, who: Any, *, now_ms: int) -> None:
        self.calls.append(("resubscribe", address))

    def link_used(self, claims: LinkClaims) -> bool:
        self.calls.append(("link_used", claims.nonce))
        return False


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> Asked:
    fake = Asked()
    monkeypatch.setattr(read_routes, "dashboard_of", lambda _router: fake)
    monkeypatch.setattr(settings_routes, "steering_of", lambda _router: fake)
    monkeypatch.setattr(email_links, "steering_of", lambda _router: fake)
    monkeypatch.setattr(email_links, "link_key_of", lambda _router: KEY)
    return fake


def call(method: str, path: str, query: str = "") -> tuple[int, Any]:
    """The answer to ``method path?query`` as the web app sends it (the path percent-encoded as sent)."""
    route = Route("ANY", "/{proxy+}", "DashboardFunction", None)
    claims = {"email": "trader@example.com"}
    event = http_event(route, {}, method=method, path=path, query=query, headers={}, body=b"", claims=claims)
    answer: dict[str, Any] = resolver().resolve(event, {})
    body = answer.get("body") or ""
    is_json = "json" in {k.lower(): v for k, v in answer["headers"].items()}.get("content-type", "")
    return answer["statusCode"], json.loads(body) if is_json else body


def cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_an_alert_id_and_an_address_encoded_by_the_web_app_reach_the_store_decoded(asked):
    # Given the web app's pathPart() encoding: '#' -> %23 (a market email's id), '+' -> %2B (an address)
    call("GET", f"/api/v1/alerts/market%231h@{CANDLE}/email")
    status, _ = call("DELETE", "/api/v1/settings/unsubscribed/jane%2Balerts@example.com")
    # Then each store is asked for the value itself, not its encoding
    assert status == 200
    assert asked.calls == [("email", f"market#1h@{CANDLE}"), ("resubscribe", "jane+alerts@example.com")]


def test_a_path_parameter_is_decoded_once_so_an_encoded_percent_stays_a_percent(asked):
    # '%2523' is the text '%23' encoded: decoding it twice would turn it into '#'
    call("DELETE", "/api/v1/settings/unsubscribed/100%2525%2523off@example.com")
    assert asked.calls == [("resubscribe", "100%25%23off@example.com")]


def test_a_path_parameter_whose_escapes_are_not_utf8_is_422_naming_it(asked):
    status, answer = call("DELETE", "/api/v1/settings/unsubscribed/%FF%FE@example.com")
    assert status == 422 and [f["field"] for f in answer["fields"]] == ["path.address"]
    assert asked.calls == []


def test_an_alert_id_whose_candle_time_is_longer_than_epoch_ms_is_422_and_no_store_is_read(asked):
    # 40 digits: past DynamoDB's 38, where boto3 raised decimal.Inexact (a 500)
    status, answer = call("GET", f"/api/v1/alerts/kraken:BTC-USD:1h@{CANDLE}{'1' * 27}/email")
    assert status == 422 and [f["field"] for f in answer["fields"]] == ["path.alert_id"], answer
    # 14 digits is already no epoch-ms time before the year 2286; 13 is read as before
    assert call("GET", "/api/v1/alerts/kraken:BTC-USD:1h@17646552000001/email")[0] == 422
    assert asked.calls == []
    assert call("GET", f"/api/v1/alerts/kraken:BTC-USD:1h@{CANDLE}/email")[0] == 404
    assert asked.calls == [("email", f"kraken:BTC-USD:1h@{CANDLE}")]


def test_a_cursor_whose_candle_time_is_longer_than_epoch_ms_is_422_and_no_store_is_read(asked):
    status, answer = call("GET", "/api/v1/alerts", "cursor=" + cursor_of("9" * 45 + "~kraken:BTC-USD:1h"))
    assert status == 422 and [f["field"] for f in answer["fields"]] == ["query.cursor"], answer
    assert "13 digits" in answer["error"]
    assert call("GET", "/api/v1/alerts", "cursor=" + cursor_of("-1~kraken:BTC-USD:1h"))[0] == 422
    assert asked.calls == []
    # a cursor the API hands out still pages
    handed_out = cursor_of(f"{CANDLE}~kraken:BTC-USD:1h")
    assert call("GET", "/api/v1/alerts", "cursor=" + handed_out)[0] == 200
    assert asked.calls == [("alerts", handed_out)]


def mute_token() -> str:
    claims = LinkClaims(
        action="mute",
        recipient="a@example.com",
        expires_ms=2**41,
        nonce="n" * 20,
        series="kraken:BTC-USD:1h",
        rule="rsi_oversold",
        duration_ms=86_400_000,
    )
    return sign(claims, KEY)


@pytest.mark.parametrize(
    "mangled",
    [lambda t: t[:-1] + "é", lambda t: "é" + t],
    ids=["non-ascii-signature", "non-ascii-payload"],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_link_token_with_a_non_ascii_character_gets_the_links_refusal_page(asked, method, mangled):
    token = mute_token()
    assert call("GET", "/email/mute", "token=" + token)[0] == 200  # the token as sent works
    asked.calls.clear()
    status, page = call(method, "/email/mute", "token=" + mangled(token))
    assert status == 400 and "This link is not valid" in page and "not a link this dashboard sent" in page
    assert asked.calls == []
