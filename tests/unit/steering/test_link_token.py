"""The email links' token: signed for one action, expiring, tamper-evident (single use is the store's: integration)."""

from __future__ import annotations

import base64
import json

import pytest

from crypto_advisor.contracts.link_token import LinkClaims, LinkTokenError, sign, verify

KEY = b"k" * 64
NOW = 1_793_394_000_000
DAY = 86_400_000


def claims(**overrides: object) -> LinkClaims:
    values: dict[str, object] = {
        "action": "mute",
        "recipient": "me@example.com",
        "expires_ms": NOW + DAY,
        "nonce": "n" * 24,
        "series": "kraken:BTC-USD:1h",
        "rule": "rsi_oversold",
        "duration_ms": DAY,
    }
    values.update(overrides)
    return LinkClaims.model_validate(values)


def refusal(token: str, *, key: bytes = KEY, action: str = "mute", now_ms: int = NOW) -> str:
    with pytest.raises(LinkTokenError) as caught:
        verify(token, key, action=action, now_ms=now_ms)  # type: ignore[arg-type]
    return caught.value.refusal


def test_a_signed_token_verifies_to_its_claims():
    # Given a mute link's claims, When signed and verified with the same key for the same action
    token = sign(claims(), KEY)
    # Then the claims come back whole, and the token needs no escaping in a URL
    assert verify(token, KEY, action="mute", now_ms=NOW) == claims()
    assert all(c.isalnum() or c in "-_." for c in token)


def test_a_token_for_one_action_cannot_do_another():
    unsubscribe = sign(claims(action="unsubscribe", series=None, rule=None, duration_ms=None), KEY)
    assert refusal(unsubscribe, action="mute") == "wrong_action"
    assert refusal(sign(claims(), KEY), action="unsubscribe") == "wrong_action"


def test_a_token_expires_at_its_time_not_a_moment_later():
    token = sign(claims(expires_ms=NOW + 1000), KEY)
    assert verify(token, KEY, action="mute", now_ms=NOW + 999).nonce == "n" * 24
    assert refusal(token, now_ms=NOW + 1000) == "expired"


def test_a_changed_payload_is_refused_as_altered():
    # Given a valid token whose payload is re-encoded to mute another series for a year
    token = sign(claims(), KEY)
    payload, signature = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged.update(series="kraken:ETH-USD:1h", duration_ms=365 * DAY)
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    # Then the old signature does not cover it
    assert refusal(f"{forged_payload}.{signature}") == "altered"


def test_a_changed_signature_or_another_key_is_refused_as_altered():
    token = sign(claims(), KEY)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert refusal(flipped) == "altered"
    assert refusal(token, key=b"x" * 64) == "altered"


@pytest.mark.parametrize("token", ["", "no-dot", ".sig", "payload.", "a.b.c" * 600])
def test_what_is_not_a_token_is_refused_as_malformed(token: str):
    assert refusal(token) == "malformed"


def test_a_short_key_is_refused_before_signing():
    with pytest.raises(ValueError, match="at least 32"):
        sign(claims(), b"short")


@pytest.mark.parametrize("mangled", [lambda t: t[:-1] + "é", lambda t: "é" + t], ids=["signature", "payload"])
def test_a_token_with_a_non_ascii_character_is_refused_as_malformed(mangled):
    # Given a link a mail client mangled: a non-ASCII character where base64url text was (the comparison and the
    # signing take ASCII only, so this raised TypeError or UnicodeEncodeError instead of a refusal)
    assert refusal(mangled(sign(claims(), KEY))) == "malformed"
