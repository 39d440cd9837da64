"""What the dashboard exposes to anyone, and to its users: every public route throttled on its own, addresses verified.

Each request starts DashboardFunction (1 GB): at the default (20 a second per route) the public routes could be
driven at 100 a second by one client, hundreds of USD a month of the owner's bill.
"""

from __future__ import annotations

from typing import Any

from tests.unit.operations.conftest import of_type

#: The most a public route may take, per second, and all of them together.
ROUTE_RATE_LIMIT = 5
PUBLIC_RATE_LIMIT = 12


def _public_routes(resources: dict[str, Any]) -> set[str]:
    """The route keys (``GET /``) of the API's OpenAPI body whose security is none: SAM writes its routes there."""
    [api] = of_type(resources, "AWS::ApiGatewayV2::Api").values()
    return {
        f"{'ANY' if method == 'x-amazon-apigateway-any-method' else method.upper()} {path}"
        for path, methods in api["Properties"]["Body"]["paths"].items()
        for method, operation in methods.items()
        if operation.get("security") == [{"NONE": []}]
    }


def _stage(resources: dict[str, Any]) -> dict[str, Any]:
    [stage] = of_type(resources, "AWS::ApiGatewayV2::Stage").values()
    return stage["Properties"]


def test_every_public_route_has_its_own_throttle_under_the_default(resources):
    public = _public_routes(resources)
    assert "POST /api/v1/auth/{proxy+}" in public and "ANY /email/{proxy+}" in public and len(public) == 5
    stage = _stage(resources)
    settings = stage.get("RouteSettings", {})
    default = stage["DefaultRouteSettings"]["ThrottlingRateLimit"]
    for route in public:
        assert route in settings, f"{route} has no throttle of its own (the default: {default} a second)"
        assert settings[route]["ThrottlingRateLimit"] <= ROUTE_RATE_LIMIT < default
        assert settings[route]["ThrottlingBurstLimit"] <= 4 * ROUTE_RATE_LIMIT
    assert sum(settings[route]["ThrottlingRateLimit"] for route in public) <= PUBLIC_RATE_LIMIT


def test_a_users_new_address_counts_only_once_verified(resources):
    # The address is who a user is to the settings history and where recovery goes: typing another's must not do.
    [pool] = of_type(resources, "AWS::Cognito::UserPool").values()
    settings = pool["Properties"]["UserAttributeUpdateSettings"]
    assert settings["AttributesRequireVerificationBeforeUpdate"] == ["email"]
