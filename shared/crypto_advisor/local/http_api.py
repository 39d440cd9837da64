"""The stack's HTTP API on localhost: requests become payload v2 events for the function, JWTs checked as AWS would.

What API Gateway does for an ``AWS::Serverless::HttpApi``, read from the
template (translated by aws-sam-translator, as ``sam deploy`` sends it): the
routes and which function each integrates, which routes the JWT authorizer
guards, and its issuer and audience (the user pool and app client the
embedded stack created, :mod:`.cognito`). For each request it

1. picks the route as API Gateway does (an exact path before a greedy
   ``{proxy+}``, the longest prefix first, a method before ``ANY``);
2. on a guarded route, checks the ``Authorization`` bearer token as the JWT
   authorizer does: an RS256 signature by a key of the issuer's JWKS (served
   by the embedded Cognito), ``iss`` equal to the issuer, ``aud`` (ID token) or
   ``client_id`` (access token) among the audiences, ``exp`` and ``nbf``; a
   failure is API Gateway's 401 ``{"message":"Unauthorized"}`` and the
   function is not invoked;
3. hands the function the path percent-decoded, as an HTTP API does
   (:func:`request_path`), and the query string as sent;
4. invokes the function in-process through the local runtime with the payload
   format 2.0 event (``requestContext.authorizer.jwt.claims`` filled) and turns
   its answer back into an HTTP response.

Invocations are serialized: the runtime sets the function's environment on
``os.environ`` for each call, as a Lambda instance has one request at a time.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from crypto_advisor.local.stack import ACCOUNT, REGION, Stack, to_cloudformation

NONE = "NONE"
UNAUTHORIZED = (401, {"content-type": "application/json"}, b'{"message":"Unauthorized"}')
INTERNAL_ERROR = (500, {"content-type": "application/json"}, b'{"message":"Internal Server Error"}')
BAD_REQUEST = (400, {"content-type": "application/json"}, b'{"message":"Bad Request"}')
NOT_FOUND = (404, {"content-type": "application/json"}, b'{"message":"Not Found"}')


class BadPath(ValueError):
    """A request path whose percent-escapes are not UTF-8 text: refused before any route (400)."""


def request_path(sent: str) -> str:
    """The path as an API Gateway HTTP API hands it to Lambda: percent-decoded once.

    Live captures (published in hotsock/voker#8, cited by middleapi/standard-server#93) show an HTTP API's
    payload 2.0 ``rawPath`` (and ``requestContext.http.path``) already decoded, where REST APIs and function URLs
    keep the encoding: ``/alerts/market%231h@1/email`` reaches the function as ``/alerts/market#1h@1/email``.
    Handing the function the path as sent would hide what breaks on AWS (a ``#`` matches no Powertools route).
    The query string is not decoded: ``rawQueryString`` stays as sent on AWS too. What AWS does with escapes that
    are not UTF-8 is not documented; here they are a 400 and the function is not invoked.
    """
    try:
        return unquote(sent, errors="strict")
    except UnicodeDecodeError:
        raise BadPath(f"path {sent!r}: its percent-escapes are not UTF-8 text") from None


class Unauthorized(Exception):
    """The JWT authorizer refused the request; the message says why (logged, never sent: AWS says only 401)."""


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    authorizer: str | None

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when this route takes the request, else None."""
        if self.method not in ("ANY", method):
            return None
        if self.path.endswith("/{proxy+}"):
            prefix = self.path.removesuffix("{proxy+}")
            return {"proxy": path[len(prefix) :]} if path.startswith(prefix) and len(path) > len(prefix) else None
        return {} if path == self.path else None

    def rank(self) -> tuple[int, int, int]:
        """API Gateway's precedence: exact paths, then the longest greedy prefix; a method before ANY."""
        greedy = self.path.endswith("{proxy+}")
        return (1 if greedy else 0, -len(self.path), 1 if self.method == "ANY" else 0)


@dataclass
class JwtAuthorizer:
    issuer: str
    audiences: tuple[str, ...]
    jwks_url: str
    _keys: KeySet | None = field(default=None, repr=False)

    def claims(self, authorization: str | None, now_s: float | None = None) -> dict[str, Any]:
        if not authorization:
            raise Unauthorized("no Authorization header")
        scheme, _, token = authorization.partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else authorization.strip()
        try:
            decoded = jwt.decode(token, self._key_set(), algorithms=["RS256"])
        except (JoseError, ValueError) as exc:
            raise Unauthorized(f"token does not verify: {exc}") from None
        claims = dict(decoded.claims)
        now = time.time() if now_s is None else now_s
        if claims.get("iss") != self.issuer:
            raise Unauthorized(f"issuer {claims.get('iss')!r} is not {self.issuer!r}")
        audience = claims.get("aud", claims.get("client_id"))
        audiences = audience if isinstance(audience, list) else [audience]
        if not any(a in self.audiences for a in audiences):
            raise Unauthorized(f"audience {audience!r} is not one of {self.audiences}")
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= now:
            raise Unauthorized("token expired")
        if isinstance(claims.get("nbf"), (int, float)) and claims["nbf"] > now:
            raise Unauthorized("token not valid yet")
        return claims

    def _key_set(self) -> KeySet:
        if self._keys is None:
            with urllib.request.urlopen(self.jwks_url, timeout=10) as answer:  # noqa: S310 - the embedded AWS
                self._keys = KeySet.import_key_set(json.loads(answer.read()))
        return self._keys


@dataclass
class HttpApi:
    """One ``AWS::Serverless::HttpApi`` of the embedded stack: its routes and authorizers."""

    name: str
    routes: list[Route]
    authorizers: dict[str, JwtAuthorizer]

    @classmethod
    def from_stack(cls, stack: Stack, logical_id: str) -> HttpApi:
        cfn = to_cloudformation(stack.sam_template)
        body = cfn["Resources"][logical_id]["Properties"]["Body"]
        resolve = _Resolver(stack)
        routes = []
        for path, methods in body["paths"].items():
            for method, operation in methods.items():
                uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
                function = re.search(r"\$\{(\w+)\.Arn\}", uri).group(1)  # type: ignore[union-attr]
                security = [name for entry in operation.get("security", []) for name in entry]
                authorizer = next((s for s in security if s != NONE), None)
                verb = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
                routes.append(Route(verb, path, function, authorizer))
        authorizers = {}
        for name, scheme in body.get("components", {}).get("securitySchemes", {}).items():
            config = scheme["x-amazon-apigateway-authorizer"]["jwtConfiguration"]
            issuer = resolve(config["issuer"])
            pool_id = issuer.rstrip("/").rsplit("/", 1)[1]
            authorizers[name] = JwtAuthorizer(
                issuer=issuer,
                audiences=tuple(resolve(a) for a in config["audience"]),
                jwks_url=f"{stack.aws.endpoint}/{pool_id}/.well-known/jwks.json",
            )
        return cls(logical_id, sorted(routes, key=Route.rank), authorizers)

    def route(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                return route, params
        return None


class _Resolver:
    """The intrinsics an authorizer's configuration uses, resolved against the embedded stack."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self._cognito = stack.aws.client("cognito-idp")

    def __call__(self, node: Any) -> str:
        if isinstance(node, str):
            return node
        if "Ref" in node:
            return self._physical(node["Ref"])
        text: str = node["Fn::Sub"]
        text = text.replace("${AWS::Region}", REGION).replace("${AWS::AccountId}", ACCOUNT)
        while "${" in text:
            name = text.split("${", 1)[1].split("}", 1)[0]
            text = text.replace("${" + name + "}", self._physical(name))
        return text

    def _physical(self, logical_id: str) -> str:
        """A user pool's id or an app client's id: created outside CloudFormation under the stack's names."""
        name = f"{self._stack.name}-{logical_id}"
        # Every page: one embedded AWS holds a pool per stack it created (the integration tests make dozens).
        pages = self._cognito.get_paginator("list_user_pools").paginate(PaginationConfig={"PageSize": 60})
        pools = [pool for page in pages for pool in page["UserPools"]]
        for pool in pools:
            if pool["Name"] == name:
                return str(pool["Id"])
        props = self._stack.sam_template["Resources"][logical_id]["Properties"]
        pool_name = f"{self._stack.name}-{props['UserPoolId']['Ref']}"
        pool_id = next(p["Id"] for p in pools if p["Name"] == pool_name)
        clients = self._cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
        return str(next(c["ClientId"] for c in clients if c["ClientName"] == props.get("ClientName", logical_id)))


def http_event(
    route: Route,
    params: Mapping[str, str],
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    claims: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The payload format 2.0 event API Gateway sends a Lambda integration.

    ``path`` is the path as API Gateway hands it on, percent-decoded (:func:`request_path`), and ``params`` the
    route's parameters taken from it; ``query`` is the query string as sent.
    """
    now = datetime.now(tz=UTC)
    lowered: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        lowered[key] = f"{lowered[key]},{value}" if key in lowered else value
    cookies = [c.strip() for c in lowered.pop("cookie", "").split(";") if c.strip()]
    params_q: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        params_q[name] = f"{params_q[name]},{value}" if name in params_q else value
    text_body = lowered.get("content-type", "").startswith(("application/json", "text/"))
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": lowered.get("host", "127.0.0.1"),
            "domainPrefix": lowered.get("host", "127.0.0.1").split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": bool(body) and not text_body,
    }
    if cookies:
        event["cookies"] = cookies
    if params_q:
        event["queryStringParameters"] = params_q
    if params:
        event["pathParameters"] = dict(params)
    if claims is not None:
        # API Gateway hands the claims on as strings (arrays as "[a b]"), with the scopes of the token if any.
        event["requestContext"]["authorizer"] = {
            "jwt": {"claims": {k: _claim_text(v) for k, v in claims.items()}, "scopes": None}
        }
    if body:
        event["body"] = body.decode() if text_body else base64.b64encode(body).decode()
    return event


def _claim_text(value: Any) -> str:
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    return str(value)


def http_response(answer: Any) -> tuple[int, dict[str, str], bytes]:
    """The function's answer (payload 2.0 response) as status, headers and body."""
    if not isinstance(answer, dict) or "statusCode" not in answer:
        body = json.dumps(answer).encode()
        return 200, {"content-type": "application/json"}, body
    raw = answer.get("body") or ""
    body = base64.b64decode(raw) if answer.get("isBase64Encoded") else str(raw).encode()
    headers = {k.lower(): str(v) for k, v in (answer.get("headers") or {}).items()}
    for name, values in (answer.get("multiValueHeaders") or {}).items():
        headers[name.lower()] = ", ".join(str(v) for v in values)
    return int(answer["statusCode"]), headers, body


class LocalHttpApi:
    """Serves one HTTP API of the embedded stack on ``host:port`` until :meth:`stop`."""

    def __init__(
        self,
        runtime: Any,
        logical_id: str,
        *,
        host: str = "127.0.0.1",
        port: int = 8765,
        collaborators: Mapping[str, Any] | None = None,
    ) -> None:
        self.runtime = runtime
        #: passed to every invocation (the simulated market as DashboardFunction's ``sources``)
        self.collaborators = dict(collaborators or {})
        self.api = HttpApi.from_stack(runtime.stack, logical_id)
        self._lock = threading.Lock()
        self._server = QuietServer((host, port), _handler_class(self))
        self._thread: threading.Thread | None = None
        #: why each refused request was refused, newest last (the console of a local run, and the tests)
        self.refusals: list[str] = []

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalHttpApi:
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-http-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(target)
        try:
            path = request_path(split.path)
        except BadPath as why:
            self.refusals.append(f"{method} {split.path}: {why}")
            return BAD_REQUEST
        found = self.api.route(method, path)
        if found is None:
            return NOT_FOUND
        route, params = found
        claims = None
        if route.authorizer is not None:
            auth = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
            try:
                claims = self.api.authorizers[route.authorizer].claims(auth)
            except Unauthorized as why:
                self.refusals.append(f"{method} {split.path}: {why}")
                return UNAUTHORIZED
        event = http_event(
            route, params, method=method, path=path, query=split.query, headers=headers, body=body, claims=claims
        )
        with self._lock:
            answer = self.runtime.invoke(route.function, event, **self.collaborators)
        return http_response(answer)


class QuietServer(ThreadingHTTPServer):
    """A browser that leaves a page drops its connections: that is not an error worth a traceback on the console."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # BrokenPipeError, ConnectionResetError, ...
            return
        super().handle_error(request, client_address)


def _handler_class(api: LocalHttpApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                status, headers, payload = api.handle(self.command, self.path, dict(self.headers.items()), body)
            except Exception as exc:  # noqa: BLE001 - the function failed: API Gateway answers 500, the log says why
                api.refusals.append(f"{self.command} {self.path}: the function failed: {exc!r}")
                status, headers, payload = INTERNAL_ERROR
            self.send_response(status)
            for name, value in headers.items():
                if name not in ("content-length", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
