"""What the Settings and email-link routers read from the request's context: settings, sources, the use case.

The handler appends the settings it validated (``DashboardSettings``, a
:class:`~crypto_advisor.wiring.settings.SteeringSettings`) and, locally, the
simulated market as ``sources``; without settings in the context (a resolver
built without the handler) they are read from the environment.
"""

from __future__ import annotations

import os

from aws_lambda_powertools.event_handler.api_gateway import Router

from crypto_advisor.steering.service import Steering
from crypto_advisor.wiring.settings import SteeringSettings
from crypto_advisor.wiring.steering import link_key, steering


def settings_of(router: Router) -> SteeringSettings:
    settings = router.context.get("settings")
    return settings if isinstance(settings, SteeringSettings) else SteeringSettings.from_env(os.environ)


def steering_of(router: Router) -> Steering:
    return steering(settings_of(router), router.context.get("sources"))


def link_key_of(router: Router) -> bytes:
    return link_key(settings_of(router))
