"""The stack's custom resources, created as CloudFormation would: their function invoked with a ``Create`` event.

moto's CloudFormation would invoke the function in Docker, so the embedded
stack takes them out (:func:`~crypto_advisor.local.stack.deploy`), with their
properties resolved against the parameters, and the local runtime invokes each
function in-process with the event CloudFormation sends. The function's
answer, which CloudFormation receives by a PUT to a presigned URL, is taken
directly; a ``FAILED`` answer fails the local runtime's creation, as it would
roll the deployment back.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from crypto_advisor.local.stack import ACCOUNT, REGION, CustomResource

if TYPE_CHECKING:
    from crypto_advisor.local.runtime import LocalRuntime


class CustomResourceFailed(RuntimeError):
    """A custom resource's function answered FAILED: the deployment would have been rolled back."""


def create_event(runtime: LocalRuntime, resource: CustomResource, request: str = "Create") -> dict[str, Any]:
    stack_id = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{runtime.stack.name}/local"
    return {
        "RequestType": request,
        "ServiceToken": runtime.configuration(resource.function)["FunctionArn"],
        "ResponseURL": "local://answered-in-process",
        "StackId": stack_id,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": resource.logical_id,
        "ResourceType": resource.type,
        "ResourceProperties": {"ServiceToken": "local", **resource.properties},
    }


def create_custom_resource(runtime: LocalRuntime, resource: CustomResource) -> Mapping[str, Any]:
    answers: list[Mapping[str, Any]] = []
    runtime.invoke(
        resource.function, create_event(runtime, resource), respond=lambda _url, document: answers.append(document)
    )
    [answer] = answers
    if answer["Status"] != "SUCCESS":
        raise CustomResourceFailed(f"{resource.logical_id} ({resource.type}): {answer.get('Reason')}")
    return answer
