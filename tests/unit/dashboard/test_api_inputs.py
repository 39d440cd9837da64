"""DashboardFunction's input handling, through the resolver the handler uses and the event the local HTTP API builds.

The events model AWS: an HTTP API hands Lambda ``rawPath`` percent-decoded (the
local HTTP API's :func:`request_path`), the query string as sent. The stores are
recording fakes: each test asserts what the route handed them or that they were never asked (a refusal at
the edge, a 422 naming the field, or the email link's own refusal page).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest

from crypto_advisor.api import email_links, read_routes, settings_routes
from crypto_advisor.api.app import resolver
from crypto_advisor.contracts.alerts import market_log_key
from crypto_advisor.contracts.decisions import Decision
from crypto_advisor.contracts.link_token import LinkClaims, sign
from crypto_advisor.dashboard.alert_history import history, parse_alert_id
from crypto_advisor.dashboard.answers import AlertPage
from crypto_advisor.dashboard.service import NotFoundError
from crypto_advisor.local.http_api import BadPath, Route, http_event, request_path

KEY = b"k" * 32
CANDLE = 1_764_655_200_000


class Asked:
    """Records every call the routes make of the dashboard and the steering use case."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        #: the decisions the alerts list shows (a market email's among them, for the round trip)
        self.decisions: list[Decision] = []

    def email(self, alert_id: str) -> None:
        self.calls.append(("email", alert_id))
        raise NotFoundError(f"no alert decision {alert_id}")

    def alerts(self, **query: Any) -> AlertPage:
        self.calls.append(("alerts", query["cursor"]))
        return history(self, sorted({d.key for d in self.decisions}), limit=query["limit"])

    def page(self, key: str, *, before_ts: int, limit: int) -> list[Decision]:
        """The recorded decisions as the notification log gives them (:class:`Decisions`)."""
        return [d for d in self.decisions if d.key == key and d.candle_ts < before_ts][:limit]

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
    """The answer to ``method path?query`` as the web app sends it (the path percent-encoded as sent), through the
    event an HTTP API builds of it: the path decoded (:func:`request_path`), the query string as sent."""
    route = Route("ANY", "/{proxy+}", "DashboardFunction", None)
    claims = {"email": "trader@example.com"}
    decoded = request_path(path)
    event = http_event(route, {}, method=method, path=decoded, query=query, headers={}, body=b"", claims=claims)
    answer: dict[str, Any] = resolver().resolve(event, {})
    body = answer.get("body") or ""
    is_json = "json" in {k.lower(): v for k, v in answer["headers"].items()}.get("content-type", "")
    return answer["statusCode"], json.loads(body) if is_json else body


def cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def path_part(value: str) -> str:
    """The web app's ``pathPart()``: ``encodeURIComponent`` keeping ':' and '@'."""
    return quote(value, safe="!'()*~:@")


def test_a_market_emails_id_from_the_alerts_list_opens_its_email(asked):
    # Given a market email in the alerts list (its decision under the log key market#1h)
    asked.decisions = [Decision(market_log_key("1h"), CANDLE, "sent", covers=("kraken:BTC-USD:1h",))]
    status, page = call("GET", "/api/v1/alerts")
    assert status == 200 and [a["series"] for a in page["alerts"]] == ["market#1h"]
    market_id = page["alerts"][0]["id"]
    # When the page opens it, the id percent-encoded as the web app does and decoded as API Gateway does
    status, answer = call("GET", f"/api/v1/alerts/{path_part(market_id)}/email")
    # Then the email route is reached (its 404 is the fake's "no decision", not an unrouted path) with an id naming
    # the market email's log key
    assert status == 404 and "no alert decision" in answer["error"], answer
    assert asked.calls[-1] == ("email", market_id)
    assert parse_alert_id(market_id) == ("market#1h", CANDLE)


def test_an_address_encoded_by_the_web_app_reaches_the_resubscribe_route_with_its_plus(asked):
    # '+' -> %2B by pathPart(), decoded by API Gateway: the address, not a space
    status, _ = call("DELETE", f"/api/v1/settings/unsubscribed/{path_part('jane+alerts@example.com')}")
    assert status == 200
    assert asked.calls == [("resubscribe", "jane+alerts@example.com")]


def test_an_old_market_email_id_with_a_hash_routes_nowhere_once_decoded_as_on_aws(asked):
    # An id of the form handed out before (market#1h@...): API Gateway decodes %23 to '#', no route takes it
    status, _ = call("GET", f"/api/v1/alerts/market%231h@{CANDLE}/email")
    assert status == 404 and asked.calls == []


def test_a_path_parameter_is_decoded_once_so_an_encoded_percent_stays_a_percent(asked):
    # '%2523' is the text '%23' encoded: decoding it twice (API Gateway, then the route) would turn it into '#'
    call("DELETE", "/api/v1/settings/unsubscribed/100%2525%2523off@example.com")
    assert asked.calls == [("resubscribe", "100%25%23off@example.com")]


def test_a_path_whose_escapes_are_not_utf8_is_refused_before_any_route(asked):
    with pytest.raises(BadPath, match="not UTF-8"):
        call("DELETE", "/api/v1/settings/unsubscribed/%FF%FE@example.com")
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
