"""The web app's files (HTML, JS, CSS, fonts, images), served by the same function as the API: one origin.

The files come from a folder beside the handler (``functions/dashboard/static/``,
what the web build writes); a path that leaves it, or names a file it does
not hold, is a 404. HTML is never cached (a deploy shows at once); the
hashed bundles could be, but nothing here knows which are hashed, so every
answer says ``no-cache`` and the browser revalidates.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from crypto_advisor.api.context import static_root_of

router = Router()

_TEXT = ("text/", "application/javascript", "application/json", "image/svg+xml")


def _file(root: Path | None, relative: str) -> Response[str]:
    if root is None:
        return _missing(relative)
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()) or not target.is_file():
        return _missing(relative)
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    body = target.read_bytes()
    if content_type.startswith(_TEXT):
        content_type += "; charset=utf-8"
    return Response(
        status_code=200,
        content_type=content_type,
        body=body,  # type: ignore[arg-type]  # bytes: Powertools answers base64-encoded
        headers={"Cache-Control": "no-cache"},
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
