"""The answer a custom resource owes CloudFormation: a PUT of a small JSON document to the event's presigned URL.

CloudFormation waits (up to an hour) for this PUT; a handler that fails
without sending it stalls the deploy, so the handler sends FAILED with the
reason on any error. The URL is a presigned S3 URL; the body must be sent
with an empty Content-Type, as the signature was made without one.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from typing import Any


def cfn_response(
    event: Mapping[str, Any], *, status: str, physical_id: str, reason: str = "", data: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The response document for ``event``."""
    return {
        "Status": status,
        "Reason": reason[:3000] or status,
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": False,
        "Data": dict(data or {}),
    }


def put_response(url: str, document: Mapping[str, Any]) -> None:
    body = json.dumps(document).encode()
    request = urllib.request.Request(  # noqa: S310 - CloudFormation's presigned https URL
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        answer.read()
