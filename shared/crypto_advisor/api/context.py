"""What every router reads from the request's context: the settings the handler validated at its start.

The handler calls ``app.append_context(settings=..., static_root=...)`` before
resolving; Powertools hands that context to every included router and clears
it after the request, so no router holds a client or a setting of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from crypto_advisor.dashboard.service import Dashboard
from crypto_advisor.wiring.dashboard import DashboardSettings, dashboard

#: The OpenAPI security scheme every guarded route names (the HTTP API's JWT authorizer enforces it).
BEARER: list[dict[str, list[str]]] = [{"cognito": []}]


def settings_of(router: Router) -> DashboardSettings:
    settings: Any = router.context.get("settings")
    if not isinstance(settings, DashboardSettings):
        raise RuntimeError("the handler did not append the dashboard settings to the resolver's context")
    return settings


def dashboard_of(router: Router) -> Dashboard:
    return dashboard(settings_of(router))


def static_root_of(router: Router) -> Path | None:
    root = router.context.get("static_root")
    return root if isinstance(root, Path) else None
