"""DashboardFunction through the local HTTP API: the routes and authorizer from template.yaml, real HTTP, real JWTs.

The stack is created from template.yaml in the embedded AWS (its user pool
through moto's cognito-idp), two series are ingested, analysed and decided by
the real functions, and every request goes over a socket to
:class:`~crypto_advisor.local.http_api.LocalHttpApi`, which checks the token
against the embedded Cognito's keys as the HTTP API's JWT authorizer would and
hands DashboardFunction the payload v2 event.
"""

from __future__ import annotations

import gzip
import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.notification_log import NotificationLog
from crypto_advisor.adapters.sent_emails import SentEmails
from crypto_advisor.contracts.archive_keys import sent_email_key
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.local.dashboard import add_user, start_dashboard
from crypto_advisor.local.market import SimulatedMarket, simulated_sources
from crypto_advisor.local.outbox import verify_sender
from crypto_advisor.local.runtime import LocalRuntime
from crypto_advisor.local.stack import deploy
from crypto_advisor.notify.mime import build_message
from crypto_advisor.notify.render import render_email
from crypto_advisor.notify.view import AlertView
from tests.integration.conftest import REPO, WATCHLIST_KEY
from tests.integration.test_ingest_function import EVENT

WATCHLIST = """
defaults: {timeframe: 1h, backfill_candles: 240}
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD}
"""
BTC, ETH = "kraken:BTC-USD:1h", "kraken:ETH-USD:1h"


class Client:
    def __init__(self, url: str) -> None:
        self.url = url

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None, raw: bytes | None = None
    ) -> tuple[int, dict[str, str], Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.url + path, data=data, method=method)  # noqa: S310 - loopback
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - loopback
                status, headers, payload = answer.status, dict(answer.headers.items()), answer.read()
        except urllib.error.HTTPError as error:
            status, headers, payload = error.code, dict(error.headers.items()), error.read()
        headers = {k.lower(): v for k, v in headers.items()}
        kind = headers.get("content-type", "")
        return status, headers, json.loads(payload) if "json" in kind else payload


def seeded_runtime(aws, name: str, log_dir: Path, watchlists: tuple[str, ...] = (WATCHLIST,)) -> LocalRuntime:
    """A stack with the two series ingested, analysed and decided by the real functions (the last watchlist's)."""
    stack = deploy(aws, REPO / "template.yaml", name=name, parameters={"WatchlistS3Key": WATCHLIST_KEY})
    for text in watchlists:
        aws.client("s3").put_object(Bucket=stack.outputs["ArchiveBucketName"], Key=WATCHLIST_KEY, Body=text.encode())
    runtime = LocalRuntime(stack, repo_root=REPO, log_dir=log_dir)
    runtime.invoke("IngestFunction", EVENT, sources=simulated_sources(SimulatedMarket(seed=11)))
    runtime.deliver_kinesis("AnalyzeFunction")
    verify_sender(stack)
    runtime.deliver_dynamodb_streams("NotifyFunction")
    return runtime


@pytest.fixture(scope="module")
def site(aws, tmp_path_factory):
    runtime = seeded_runtime(aws, "it-dashboard", tmp_path_factory.mktemp("logs"))
    dashboard = start_dashboard(runtime, port=0)
    client = Client(dashboard.url)
    status, _, tokens = client.call(
        "POST", "/api/v1/auth/sign-in", {"email": dashboard.user, "password": dashboard.password}
    )
    assert status == 200, (tokens, dashboard.api.refusals)
    yield dashboard, client, tokens, runtime
    dashboard.stop()


def test_signed_in_the_overview_lists_every_watched_series_with_its_figures(site):
    _, client, tokens, _ = site
    status, headers, overview = client.call("GET", "/api/v1/overview", token=tokens["access_token"])
    assert status == 200
    rows = {row["key"]: row for row in overview["series"]}
    assert set(rows) == {BTC, ETH}
    btc = rows[BTC]
    assert btc["close"] > 0 and btc["change_24h"] is not None and 0 <= btc["rsi"] <= 100
    assert btc["trend"].endswith(")") and "ADX" in btc["trend"]
    assert overview["correlation"]["keys"] == [BTC, ETH]
    matrix = overview["correlation"]["matrix"]
    assert matrix[0][0] == pytest.approx(1.0) and matrix[0][1] == matrix[1][0]
    assert "default-src 'none'" in headers["content-security-policy"] and headers["cache-control"] == "no-store"


def test_the_id_token_is_accepted_as_the_authorizer_accepts_either(site):
    _, client, tokens, _ = site
    assert client.call("GET", "/api/v1/overview", token=tokens["id_token"])[0] == 200


@pytest.mark.parametrize("route", ["/api/v1/overview", f"/api/v1/series/{BTC}", "/api/v1/alerts"])
def test_without_a_token_every_read_route_is_401_and_the_function_is_not_invoked(site, route):
    dashboard, client, _, runtime = site
    log = runtime.log_dir / "DashboardFunction.log"
    before = log.read_text() if log.exists() else ""
    status, _, body = client.call("GET", route)
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert (log.read_text() if log.exists() else "") == before
    assert dashboard.api.refusals[-1].endswith("no Authorization header")


def _moto_key() -> RSAKey:
    import moto.cognitoidp

    path = Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-private.json.gz"
    return RSAKey.import_key(json.loads(gzip.decompress(path.read_bytes())))


def test_an_expired_token_is_401(site):
    # Given a token with every claim right, signed by the pool's own key, that expired a minute ago
    dashboard, client, tokens, _ = site
    claims = dict(jwt.decode(tokens["access_token"], _moto_key()).claims)
    claims.update(exp=int(time.time()) - 60, iat=int(time.time()) - 3660)
    expired = jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, _moto_key())
    assert client.call("GET", "/api/v1/overview", token=expired)[0] == 401
    assert dashboard.api.refusals[-1].endswith("token expired")


def test_an_altered_token_is_401(site):
    # Given the real token with one claim changed (the signature no longer matches)
    dashboard, client, tokens, _ = site
    header, payload, signature = tokens["access_token"].split(".")
    claims = json.loads(_b64(payload))
    claims["username"] = "someone-else"
    forged = ".".join([header, _unb64(json.dumps(claims).encode()), signature])
    assert client.call("GET", "/api/v1/overview", token=forged)[0] == 401
    assert "does not verify" in dashboard.api.refusals[-1]


def test_a_token_of_another_pool_is_401(site, aws):
    # Given a user of another pool (the embedded Cognito signs every pool with one key, so only iss and aud differ)
    dashboard, client, _, _ = site
    cognito = aws.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="someone-elses")["UserPool"]["Id"]
    app = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="theirs", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(UserPoolId=pool, Username="mallory@example.com", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=pool, Username="mallory@example.com", Password="Other-pool-1x", Permanent=True
    )
    theirs = cognito.initiate_auth(
        ClientId=app,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "mallory@example.com", "PASSWORD": "Other-pool-1x"},
    )["AuthenticationResult"]["AccessToken"]
    assert client.call("GET", "/api/v1/overview", token=theirs)[0] == 401
    assert "issuer" in dashboard.api.refusals[-1]


def test_first_sign_in_asks_for_a_new_password_then_gives_tokens_that_refresh(site, aws):
    # Given a user created as the stack creates them: a temporary password Cognito would email
    _, client, _, runtime = site
    pool = runtime.stack.outputs["DashboardUserPoolId"]
    aws.client("cognito-idp").admin_create_user(
        UserPoolId=pool, Username="new@example.com", TemporaryPassword="Temp-pass-123", MessageAction="SUPPRESS"
    )
    # When they sign in with it
    status, _, challenge = client.call(
        "POST", "/api/v1/auth/sign-in", {"email": "new@example.com", "password": "Temp-pass-123"}
    )
    # Then the API asks for a new password, and answering it gives tokens that open the API
    assert status == 200 and challenge["challenge"] == "NEW_PASSWORD_REQUIRED"
    status, _, tokens = client.call(
        "POST",
        "/api/v1/auth/new-password",
        {"email": "new@example.com", "session": challenge["session"], "new_password": "Chosen-pass-456"},
    )
    assert status == 200 and tokens["token_type"] == "Bearer"
    assert client.call("GET", "/api/v1/overview", token=tokens["access_token"])[0] == 200
    status, _, fresh = client.call("POST", "/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert status == 200 and client.call("GET", "/api/v1/overview", token=fresh["access_token"])[0] == 200


def test_signing_out_revokes_the_refresh_token_a_copy_of_it_would_outlive_the_page_with(site):
    dashboard, client, _, _ = site
    # Given a session signed in on its own (the shared one stays usable for the other tests: sign-out ends them all)
    status, _, tokens = client.call(
        "POST", "/api/v1/auth/sign-in", {"email": dashboard.user, "password": dashboard.password}
    )
    assert status == 200
    # When the user signs out with the session's access token
    assert client.call("POST", "/api/v1/auth/sign-out", token=tokens["access_token"])[0] == 204
    # Then the refresh token, copied or left behind, no longer gives tokens
    refused = client.call("POST", "/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert refused[0] == 401
    # ... and a sign-out without a token is refused, changing nothing
    assert client.call("POST", "/api/v1/auth/sign-out")[0] == 401


def test_a_wrong_password_is_401_without_saying_whether_the_user_exists(site):
    dashboard, client, _, _ = site
    wrong = client.call("POST", "/api/v1/auth/sign-in", {"email": dashboard.user, "password": "not-it"})
    nobody = client.call("POST", "/api/v1/auth/sign-in", {"email": "nobody@example.com", "password": "not-it"})
    assert wrong[0] == nobody[0] == 401 and wrong[2] == nobody[2]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("GET", "/api/v1/alerts?limit=abc", None, "query.limit"),
        ("GET", "/api/v1/alerts?limit=0", None, "query.limit"),
        ("GET", "/api/v1/alerts?reason=DROP%20TABLE", None, "query.reason"),
        ("GET", "/api/v1/series/BTC?days=2", None, "path.key"),
        ("GET", f"/api/v1/series/{BTC}?days=365", None, "query.days"),
        ("POST", "/api/v1/auth/sign-in", {"email": "trader@example.com"}, "body.password"),
        ("POST", "/api/v1/auth/sign-in", {"email": "not an address", "password": "x"}, "body.email"),
    ],
)
def test_a_bad_input_is_422_naming_the_field(site, method, path, body, field):
    _, client, tokens, _ = site
    status, _, answer = client.call(method, path, body, token=tokens["access_token"])
    assert status == 422, answer
    assert field in [f["field"] for f in answer["fields"]] and field in answer["error"]


def test_a_series_not_watched_is_404_naming_it(site):
    _, client, tokens, _ = site
    status, _, answer = client.call("GET", "/api/v1/series/kraken:DOGE-USD:1h", token=tokens["access_token"])
    assert status == 404 and "kraken:DOGE-USD:1h" in answer["error"]


def test_the_series_page_has_candles_the_analysis_indicators_and_markers(site):
    _, client, tokens, runtime = site
    status, _, detail = client.call("GET", f"/api/v1/series/{ETH}?days=3", token=tokens["access_token"])
    assert status == 200
    candles = detail["candles"]
    assert 70 <= len(candles) <= 73 and candles == sorted(candles, key=lambda c: c["ts"])
    # the indicator lines are the stored signal's own values at its candle (the same code, the same window)
    table = runtime.stack.aws.resource("dynamodb").Table(runtime.stack.outputs["SignalsTableName"])
    [item] = table.query(KeyConditionExpression="series = :s", ExpressionAttributeValues={":s": ETH})["Items"][-1:]
    signal = Signal.from_json(item["body"])
    rsi = {p["ts"]: p["value"] for p in detail["indicators"]["rsi"]}
    ema = {p["ts"]: p["value"] for p in detail["indicators"]["ema"]["ema_21"]}
    assert rsi[signal.candle_ts] == pytest.approx(signal.indicators["rsi_14"], rel=1e-9)
    assert ema[signal.candle_ts] == pytest.approx(signal.indicators["ema_21"], rel=1e-9)
    firings = [m for m in detail["markers"] if m["kind"] == "firing" and m["ts"] == signal.candle_ts]
    assert sorted(m["rule"] for m in firings) == sorted(f.rule_id for f in signal.firings)


def test_the_alert_history_pages_with_a_cursor_and_filters(site):
    _, client, tokens, _ = site
    token = tokens["access_token"]
    _, _, everything = client.call("GET", "/api/v1/alerts?limit=200", token=token)
    ids = [a["id"] for a in everything["alerts"]]
    assert ids and everything["cursor"] is None
    # pages of one, followed by their cursor, give the same decisions in the same order
    paged, cursor = [], None
    while True:
        _, _, page = client.call("GET", "/api/v1/alerts?limit=1" + (f"&cursor={cursor}" if cursor else ""), token=token)
        paged += [a["id"] for a in page["alerts"]]
        cursor = page["cursor"]
        if cursor is None:
            break
    assert paged == ids
    _, _, btc = client.call("GET", f"/api/v1/alerts?series={BTC}", token=token)
    assert btc["alerts"] and {a["series"] for a in btc["alerts"]} == {BTC}
    reason = everything["alerts"][0]["reason"]
    _, _, by_reason = client.call("GET", f"/api/v1/alerts?reason={reason}", token=token)
    assert by_reason["alerts"] and {a["reason"] for a in by_reason["alerts"]} == {reason}
    assert client.call("GET", "/api/v1/alerts?cursor=not-ours", token=token)[0] == 400


def _sent_decision(site, aws, key: str = ETH) -> tuple[Signal, str]:
    """The series' last firing signal, its decision recorded sent by hand and no message kept for it; its alert id."""
    _, _, _, runtime = site
    outputs = runtime.stack.outputs
    signals = aws.resource("dynamodb").Table(outputs["SignalsTableName"])
    items = signals.query(KeyConditionExpression="series = :s", ExpressionAttributeValues={":s": key})["Items"]
    signal = next(s for i in reversed(items) if (s := Signal.from_json(i["body"])).firings)
    log = NotificationLog(aws.resource("dynamodb").Table(outputs["NotificationsTableName"]))
    log_table = aws.resource("dynamodb").Table(outputs["NotificationsTableName"])
    log_table.delete_item(Key={"series": key, "ts": signal.candle_ts})
    aws.client("s3").delete_object(Bucket=outputs["ArchiveBucketName"], Key=sent_email_key(key, signal.candle_ts))
    rules = [f.rule_id for f in signal.firings]
    claim = log.claim(key, signal.candle_ts, now_ms=1, rules=rules, recipients=["trader@example.com"])
    log.mark_sent(claim, message_id="m-1", subject=f"{Series.parse(key).pair} 1h: as sent", now_ms=2)
    return signal, f"{key}@{signal.candle_ts}"


def test_an_alert_sent_before_the_archive_opens_re_rendered_without_its_chart_and_says_so(site, aws):
    # Given an alert about ETH's last signal that the notifier sent (claimed and marked sent in its log), its
    # message not kept (sent before the archive began)
    _, client, tokens, _ = site
    _, alert_id = _sent_decision(site, aws)
    # When the page opens it
    status, _, email = client.call("GET", f"/api/v1/alerts/{alert_id}/email", token=tokens["access_token"])
    # Then it gets the notifier's rendering without the chart (no matplotlib in the dashboard), and is told so
    assert status == 200 and email["source"] == "re-rendered" and "not archived" in email["note"]
    assert "without its chart" in email["note"]
    assert email["subject"] == "ETH/USD 1h: as sent" and "data:image/png;base64," not in email["html"]
    assert "cid:" not in email["html"] and "ETH/USD" in email["text"]


def test_an_archived_alert_opens_as_it_was_sent_with_its_chart(site, aws):
    # Given the message the notifier handed to SES for that alert, chart and all, kept in the archive bucket (after
    # the page re-rendered it in the test before: the archive is read each time, the re-rendering is what is kept)
    _, client, tokens, runtime = site
    signal, alert_id = _sent_decision(site, aws)
    view = AlertView(
        signal=signal, series=Series.parse(ETH), firings=tuple(signal.firings), candles=_candles(aws, runtime, signal)
    )
    rendered = render_email(view)
    assert rendered.images, "the sent email has its chart"
    message = build_message(
        rendered, sender="alerts@example.com", recipients=["trader@example.com"], message_id_domain="example.com"
    )
    SentEmails(aws.client("s3"), runtime.stack.outputs["ArchiveBucketName"]).put(
        ETH, signal.candle_ts, message.as_bytes()
    )
    # When the page opens it
    status, _, email = client.call("GET", f"/api/v1/alerts/{alert_id}/email", token=tokens["access_token"])
    # Then it is the sent message: its subject and text exactly, its chart inlined, the copy's address named
    assert status == 200 and email["source"] == "archived" and "trader@example.com" in email["note"]
    assert email["subject"] == rendered.subject and email["text"].strip() == rendered.text.strip()
    assert "data:image/png;base64," in email["html"] and "cid:" not in email["html"]


def _candles(aws, runtime, signal: Signal) -> tuple:
    table = aws.resource("dynamodb").Table(runtime.stack.outputs["CandlesTableName"])
    window = CandleStore(table, hot_window=0).window(
        Series.parse(signal.series), since_ts=signal.candle_ts - 200 * 3_600_000
    )
    return tuple(c for c in window if c.ts <= signal.candle_ts)


def test_the_openapi_document_lists_every_route_and_is_public(site):
    _, client, _, _ = site
    status, _, document = client.call("GET", "/openapi.json")
    assert status == 200
    assert {
        "/api/v1/overview",
        "/api/v1/series/{key}",
        "/api/v1/alerts",
        "/api/v1/alerts/{alert_id}/email",
        "/api/v1/auth/sign-in",
        "/api/v1/auth/new-password",
        "/api/v1/auth/refresh",
        "/api/v1/auth/sign-out",
    } <= set(document["paths"])
    assert document["paths"]["/api/v1/overview"]["get"]["security"] == [{"cognito": []}]
    assert "security" not in document["paths"]["/api/v1/auth/sign-in"]["post"]


def test_a_second_user_added_locally_signs_in(site):
    _, client, _, runtime = site
    password = add_user(runtime, "second@example.com")
    status, _, tokens = client.call(
        "POST", "/api/v1/auth/sign-in", {"email": "second@example.com", "password": password}
    )
    assert status == 200 and tokens["access_token"]


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _unb64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_an_answer_is_gzipped_for_a_client_that_accepts_it(site):
    dashboard, client, tokens, _ = site
    path = f"/api/v1/series/{BTC}?days=7"
    _, plain_headers, plain = client.call("GET", path, token=tokens["access_token"])
    request = urllib.request.Request(dashboard.url + path)  # noqa: S310 - loopback
    request.add_header("Authorization", f"Bearer {tokens['access_token']}")
    request.add_header("Accept-Encoding", "gzip")
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - loopback
        encoding, packed = answer.headers["Content-Encoding"], answer.read()
    assert "content-encoding" not in plain_headers
    assert encoding == "gzip" and json.loads(gzip.decompress(packed)) == plain
    assert len(packed) < len(json.dumps(plain)) / 2
