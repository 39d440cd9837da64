"""Builds DashboardUsersFunction's collaborators: the user pool's admin client, and where CloudFormation is answered."""

from __future__ import annotations

import functools

import boto3

from crypto_advisor.adapters.cognito_users import CognitoUsers


@functools.lru_cache(maxsize=1)
def cognito_users() -> CognitoUsers:
    return CognitoUsers(boto3.session.Session().client("cognito-idp"))
