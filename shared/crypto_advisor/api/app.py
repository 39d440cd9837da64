"""The dashboard's resolver: the routers joined, errors answered as JSON, security headers on every answer.

* ``/api/v1/...``: the JSON API (:mod:`.read_routes`, :mod:`.auth_routes`, and
  :mod:`.settings_routes`);
* ``/email/mute``, ``/email/unsubscribe``: an alert email's links (:mod:`.email_links`, public);
* ``/openapi.json``: the OpenAPI document the event handler generates from
  the routes and their pydantic models;
* ``/`` and ``/static/...``: the web app (:mod:`.static_files`).

A bad input is a 422 naming each field at fault (``query.limit``,
``body.email``), before any route runs, so nothing is read or written for it;
an unknown series or alert is a 404 naming it; a store that cannot be read is
a 503 saying which (logged as an error). Every answer carries a strict
Content-Security-Policy (nothing but this origin; no inline script), and API
answers are never cached.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from crypto_advisor.api import auth_routes, email_links, read_routes, settings_routes, static_files
from crypto_advisor.contracts.auth import SignInError
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.dashboard.alert_history import CursorError
from crypto_advisor.dashboard.service import NotFoundError
from crypto_advisor.telemetry.observability import logger

API_PREFIX = "/api/v1"
TITLE = "crypto-advisor dashboard API"
VERSION = "1"

#: The web app's policy: its own origin only, no inline script, no framing by others. Email previews come as
#: HTML inside JSON; the page shows them in a sandboxed frame (``srcdoc``), whose images are ``data:`` URLs.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self';"
    " connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self';"
    " object-src 'none'"
)
#: JSON answers are data, never a document.
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def _security_headers(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
    response = next_middleware(app)
    api = app.current_event.path.startswith(API_PREFIX) or app.current_event.path == "/openapi.json"
    # A page that sets its own (stricter) policy keeps it: the email-link pages allow nothing but their one style.
    response.headers.setdefault("Content-Security-Policy", API_CSP if api else PAGE_CSP)
    response.headers.update(
        {
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Strict-Transport-Security": "max-age=31536000",
        }
    )
    if api:
        response.headers["Cache-Control"] = "no-store"
        # gzipped when the request accepts it (Powertools checks Accept-Encoding): a series page's JSON is about
        # 150 KB, 40 KB gzipped, and the HTTP API passes a Lambda's body through uncompressed
        response.compress = True
    return response


def _json(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status_code=status, content_type="application/json", body=json.dumps(body))


def resolver() -> APIGatewayHttpResolver:
    """A fresh resolver with every router: the handler keeps one per container, tests build their own."""
    app = APIGatewayHttpResolver(enable_validation=True)
    app.use(middlewares=[_security_headers])
    app.include_router(read_routes.router, prefix=API_PREFIX)
    app.include_router(auth_routes.router, prefix=API_PREFIX)
    app.include_router(settings_routes.router, prefix=API_PREFIX)
    app.include_router(email_links.router)
    app.include_router(static_files.router)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi() -> Response[str]:
        return Response(status_code=200, content_type="application/json", body=openapi_document(app))

    @app.exception_handler(RequestValidationError)
    def invalid(exc: RequestValidationError) -> Response[str]:
        fields = [{"field": ".".join(str(part) for part in e["loc"]), "message": e["msg"]} for e in exc.errors()]
        message = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return _json(422, {"error": f"invalid input: {message}", "fields": fields})

    @app.exception_handler(NotFoundError)
    def not_found(exc: NotFoundError) -> Response[str]:
        return _json(404, {"error": str(exc)})

    @app.exception_handler([ValueError, CursorError])
    def bad_value(exc: ValueError) -> Response[str]:
        return _json(400, {"error": str(exc)})

    @app.exception_handler(SignInError)
    def refused(exc: SignInError) -> Response[str]:
        body: dict[str, Any] = {"error": str(exc)}
        if exc.field is not None:
            body["fields"] = [{"field": f"body.{exc.field}", "message": str(exc)}]
        return _json(exc.status, body)

    @app.exception_handler(StorageError)
    def unavailable(exc: StorageError) -> Response[str]:
        logger.error("store unreadable", error=str(exc), path=app.current_event.path)
        return _json(503, {"error": f"a store could not be read: {exc}"})

    @app.not_found
    def unknown(_: Exception) -> Response[str]:
        return _json(404, {"error": f"no route {app.current_event.http_method} {app.current_event.path}"})

    return app


def openapi_document(app: APIGatewayHttpResolver) -> str:
    """The OpenAPI document of ``app``'s routes, with the bearer scheme the HTTP API's JWT authorizer enforces.

    Powertools' OpenAPI models are imported here, by the one route that serves the document, and not with the
    module: defining them takes about 0.3 s (their ``model_rebuild`` calls), which validating a request never
    needs, and every cold start of DashboardFunction paid it for a document the web app never asks for.
    """
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    return app.get_openapi_json_schema(
        title=TITLE,
        version=VERSION,
        description="Sign in with POST /api/v1/auth/sign-in; send the access token as Authorization: Bearer.",
        security_schemes={"cognito": HTTPBearer(bearerFormat="JWT")},
    )
