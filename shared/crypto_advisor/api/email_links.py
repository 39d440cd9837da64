"""``/email/mute`` and ``/email/unsubscribe``: the public pages an alert email's links open (no sign-in).

The link is the credential: its ``token`` (:mod:`crypto_advisor.contracts.link_token`)
is signed with the stack's link key for one action and expires. Mail scanners
and link previews fetch every URL in a message, so **a GET never acts**: it
shows what the link would do and a button; the button's POST acts. RFC 8058's
one-click unsubscribe is a POST of ``List-Unsubscribe=One-Click`` to the
``List-Unsubscribe`` URL, which is this page's own, so it acts without a page.
A link acts once: its token's nonce is spent in the same DynamoDB transaction
as the change (:mod:`crypto_advisor.adapters.settings_store`).

Every refusal has its own page and status, and changes nothing: a token that
is not one (400), altered or signed with another key (400), for another action
(400), expired (410), already used (409). The pages load nothing (a CSP of
``default-src 'none'`` with the one style block's hash), are never cached and
send no Referer (the token is in the URL).
"""

from __future__ import annotations

import base64
import hashlib
import html
import time
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from crypto_advisor.analysis.rule_titles import title_of
from crypto_advisor.api.steering_context import link_key_of, steering_of
from crypto_advisor.contracts.link_token import LinkAction, LinkClaims, LinkTokenError, verify
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.steering import utc_text
from crypto_advisor.contracts.units import DAY_MS
from crypto_advisor.steering.service import Steering
from crypto_advisor.telemetry.observability import logger

router = APIGatewayHttpRouter()

_STYLE = (
    "body{font-family:system-ui,Arial,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5;"
    "color:#1f2328;background:#fff}@media (prefers-color-scheme:dark){body{color:#e6edf3;background:#0d1117}}"
    "button{font-size:1rem;padding:.6rem 1.2rem;border-radius:6px;border:1px solid #1a7f37;background:#1a7f37;"
    "color:#fff;cursor:pointer}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
_REFUSED = {
    "malformed": (400, "This link is not valid", "It is not a link this dashboard sent. Nothing was changed."),
    "altered": (400, "This link is not valid", "It was changed after it was sent. Nothing was changed."),
    "wrong_action": (400, "This link is not valid", "It was not made for this action. Nothing was changed."),
    "expired": (410, "This link has expired", "Nothing was changed. Use a link from a newer email, or Settings."),
    "spent": (409, "This link was already used", "It acts once, and it did. Nothing more was changed."),
}


def _page(status: int, title: str, body: str) -> Response[str]:
    document = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return Response(status_code=status, content_type=content_types.TEXT_HTML, body=document, headers=HEADERS)


def _refused(error: LinkTokenError, action: LinkAction) -> Response[str]:
    status, title, text = _REFUSED[error.refusal]
    logger.info("email link refused", action=action, refusal=error.refusal)
    return _page(status, title, f"<p>{html.escape(text)}</p>")


def _what(claims: LinkClaims) -> str:
    """What the link will do, in the email's own words ("Mute RSI oversold alerts on BTC/USD 1h"), not its ids."""
    if claims.action == "unsubscribe":
        return f"Stop sending alert emails and the daily digest to {claims.recipient}."
    target = f"{title_of(claims.rule, '') or claims.rule} alerts" if claims.rule else "every alert"
    days = (claims.duration_ms or 0) / DAY_MS
    span = f"{days:g} days" if days >= 2 else f"{days * 24:g} hours"
    return f"Mute {target} on {_series_words(claims.series)} for {span} (from when you confirm)."


def _series_words(key: str | None) -> str:
    """``kraken:BTC-USD:1h`` as the email names it, ``BTC/USD 1h``; a key that does not parse as it came."""
    try:
        series = Series.parse(key or "")
    except ValueError:
        return str(key)
    return series.label


def _steering() -> Steering:
    return steering_of(router)


def _verified(token: str, action: LinkAction) -> LinkClaims:
    key = link_key_of(router)
    return verify(token, key, action=action, now_ms=int(time.time() * 1000))


def _confirm(token: str, action: LinkAction) -> Response[str]:
    try:
        claims = _verified(token, action)
        if _steering().link_used(claims):
            raise LinkTokenError("spent", "already used")
    except LinkTokenError as exc:
        return _refused(exc, action)
    button = "Unsubscribe" if action == "unsubscribe" else "Mute"
    return _page(
        200,
        "Confirm" if action == "mute" else "Unsubscribe?",
        f"<p>{html.escape(_what(claims))}</p>"
        f'<form method="post"><input type="hidden" name="confirm" value="yes">'
        f'<button type="submit">{button}</button></form>',
    )


def _act(token: str, action: LinkAction) -> Response[str]:
    now_ms = int(time.time() * 1000)
    try:
        claims = _verified(token, action)
        said = _steering().act_on_link(claims, now_ms=now_ms)
    except LinkTokenError as exc:
        return _refused(exc, action)
    logger.info("email link used", action=action, who=claims.recipient, series=claims.series, rule=claims.rule)
    title = "Unsubscribed" if action == "unsubscribe" else "Muted"
    more = "Settings on the dashboard can undo it" + (
        f" before {utc_text(now_ms + claims.duration_ms)}." if claims.duration_ms else "."
    )
    return _page(200, title, f"<p>{html.escape(said)}.</p><p>{html.escape(more)}</p>")


_TOKEN = Query(max_length=4096, description="the link's signed token")


@router.get("/email/mute", include_in_schema=False)
def confirm_mute(token: Annotated[str, _TOKEN] = "") -> Response[str]:
    return _confirm(token, "mute")


@router.post("/email/mute", include_in_schema=False)
def do_mute(token: Annotated[str, _TOKEN] = "") -> Response[str]:
    return _act(token, "mute")


@router.get("/email/unsubscribe", include_in_schema=False)
def confirm_unsubscribe(token: Annotated[str, _TOKEN] = "") -> Response[str]:
    return _confirm(token, "unsubscribe")


@router.post("/email/unsubscribe", include_in_schema=False)
def do_unsubscribe(token: Annotated[str, _TOKEN] = "") -> Response[str]:
    """Also RFC 8058's one-click POST (body ``List-Unsubscribe=One-Click``): the token alone decides."""
    return _act(token, "unsubscribe")
