"""The signed token an email link carries: what it may do, for whom, until when.

An alert email links to one-click actions (mute a rule on a series for 24 hours
or 7 days, unsubscribe) that must work without signing in, so the link itself
is the credential. Its token is ``<payload>.<signature>``: the payload is the
base64url of a small JSON document (:class:`LinkClaims`), the signature the
base64url of HMAC-SHA256 over the payload's text with the stack's link key
(a Secrets Manager secret the stack generates; never logged, never in a page).

- **scoped**: the claims name one action and its target; :func:`verify` is told
  which action the route performs and refuses a token of another, so an
  unsubscribe token cannot mute and a mute of RSI on BTC cannot mute ETH;
- **expiring**: ``expires_ms``; an expired token is refused with its own reason;
- **tamper-evident**: any change to the payload or the signature fails the
  constant-time comparison (:func:`hmac.compare_digest`);
- **single use**: ``nonce`` is the token's id; the store records it as spent in
  the same DynamoDB transaction that applies the action
  (:mod:`crypto_advisor.adapters.settings_store`), so a reused link changes
  nothing. That record is not this module's: here is the pure part, no clock
  (``now_ms`` comes in) and no key lookup.

Why HMAC and not a JWT library: one algorithm, one key, no header to negotiate
(no ``alg: none``), and the standard library does it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crypto_advisor.contracts.units import DAY_MS

LinkAction = Literal["mute", "unsubscribe"]
#: Why a token was refused; each has its own page (:mod:`crypto_advisor.api.email_links`).
Refusal = Literal["malformed", "altered", "expired", "wrong_action", "spent"]
#: The shortest key :func:`sign` and :func:`verify` accept: HMAC-SHA256 with less than 32 bytes is weaker than its hash.
MIN_KEY_BYTES = 32
#: How long an email's links work: 30 days, so an email read weeks later can still be muted or unsubscribed from.
LINK_LIFETIME_MS = 30 * DAY_MS


class LinkTokenError(ValueError):
    """A token that may not act; ``refusal`` says which way it failed (the page shown says it in words)."""

    def __init__(self, refusal: Refusal, message: str) -> None:
        super().__init__(message)
        self.refusal: Refusal = refusal


class LinkClaims(BaseModel):
    """What a link may do. ``series``/``rule``/``duration_ms`` name a mute's target; ``recipient`` who asked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: LinkAction
    #: the address the email went to: who the change is recorded as, and whom an unsubscribe removes
    recipient: str = Field(min_length=3, max_length=254)
    expires_ms: int = Field(gt=0)
    #: the token's id, recorded as spent when it acts (single use)
    nonce: str = Field(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    series: str | None = Field(default=None, max_length=120)
    #: None with a series: the whole series
    rule: str | None = Field(default=None, max_length=140)
    duration_ms: int | None = Field(default=None, gt=0, le=366 * DAY_MS)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _checked_key(key: bytes) -> bytes:
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the link key has {len(key)} bytes; at least {MIN_KEY_BYTES} are needed")
    return key


def _signature(key: bytes, payload: str) -> str:
    return _b64(hmac.new(_checked_key(key), payload.encode("ascii"), hashlib.sha256).digest())


def sign(claims: LinkClaims, key: bytes) -> str:
    """The token for ``claims``: URL-safe, no padding, so it sits in a query string as it is."""
    payload = _b64(json.dumps(claims.model_dump(exclude_none=True), separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_signature(key, payload)}"


def verify(token: str, key: bytes, *, action: LinkAction, now_ms: int) -> LinkClaims:
    """The claims of a token signed with ``key`` for ``action`` and not expired at ``now_ms``.

    Raises :class:`LinkTokenError`: ``malformed`` (not a token at all, e.g. not ASCII),
    ``altered`` (the signature does not match: changed, or signed with another
    key), ``wrong_action`` (a valid token for another action), ``expired``.
    The signature is checked before anything in the payload is believed.
    """
    payload, dot, signature = token.strip().partition(".")
    # A token this dashboard issues is base64url text, so ASCII: anything else (a link mangled by a mail client)
    # is refused here, before the signature is computed over it or compared with it (neither takes non-ASCII text).
    if not dot or not payload or not signature or len(token) > 2048 or not token.isascii():
        raise LinkTokenError("malformed", "the link's token is not one this dashboard issues")
    if not hmac.compare_digest(_signature(key, payload), signature):
        raise LinkTokenError("altered", "the link's token does not carry a valid signature: it was changed")
    try:
        claims = LinkClaims.model_validate(json.loads(_unb64(payload)))
    except (binascii.Error, ValueError, ValidationError) as exc:
        # Signed by us but unreadable: another version's format. Nothing in it is acted on.
        raise LinkTokenError("malformed", f"the link's token could not be read: {type(exc).__name__}") from None
    if claims.action != action:
        raise LinkTokenError("wrong_action", f"this link is for {claims.action}, not {action}")
    if now_ms >= claims.expires_ms:
        raise LinkTokenError("expired", "this link has expired")
    return claims
