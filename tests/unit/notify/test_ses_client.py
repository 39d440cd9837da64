"""The SES client every sender is wired with: one attempt, and a send that ends well inside its function's timeout.

A retried SendRawEmail after a late answer is a second email (botocore's
standard mode used to send one five times), and a send that can take as long
as the function's timeout lets one hung call kill the invocation holding the
email's claim. The limits are read from the wired clients themselves and from
template.yaml, so neither can drift from the other.
"""

from __future__ import annotations

from typing import Any

import pytest

from crypto_advisor.local.stack import load_template
from crypto_advisor.notify.delivery import CLAIM_BUDGET_MS
from crypto_advisor.wiring.digest import DigestFunctionSettings, digester
from crypto_advisor.wiring.notify import notifier
from crypto_advisor.wiring.settings import NotifySettings
from tests.conftest import REPO

ENVIRONMENT = {
    "WATCHLIST_URI": f"file://{REPO / 'config' / 'watchlist.yaml'}",
    "ARCHIVE_BUCKET": "archive",
    "CANDLES_TABLE": "candles",
    "NOTIFICATIONS_TABLE": "notifications",
    "SIGNALS_TABLE": "signals",
    "LEDGER_TABLE": "ledger",
    "SENDER_EMAIL": "alerts@example.com",
    "SES_CONFIGURATION_SET": "crypto-advisor-email",
    "SETTINGS_TABLE": "settings",
    "LINK_KEY_SECRET_ID": "link-key",
}


@pytest.fixture
def ses_clients(monkeypatch) -> dict[str, Any]:
    """Function logical id -> the SES client its composition root builds (no AWS call is made building them)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    notify = notifier(NotifySettings.from_env(ENVIRONMENT)).mailer
    digest = digester(DigestFunctionSettings.from_env(ENVIRONMENT)).mailer
    return {"NotifyFunction": notify._client, "DigestFunction": digest._client}  # type: ignore[attr-defined]


@pytest.mark.parametrize("function", ["NotifyFunction", "DigestFunction"])
def test_every_sender_makes_one_attempt_per_email(ses_clients, function):
    config = ses_clients[function].meta.config
    assert config.retries["total_max_attempts"] == 1


@pytest.mark.parametrize("function", ["NotifyFunction", "DigestFunction"])
def test_a_hung_send_ends_long_before_the_function_is_stopped(ses_clients, function):
    # Given the function's timeout in template.yaml and its SES client's timeouts
    timeout_s = load_template(REPO / "template.yaml")["Resources"][function]["Properties"]["Timeout"]
    config = ses_clients[function].meta.config
    longest_send_s = config.connect_timeout + config.read_timeout
    # Then a send that never answers ends (as "unknown") within the time a claim is taken with, and so
    # well before the function's timeout: the invocation settles its claim instead of dying with it
    assert longest_send_s * 1000 < CLAIM_BUDGET_MS
    assert longest_send_s < timeout_s / 4
