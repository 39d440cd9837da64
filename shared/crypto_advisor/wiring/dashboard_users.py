"""Builds DashboardUsersFunction's collaborators: the user pool's admin client, and where CloudFormation is answered."""

from __future__ import annotations

import functools

import boto3

from crypto_advisor.adapters.cognito_users import CognitoUsers


@functools.lru_cache(maxsize=4)
def cognito_users(endpoint_url: str | None) -> CognitoUsers:
    """The pool's admin client for ``endpoint_url`` (None: AWS's), cached per endpoint as every function's
    dependencies are per settings: a client never outlives a change of endpoint, since the local stack and the tests
    run several stacks (in-process moto, a moto server) in one process."""
    return CognitoUsers(boto3.session.Session().client("cognito-idp", endpoint_url=endpoint_url or None))
