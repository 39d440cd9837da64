"""Sign-in through the API itself (``/api/v1/auth``): the page never contacts Cognito's origin.

Public routes (the HTTP API's authorizer does not guard them). The tokens go
back as JSON for the page to keep in memory or sessionStorage and send as
``Authorization: Bearer``; no cookie is set, so there is nothing to forge a
cross-site request with.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import UnauthorizedError
from pydantic import BaseModel, ConfigDict, Field

from crypto_advisor.api.context import settings_of
from crypto_advisor.contracts.auth import NewPasswordRequired, TokenSet
from crypto_advisor.contracts.watchlist import EMAIL_ADDRESS
from crypto_advisor.dashboard.answers import Challenge, Tokens
from crypto_advisor.wiring.dashboard import sign_in

router = Router()


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class SignIn(_Input):
    email: str = Field(pattern=f"^{EMAIL_ADDRESS}$", max_length=254)
    password: str = Field(min_length=1, max_length=256)


class NewPassword(_Input):
    email: str = Field(pattern=f"^{EMAIL_ADDRESS}$", max_length=254)
    session: str = Field(min_length=20, max_length=4096, description="the session of the NEW_PASSWORD_REQUIRED answer")
    new_password: str = Field(min_length=8, max_length=256)


class Refresh(_Input):
    refresh_token: str = Field(min_length=20, max_length=8192)


@router.post("/auth/sign-in", tags=["auth"], summary="Email and password: tokens, or a new password to set")
def post_sign_in(body: SignIn) -> Tokens | Challenge:
    result = sign_in(settings_of(router)).sign_in(body.email, body.password)
    if isinstance(result, NewPasswordRequired):
        return Challenge(challenge="NEW_PASSWORD_REQUIRED", session=result.session, email=result.email)
    return tokens(result)


@router.post("/auth/new-password", tags=["auth"], summary="Answer NEW_PASSWORD_REQUIRED: tokens")
def post_new_password(body: NewPassword) -> Tokens:
    return tokens(sign_in(settings_of(router)).new_password(body.email, body.session, body.new_password))


@router.post("/auth/refresh", tags=["auth"], summary="A refresh token: fresh access and id tokens")
def post_refresh(body: Refresh) -> Tokens:
    return tokens(sign_in(settings_of(router)).refresh(body.refresh_token))


@router.post("/auth/sign-out", tags=["auth"], summary="The bearer token's user: every refresh token revoked")
def post_sign_out() -> Response[str]:
    """Sign-out that a copied refresh token does not outlive (the page also forgets its tokens): Cognito's
    GlobalSignOut for the access token in ``Authorization``, so the user's every session ends, this one included.
    A public route like sign-in (the token is the credential); a refused token is the usual 401."""
    token = bearer_token(router.current_event.headers)
    if token is None:
        raise UnauthorizedError("sign-out takes the session's access token as Authorization: Bearer")
    sign_in(settings_of(router)).sign_out(token)
    return Response(status_code=204, content_type="text/plain", body="")


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of a request's ``Authorization: Bearer <token>`` header; None without one of a plausible size."""
    scheme, _, token = (headers.get("authorization") or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and 20 <= len(token) <= 8192 else None


def tokens(t: TokenSet) -> Tokens:
    return Tokens(
        access_token=t.access_token, id_token=t.id_token, refresh_token=t.refresh_token, expires_in=t.expires_in
    )
