"""A secret a warm container re-reads every few minutes, so a rotated link key takes effect everywhere within them."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from crypto_advisor.adapters.config_source import SECRET_TTL_S, RefreshedSecret
from crypto_advisor.contracts.errors import ConfigError
from crypto_advisor.contracts.link_token import LinkClaims, LinkTokenError, sign, verify
from crypto_advisor.notify.links import LinkSigner


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def secrets():
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        client.create_secret(Name="link-key", SecretString="A" * 64)
        yield client


def test_a_rotated_key_is_read_once_its_time_is_up_and_not_before(secrets):
    clock = Clock()
    secret = RefreshedSecret("link-key", secrets_client=secrets, clock=clock)
    assert secret() == "A" * 64
    # When the owner rotates the key (aws secretsmanager put-secret-value)
    secrets.put_secret_value(SecretId="link-key", SecretString="B" * 64)
    clock.now += SECRET_TTL_S - 1
    assert secret() == "A" * 64  # within the five minutes: the value read last
    clock.now += 1
    assert secret() == "B" * 64  # then the new key


def test_links_signed_after_a_rotation_carry_the_new_key_and_a_leaked_old_one_stops_checking(secrets):
    # Given a warm notifier's signer and the dashboard's checker, both reading the key through a refreshed secret
    clock = Clock()
    secret = RefreshedSecret("link-key", secrets_client=secrets, clock=clock)
    signer = LinkSigner("https://dash.example.com", lambda: secret().encode(), nonce=lambda: "n" * 24)
    claims = LinkClaims(action="unsubscribe", recipient="me@example.com", expires_ms=10**13, nonce="n" * 24)
    leaked = sign(claims, secret().encode())
    # When the owner rotates the leaked key and five minutes pass
    secrets.put_secret_value(SecretId="link-key", SecretString="B" * 64)
    clock.now += SECRET_TTL_S
    # Then new links are signed with the new key, and the leaked token no longer checks
    new = signer.digest_links([], "me@example.com", now_ms=0).unsubscribe.split("token=", 1)[1]
    assert verify(new, secret().encode(), action="unsubscribe", now_ms=0).recipient == "me@example.com"
    with pytest.raises(LinkTokenError):
        verify(leaked, secret().encode(), action="unsubscribe", now_ms=0)


def test_an_unreadable_secret_is_an_error_naming_it_and_the_old_value_is_not_served_past_its_time(secrets):
    clock = Clock()
    secret = RefreshedSecret("link-key", secrets_client=secrets, clock=clock)
    secret()
    secrets.delete_secret(SecretId="link-key", ForceDeleteWithoutRecovery=True)
    clock.now += SECRET_TTL_S
    with pytest.raises(ConfigError, match="link-key"):
        secret()
