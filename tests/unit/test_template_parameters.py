"""The template's address and secret-name parameters refuse what they must, as CloudFormation receives them.

``template.yaml`` translated by aws-sam-translator (as ``sam deploy`` does); each
parameter's ``AllowedPattern`` is applied to the whole value, as CloudFormation
applies it (its patterns here use nothing Java and Python read differently).
Then the functions' own check at start: NotifyFunction and DigestFunction
refuse a sender or a recipient the watchlist's address rule refuses.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest

from crypto_advisor.contracts.errors import ConfigError
from crypto_advisor.contracts.watchlist import EMAIL_ADDRESS
from crypto_advisor.local.stack import LOCAL_PARAMETERS, load_template, to_cloudformation
from crypto_advisor.wiring.digest import DigestFunctionSettings
from crypto_advisor.wiring.settings import NotifySettings
from tests.conftest import REPO


@cache
def parameters() -> dict[str, Any]:
    return to_cloudformation(load_template(REPO / "template.yaml"), LOCAL_PARAMETERS)["Parameters"]


def allowed(parameter: str, value: str) -> bool:
    return re.fullmatch(parameters()[parameter]["AllowedPattern"], value) is not None


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("", True),
        ("crypto-advisor/coingecko", True),
        ("prod/keys_v2+old=1.a@b", True),
        ("*", False),
        ("crypto-advisor/*", False),
        ("coin?ecko", False),
        ("a b", False),
        ("x" * 513, False),
    ],
)
def test_the_coingecko_secret_name_is_a_secret_name_and_never_a_wildcard(value, ok):
    # Given / When a value is given for the parameter / Then only a secret name (or nothing) is allowed: the policy
    # grants secret:<name>-??????, and a * there would grant every secret in the account
    assert allowed("CoinGeckoApiKeySecretName", value) is ok


ADDRESSES = [
    ("alerts@example.com", True),
    ("first.last+tag@mail.example.co.uk", True),
    ('"CEO"<ceo@bank.com>', False),
    ("ops@example.com>", False),
    ("CEO <ceo@bank.com>", False),
    ("a@b", False),
    ("a,b@example.com", False),
    ("", False),
]


@pytest.mark.parametrize(("value", "ok"), ADDRESSES)
def test_the_sender_is_one_bare_address(value, ok):
    assert allowed("SenderEmail", value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("", True),
        ("you@example.com", True),
        ("you@example.com,them@example.org", True),
        ("you@example.com, them@example.org", True),
        ("you@example.com,", False),
        ("you@example.com;them@example.org", False),
        ('"You" <you@example.com>', False),
        ("you@example.com,ops@example.com>", False),
        ("nobody", False),
    ],
)
def test_the_recipients_are_bare_addresses_separated_by_commas(value, ok):
    assert allowed("RecipientEmails", value) is ok


def test_the_template_patterns_are_the_watchlists_address_rule():
    # Given the rule the watchlist and the functions' settings check addresses by
    # Then the template's patterns are built from it, so the three never disagree
    assert parameters()["SenderEmail"]["AllowedPattern"] == f"^{EMAIL_ADDRESS}$"
    assert parameters()["RecipientEmails"]["AllowedPattern"] == rf"^({EMAIL_ADDRESS}(\s*,\s*{EMAIL_ADDRESS})*)?$"


NOTIFY_ENV = {
    "WATCHLIST_URI": "file:///opt/config/watchlist.yaml",
    "ARCHIVE_BUCKET": "archive",
    "CANDLES_TABLE": "candles",
    "NOTIFICATIONS_TABLE": "notifications",
    "SIGNALS_TABLE": "signals",
    "LEDGER_TABLE": "ledger",
    "SES_CONFIGURATION_SET": "alerts",
    "SENDER_EMAIL": "alerts@example.com",
    "SETTINGS_TABLE": "settings",
    "LINK_KEY_SECRET_ID": "link-key",
}
DIGEST_ENV = {key: NOTIFY_ENV[key] for key in NOTIFY_ENV if key != "LEDGER_TABLE"}  # ARCHIVE_BUCKET: the market scans


@pytest.mark.parametrize(("settings", "env"), [(NotifySettings, NOTIFY_ENV), (DigestFunctionSettings, DIGEST_ENV)])
def test_a_function_refuses_a_recipient_the_address_rule_refuses_at_start(settings, env):
    # Given the function's environment with one good and two bad default recipients (as RecipientEmails would pass
    # them if the parameter were not checked, e.g. an older stack's)
    environ = {**env, "RECIPIENT_EMAILS": 'you@example.com, "CEO"<ceo@bank.com>,ops@example.com>'}

    # When the settings are read at start / Then the cold start fails naming both, not the first send
    with pytest.raises(ConfigError) as refused:
        settings.from_env(environ)
    assert "RECIPIENT_EMAILS" in str(refused.value)
    assert "not an email address: '\"CEO\"<ceo@bank.com>', 'ops@example.com>'" in str(refused.value)


@pytest.mark.parametrize(("settings", "env"), [(NotifySettings, NOTIFY_ENV), (DigestFunctionSettings, DIGEST_ENV)])
@pytest.mark.parametrize("sender", ['"CEO"<ceo@bank.com>', "ops@example.com>"])
def test_a_function_refuses_a_sender_the_address_rule_refuses_at_start(settings, env, sender):
    with pytest.raises(ConfigError, match="SENDER_EMAIL"):
        settings.from_env({**env, "SENDER_EMAIL": sender})


@pytest.mark.parametrize(("settings", "env"), [(NotifySettings, NOTIFY_ENV), (DigestFunctionSettings, DIGEST_ENV)])
def test_good_recipients_are_read_as_before(settings, env):
    read = settings.from_env({**env, "RECIPIENT_EMAILS": " you@example.com,them@example.org ,"})
    assert read.default_recipients == ("you@example.com", "them@example.org")


def test_translating_the_template_leaves_no_warning_behind(caplog: pytest.LogCaptureFixture) -> None:
    """The local stack translates the template on every ``make demo``; the translator's usage metrics are published
    (to nowhere), so its destructor does not print "There are unpublished metrics" into the demo's story."""
    import gc

    with caplog.at_level("WARNING"):
        for _ in range(2):  # the translator keeps its metrics until the next translator replaces them
            to_cloudformation(load_template(REPO / "template.yaml"), LOCAL_PARAMETERS)
            gc.collect()
    assert not [r for r in caplog.records if "unpublished metrics" in r.getMessage()]
