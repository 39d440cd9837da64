"""The stack's Cognito user pools, created in the embedded AWS through moto's cognito-idp API.

moto's CloudFormation does not create ``AWS::Cognito::UserPool`` or
``AWS::Cognito::UserPoolClient``, so, as with the secrets, :func:`create_outside`
creates each through the API with the template's own properties (password
policy, username attributes, admin-only sign-up; the client's auth flows and
token lifetimes) before the stack, and puts their ids wherever the template
refers to them (``!Ref``, ``!GetAtt ...Arn`` and ``${Pool}`` inside ``!Sub``).
The functions then get the same environment as in AWS, and the local HTTP API
(:mod:`.http_api`) reads the JWT authorizer's issuer and audience from the
template resolved the same way.
"""

from __future__ import annotations

from typing import Any

_POOL_KEYS = ("Policies", "UsernameAttributes", "AutoVerifiedAttributes", "AccountRecoverySetting")
_CLIENT_KEYS = (
    "ExplicitAuthFlows",
    "GenerateSecret",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "AccessTokenValidity",
    "IdTokenValidity",
    "RefreshTokenValidity",
    "TokenValidityUnits",
)


def create_outside(cfn: dict[str, Any], client: Any, stack_name: str, *, region: str, account: str) -> dict[str, Any]:
    """Create the template's user pools and their clients with ``client`` (cognito-idp); ``cfn`` with them resolved."""
    resources = cfn["Resources"]
    ids: dict[str, str] = {}
    arns: dict[str, str] = {}
    for logical_id, resource in list(resources.items()):
        if resource["Type"] != "AWS::Cognito::UserPool":
            continue
        props = resource.get("Properties", {})
        admin_only = props.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly", False)
        pool = client.create_user_pool(
            PoolName=f"{stack_name}-{logical_id}",
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": bool(admin_only)},
            **{k: props[k] for k in _POOL_KEYS if k in props},
        )["UserPool"]
        ids[logical_id] = pool["Id"]
        arns[logical_id] = f"arn:aws:cognito-idp:{region}:{account}:userpool/{pool['Id']}"
        del resources[logical_id]
    for logical_id, resource in list(resources.items()):
        if resource["Type"] != "AWS::Cognito::UserPoolClient":
            continue
        props = resource.get("Properties", {})
        pool_ref = props["UserPoolId"]["Ref"]
        ids[logical_id] = client.create_user_pool_client(
            UserPoolId=ids[pool_ref],
            ClientName=props.get("ClientName", logical_id),
            **{k: props[k] for k in _CLIENT_KEYS if k in props},
        )["UserPoolClient"]["ClientId"]
        del resources[logical_id]
    return _substitute(cfn, ids, arns)


def _substitute(node: Any, ids: dict[str, str], arns: dict[str, str]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"Ref"} and node["Ref"] in ids:
            return ids[node["Ref"]]
        if set(node) == {"Fn::GetAtt"} and node["Fn::GetAtt"][0] in arns:
            return arns[node["Fn::GetAtt"][0]]
        if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
            text = node["Fn::Sub"]
            for logical_id, value in ids.items():
                text = text.replace("${" + logical_id + "}", value)
            return {"Fn::Sub": text}
        return {k: _substitute(v, ids, arns) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, ids, arns) for v in node]
    return node
