"""Settings in Chromium against the demo's dashboard: the people it names are the email addresses a user knows.

The demo's stack has the recipients as the local stack's RecipientEmails (``trader@example.com``) and a watchlist
without ``alerts.recipients``, so every alert goes to that address; the user signs in as it, and the page sends the
access token, which names the user by sub only.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from crypto_advisor.local import screenshots
from crypto_advisor.local.stack import LOCAL_PARAMETERS
from tests.browser.conftest import Served, shot


def _settings(dashboard: Served, browse: Any) -> Any:
    watched = browse("desktop", "light")
    page = watched.page
    screenshots.sign_in(page, dashboard.url, dashboard.user, dashboard.password)
    page.goto(f"{dashboard.url}/#/settings")
    page.wait_for_selector("#mute-form")
    return watched


def test_settings_name_the_stacks_recipients_the_alerts_go_to(dashboard: Served, browse: Any) -> None:
    # Given the demo, whose watchlist names no alerts.recipients
    # When the user opens Settings
    watched = _settings(dashboard, browse)
    # Then the page says whom the alerts go to, and where that comes from
    recipients = LOCAL_PARAMETERS["RecipientEmails"]
    expected = f"Recipients: {recipients} (the stack's RecipientEmails; set alerts.recipients to change)"
    expect(watched.page.locator("#recipients")).to_have_text(expected)
    assert watched.violations == [] and watched.errors == []


def test_a_mute_set_in_settings_names_the_user_by_their_email_address(dashboard: Served, browse: Any) -> None:
    # Given the signed-in user on Settings
    watched = _settings(dashboard, browse)
    page = watched.page
    # When they mute MACD crosses on ETH/USD 1h for an hour
    page.select_option("#mute-series", "kraken:ETH-USD:1h")
    page.select_option("#mute-rule", "macd_cross")
    page.select_option("#mute-duration", label="1 hour")
    page.click("#mute-form button[type=submit]")
    # Then the mutes list and the history name them by their address, as an email link's mute names its recipient
    row = page.locator(".mutes-table tr", has_text="macd_cross")
    expect(row).to_contain_text(f"{dashboard.user} (dashboard)")
    change = page.locator(".history-table tr", has_text="macd_cross").first
    expect(change).to_contain_text(dashboard.user)
    assert watched.violations == [] and watched.errors == []
    shot(page, "settings-people-desktop-light")


def test_settings_say_which_series_wait_longer_than_the_cooldown_shown(dashboard: Served, browse: Any) -> None:
    # Given the demo, whose ETH/USD 4h waits two of its candles (8h), longer than the watchlist's 6h
    # When the user opens Settings
    watched = _settings(dashboard, browse)
    # Then beside the 6h the page names that series and what it waits, and no hourly series
    items = watched.page.locator("#series-cooldowns li")
    expect(items).to_have_text(["ETH/USD 4h · kraken: cooldown 8h (at least two of its candles)"])
    assert watched.violations == [] and watched.errors == []
