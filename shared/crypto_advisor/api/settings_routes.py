"""``/api/v1/settings``: the Settings page's routes, a Powertools Router the dashboard's app includes under /api/v1.

Every route sits behind the HTTP API's Cognito JWT authorizer; the change is
recorded as the signed-in user's email address (:func:`_who`). Bodies are
pydantic models (:mod:`crypto_advisor.steering.service`),
so a malformed one gets the app's 422 naming the field before anything runs;
a change the watchlist check or the source refuses gets the same 422 shape,
``{"error": "...", "fields": [{"field": "body.<field>", "message": "..."}]}``,
and nothing is written. The routes and their answers are listed in the README
("Settings API").

The app passes the local runtime's simulated sources in its context as
``sources`` (``app.append_context(sources=...)``); without them the real
exchanges are asked whether they list a new series.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import UnauthorizedError
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from crypto_advisor.adapters.cognito_sign_in import CognitoSignIn
from crypto_advisor.api.auth_routes import bearer_token
from crypto_advisor.api.context import settings_of
from crypto_advisor.api.path_params import PathText
from crypto_advisor.api.steering_context import steering_of
from crypto_advisor.contracts.auth import SignInError
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.watchlist import Entry
from crypto_advisor.steering.service import (
    EditConflict,
    MuteRequest,
    NotEditable,
    NotFound,
    PolicyChange,
    SettingsRejected,
    SourceUnavailable,
    Steering,
    Who,
)
from crypto_advisor.telemetry.observability import logger
from crypto_advisor.wiring.dashboard import sign_in

router = APIGatewayHttpRouter()
PREFIX = "/settings"


def _steering() -> Steering:
    return steering_of(router)


def _now_ms() -> int:
    return int(time.time() * 1000)


def cognito_of(r: Router) -> CognitoSignIn:
    """The stack's user pool, as the sign-in routes reach it (the unit tests give a stubbed one)."""
    return sign_in(settings_of(r))


def _who() -> Who:
    """The signed-in user as the history and the mutes name them: their email address, as an email's link names its
    recipient, so that one person reads the same in both.

    An ID token carries the address (``email``). The access token the page sends does not: with the pool's usernames
    being addresses, it names the user only by ``sub`` (its ``username`` is the sub too), so Cognito is asked with that
    token (:meth:`CognitoSignIn.email_of`): one call per change, and only on a change, never on a read. If Cognito
    cannot say, the change is still made (a name lookup is no reason to lose it), recorded under the token's username,
    with a warning saying why.
    """
    claims = router.current_event.request_context.authorizer.jwt_claim
    if claims.get("email"):
        return Who(str(claims["email"]))
    user = claims.get("cognito:username") or claims.get("username") or claims.get("sub")
    if not user:
        raise UnauthorizedError("no signed-in user in the request's token")
    token = bearer_token(router.current_event.headers)
    try:
        if token is not None:
            return Who(cognito_of(router).email_of(token))
        reason = "the request has no Authorization: Bearer token to ask Cognito with"
    except (SignInError, StorageError) as exc:
        reason = str(exc)
    logger.warning(
        "signed-in user's email address not found: the change is recorded under the token's username",
        user=str(user),
        reason=reason,
    )
    return Who(str(user))


def _json(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


@router.exception_handler(SettingsRejected)
def _rejected(exc: SettingsRejected) -> Response[str]:
    logger.info("settings change refused", field=exc.field, reason=str(exc))
    field = "body" if exc.field == "body" else f"body.{exc.field}"
    return _json(422, {"error": f"invalid input: {field}: {exc}", "fields": [{"field": field, "message": str(exc)}]})


@router.exception_handler(NotFound)
def _not_found(exc: NotFound) -> Response[str]:
    return _json(404, {"error": str(exc)})


@router.exception_handler(NotEditable)
def _not_editable(exc: NotEditable) -> Response[str]:
    return _json(409, {"error": str(exc)})


@router.exception_handler(EditConflict)
def _conflict(exc: EditConflict) -> Response[str]:
    logger.warning("settings change not saved: the watchlist kept changing", reason=str(exc))
    return _json(409, {"error": str(exc)})


@router.exception_handler(SourceUnavailable)
def _source_down(exc: SourceUnavailable) -> Response[str]:
    logger.warning("settings change not checked: source unavailable", reason=str(exc))
    return _json(503, {"error": str(exc)})


@router.get(PREFIX, summary="The alert policy, the digest, the series, the mutes in force and who unsubscribed")
def get_settings() -> dict[str, Any]:
    return _steering().settings(now_ms=_now_ms(), default_recipients=settings_of(router).default_recipients)


@router.put(f"{PREFIX}/policy", summary="Change the alert policy (alerts:) and the digest (digest:) in the watchlist")
def put_policy(change: Annotated[PolicyChange, Body()]) -> dict[str, Any]:
    who = _who()
    done = _steering().change_policy(change, who, now_ms=_now_ms())
    logger.info("alert policy changed", who=who.user, summary=done["summary"])
    return done


@router.post(f"{PREFIX}/series", summary="Add a series, checked as the watchlist is and against its source")
def post_series(entry: Annotated[Entry, Body()]) -> Response[str]:
    who = _who()
    done = _steering().add_series(entry, who, now_ms=_now_ms())
    logger.info("series added", who=who.user, summary=done["summary"])
    return _json(201, done)


@router.delete(f"{PREFIX}/series/<key>", summary="Remove a series (its key, e.g. kraken:BTC-USD:1h)")
def delete_series(key: Annotated[PathText, Path(min_length=5, max_length=120)]) -> dict[str, Any]:
    who = _who()
    done = _steering().remove_series(key, who, now_ms=_now_ms())
    logger.info("series removed", who=who.user, summary=done["summary"])
    return done


@router.post(f"{PREFIX}/mutes", summary="Mute a rule of a series, or the whole series, until a time")
def post_mute(request: Annotated[MuteRequest, Body()]) -> Response[str]:
    who = _who()
    mute = _steering().mute(request, who, now_ms=_now_ms())
    logger.info("muted", who=who.user, series=mute["series"], rule=mute["rule"], until_ms=mute["until_ms"])
    return _json(201, mute)


@router.delete(f"{PREFIX}/mutes", summary="Unmute (the rule, or without one the whole-series mute)")
def delete_mute(
    series: Annotated[str, Query(min_length=5, max_length=120)],
    rule: Annotated[str | None, Query(max_length=140)] = None,
) -> dict[str, Any]:
    who = _who()
    _steering().unmute(series, rule or None, who, now_ms=_now_ms())
    logger.info("unmuted", who=who.user, series=series, rule=rule)
    return {"series": series, "rule": rule or None, "unmuted": True}


@router.delete(f"{PREFIX}/unsubscribed/<address>", summary="Send alerts again to an address that unsubscribed")
def delete_unsubscribed(address: Annotated[PathText, Path(min_length=3, max_length=254)]) -> dict[str, Any]:
    who = _who()
    _steering().resubscribe(address, who, now_ms=_now_ms())
    return {"address": address, "subscribed": True}


@router.get(f"{PREFIX}/history", summary="Every change, newest first: who, when, what")
def get_history(limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict[str, Any]:
    return {"changes": _steering().history(limit)}
