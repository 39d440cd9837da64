"""The web app's files (HTML, JS, CSS, fonts, images), served by the same function as the API: one origin.

The files come from a folder beside the handler (``functions/dashboard/static/``,
what the web build writes); a path that leaves it, or names a file it does
not hold, is a 404. The caching, so that a returning reader's page load asks
for nothing but the page and its data:

- **The bundles are immutable.** The web build names them ``<name>-<hash>.js`` and ``.css`` (esbuild's
  ``[name]-[hash]``, :data:`HASHED`), so a name never holds other content: they are cached for a year and never
  revalidated. A deploy changes the names in ``index.html``.
- **Everything else is revalidated** (``no-cache``): ``index.html`` must show a deploy at once. Each answer
  carries an ``ETag`` (its content's hash), and a request whose ``If-None-Match`` names it gets a bodiless 304.
- **Text is sent gzipped** to a browser that accepts it (the script is about 200 KB, 70 KB gzipped; the HTTP API
  compresses nothing itself). A file's bytes and hash are kept in memory while its modification time is
  unchanged (a container's files never change; locally ``make web`` may rebuild them under a running server).
"""

from __future__ import annotations

import functools
import hashlib
import mimetypes
import re
from pathlib import Path

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from crypto_advisor.api.context import static_root_of

router = Router()

_TEXT = ("text/", "application/javascript", "application/json", "image/svg+xml")
#: The web build's content-hashed names (esbuild's ``[name]-[hash]``: eight base32 letters or digits).
HASHED = re.compile(r"^[a-z][a-z0-9_]*-[A-Z0-9]{8}\.(js|css)$")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


@functools.lru_cache(maxsize=32)
def _content(target: Path, _mtime_ns: int) -> tuple[bytes, str]:
    """A file's bytes and its ETag (its content's hash)."""
    body = target.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _file(root: Path | None, relative: str) -> Response[str]:
    if root is None:
        return _missing(relative)
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()) or not target.is_file():
        return _missing(relative)
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    body, etag = _content(target, target.stat().st_mtime_ns)
    headers = {"Cache-Control": IMMUTABLE if HASHED.match(target.name) else REVALIDATE, "ETag": etag}
    text = content_type.startswith(_TEXT)
    if text:
        content_type += "; charset=utf-8"
        headers["Vary"] = "Accept-Encoding"
    asked = router.current_event.headers.get("if-none-match") or ""
    if etag in (tag.strip().removeprefix("W/") for tag in asked.split(",")):
        return Response(status_code=304, body="", headers=headers, compress=False)
    return Response(
        status_code=200,
        content_type=content_type,
        body=body,  # type: ignore[arg-type]  # bytes: Powertools answers base64-encoded
        headers=headers,
        compress=text,  # gzipped by Powertools when the request accepts it
    )


def _missing(relative: str) -> Response[str]:
    return Response(status_code=404, content_type="text/plain; charset=utf-8", body=f"not found: /{relative}\n")


@router.get("/", include_in_schema=False)
def index() -> Response[str]:
    return _file(static_root_of(router), "index.html")


@router.get("/static/.+", include_in_schema=False)
def static_file() -> Response[str]:
    path = router.current_event.path
    return _file(static_root_of(router), path.removeprefix("/static/"))
