"""The DashboardUserAccounts custom resource on the embedded AWS: the user pool's users follow DashboardUsers.

The local runtime runs the stack's custom resources as CloudFormation would
(local/custom_resources.py): DashboardUsersFunction is invoked in-process with
the Create event and its properties resolved against the stack's parameters.
"""

from __future__ import annotations

import dataclasses

import pytest

from crypto_advisor.local.custom_resources import CustomResourceFailed, create_custom_resource, create_event


def users(deployed) -> dict[str, dict]:
    cognito = deployed.aws.client("cognito-idp")
    listed = cognito.list_users(UserPoolId=deployed.stack.outputs["DashboardUserPoolId"])["Users"]
    return {next(a["Value"] for a in u["Attributes"] if a["Name"] == "email"): u for u in listed}


def test_by_default_the_recipients_get_users_with_a_temporary_password(deployed):
    # Given a stack deployed with no DashboardUsers (its RecipientEmails: trader@example.com)
    # Then the recipient has a user, enabled, who must choose a password at the first sign-in
    [(email, user)] = users(deployed).items()
    assert email == "trader@example.com"
    assert user["Enabled"] and user["UserStatus"] == "FORCE_CHANGE_PASSWORD"


def test_the_listed_addresses_get_users_and_a_removed_one_is_disabled_then_restored(deploy_stack):
    # Given a stack whose DashboardUsers names two addresses
    deployed = deploy_stack(DashboardUsers="ann@example.com, bob@example.com")
    assert sorted(users(deployed)) == ["ann@example.com", "bob@example.com"]
    [resource] = deployed.stack.custom_resources
    runtime = deployed.runtime

    def update(addresses: str) -> dict:
        changed = dataclasses.replace(resource, properties={**resource.properties, "Users": addresses})
        answers: list = []
        event = create_event(runtime, changed, "Update")
        runtime.invoke(resource.function, event, respond=lambda _url, doc: answers.append(doc))
        return answers[0]

    # When an update drops bob
    answer = update("ann@example.com")
    # Then bob's user is disabled (kept), ann's untouched, and CloudFormation hears SUCCESS
    assert answer["Status"] == "SUCCESS" and answer["Data"] == {"Users": "ann@example.com"}
    assert {e: u["Enabled"] for e, u in users(deployed).items()} == {"ann@example.com": True, "bob@example.com": False}
    # When bob is listed again, his user is enabled again
    update("ann@example.com,bob@example.com")
    assert all(u["Enabled"] for u in users(deployed).values())


def test_a_failure_is_answered_failed_naming_what_failed(deployed):
    # Given the custom resource pointed at a user pool that does not exist
    [resource] = deployed.stack.custom_resources
    broken = dataclasses.replace(resource, properties={**resource.properties, "UserPoolId": "us-east-1_nonexistent"})
    # Then CloudFormation would be told FAILED, with the reason (the local runtime raises it, as a rollback)
    with pytest.raises(CustomResourceFailed, match="listing the dashboard users"):
        create_custom_resource(deployed.runtime, broken)


def test_the_pool_client_is_the_one_of_the_endpoint_the_function_runs_against(monkeypatch):
    # The local runtime and the tests run several stacks in one process (in-process moto, then a moto server): a
    # client cached for the first endpoint must not serve the next (it sent the next stack's users to AWS itself).
    from crypto_advisor.wiring.dashboard_users import cognito_users

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    cognito_users.cache_clear()

    first, second = cognito_users(None), cognito_users("http://127.0.0.1:5999")
    assert first._client.meta.endpoint_url == "https://cognito-idp.us-east-1.amazonaws.com"
    assert second._client.meta.endpoint_url == "http://127.0.0.1:5999"
    assert cognito_users("http://127.0.0.1:5999") is second
