"""DashboardFunction: the HTTP API's one integration, serving the JSON API, the OpenAPI document and the web app.

Thin: settings from the environment (once per request: a frozen model, the
composition root caches on it), the resolver of :mod:`crypto_advisor.api.app`
routes the HTTP API's payload v2 event. The JWT was checked by the HTTP API's
authorizer before the event got here (``requestContext.authorizer.jwt``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from crypto_advisor.api.app import resolver
from crypto_advisor.telemetry.observability import logger
from crypto_advisor.wiring.dashboard import DashboardSettings

if TYPE_CHECKING:  # an annotation only: the cold import leaves the ingest contracts out
    from crypto_advisor.ingest.ports import MarketSource

#: The web app's built files, packaged with this function (the web build writes them here).
STATIC_ROOT = Path(__file__).parent / "static"

app = resolver()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, sources: Mapping[str, MarketSource] | None = None
) -> dict[str, Any]:
    """``sources`` replaces the real exchanges Settings asks about a new series (the local runtime's simulated
    market); None means real."""
    app.append_context(settings=DashboardSettings.from_env(os.environ), static_root=STATIC_ROOT, sources=sources)
    return app.resolve(event, context)
