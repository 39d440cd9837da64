"""DashboardUsersFunction: the ``DashboardUserAccounts`` custom resource, the user pool's users made to match a list.

CloudFormation calls it on Create and Update with ``UserPoolId`` and
``Users`` (the ``DashboardUsers`` parameter, or the recipients when it is
empty); it syncs the pool (:class:`~crypto_advisor.adapters.cognito_users.CognitoUsers`)
and answers CloudFormation. Delete does nothing: the pool goes with the stack.
Any failure is answered FAILED with the reason (naming the address), so the
deploy stops with it instead of waiting an hour for an answer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from crypto_advisor.adapters.cfn_response import cfn_response, put_response
from crypto_advisor.telemetry.observability import logger
from crypto_advisor.wiring.dashboard_users import cognito_users

Respond = Callable[[str, Mapping[str, Any]], None]


@logger.inject_lambda_context
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, users: Any = None, respond: Respond | None = None
) -> dict[str, Any]:
    """``users`` replaces the pool adapter and ``respond`` the PUT to CloudFormation (the local runtime, tests)."""
    respond = respond or put_response
    props = event.get("ResourceProperties", {})
    pool_id = str(props.get("UserPoolId", ""))
    try:
        if event["RequestType"] == "Delete":
            document = cfn_response(event, status="SUCCESS", physical_id=event.get("PhysicalResourceId", pool_id))
        else:
            addresses = [a for a in str(props.get("Users", "")).split(",") if a.strip()]
            synced = (users or cognito_users(os.environ.get("AWS_ENDPOINT_URL"))).sync(pool_id, addresses)
            logger.info(
                "dashboard users synced",
                users_created=list(synced.created),
                users_enabled=list(synced.enabled),
                users_disabled=list(synced.disabled),
                users_unchanged=len(synced.unchanged),
            )
            document = cfn_response(
                event,
                status="SUCCESS",
                physical_id=pool_id,
                data={"Users": ",".join(synced.created + synced.enabled + synced.unchanged)},
            )
    except Exception as exc:  # noqa: BLE001 - CloudFormation must hear of any failure, or it waits an hour
        logger.exception("dashboard users not synced")
        document = cfn_response(event, status="FAILED", physical_id=pool_id or "none", reason=str(exc))
    respond(event["ResponseURL"], document)
    return document
