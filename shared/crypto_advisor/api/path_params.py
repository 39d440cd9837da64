"""A path parameter as every route takes it: percent-decoded once, before the route's own checks.

The resolver matches a route against the event's ``rawPath``, and the local HTTP
API (:mod:`crypto_advisor.local.http_api`) hands that over as the request sent
it, still percent-encoded. The web app encodes each part it puts in a path
(``pathPart``: ``encodeURIComponent``, so ``market#1h`` travels as
``market%231h`` and ``jane+alerts@example.com`` as ``jane%2Balerts@...``), and
Powertools passes a matched segment on as it is. So a route's parameter is
decoded here, in the one place every path parameter goes through, and exactly
once: ``%2523`` is the text ``%23``, never ``#``. ``+`` stays ``+`` (it means a
space only in a query string). A segment without a ``%`` is unchanged.

Use it as the parameter's type, with the route's own constraints, which then
apply to the decoded text: ``key: Annotated[PathText, Path(pattern=...)]``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from pydantic import BeforeValidator


def decoded(value: object) -> object:
    """``value`` percent-decoded once; ValueError (the app's 422 naming the parameter) if its escapes are not UTF-8."""
    if not isinstance(value, str):
        return value
    try:
        return unquote(value, errors="strict")
    except UnicodeDecodeError:
        raise ValueError("its percent-escapes are not UTF-8 text") from None


#: The type of every path parameter: text, decoded once before it is validated.
PathText = Annotated[str, BeforeValidator(decoded)]
