"""The digest's links as the MIME message carries them: each series' page, the dashboard, the RFC 8058 unsubscribe.

And the unsubscribed: one unsubscribe (an alert's or a digest's link) stops the digest as it stops the alerts.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, urlparse

import pytest

from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.link_token import LinkTokenError, verify
from crypto_advisor.contracts.steering import Mute
from crypto_advisor.notify.links import LinkSigner
from tests.unit.digest.conftest import AT_MS, RECIPIENT, WALL_MS, watchlist
from tests.unit.digest.test_service import MULTI

KEY = b"k" * 64
BASE = "https://abc123.execute-api.us-east-1.amazonaws.com"
PARTNER = "Partner@Example.com"


class Unsubscribed:
    """The SettingsTable as the digest reads it: who unsubscribed (or a read that fails)."""

    def __init__(self, *addresses: str, fail: bool = False) -> None:
        self.addresses = frozenset(addresses)
        self.fail = fail

    def mutes(self, series: str) -> list[Mute]:
        return []

    def unsubscribed(self) -> frozenset[str]:
        if self.fail:
            raise StorageError("SettingsTable settings: cannot read the unsubscribes: throttled")
        return self.addresses


def _token(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


def _parts(message):  # type: ignore[no-untyped-def]
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_each_recipient_s_digest_links_its_series_pages_and_its_own_one_click_unsubscribe(make_digester):
    # Given two recipients (one gets BTC and ETH, the other ETH only) and a stack with a dashboard
    digester, _, mailer, _ = make_digester(watchlist(MULTI))
    digester = dataclasses.replace(digester, links=LinkSigner(BASE, KEY), steering=Unsubscribed()).with_mailer(mailer)
    # When the digest is due
    digester.run(at_ms=AT_MS, wall_ms=WALL_MS)
    messages = {m["To"]: m for m in mailer.messages()}
    assert set(messages) == {RECIPIENT, PARTNER}
    for recipient, message in messages.items():
        text, html = _parts(message)
        # Then RFC 8058's headers point at the recipient's own unsubscribe link, which both parts show
        unsubscribe = str(message["List-Unsubscribe"]).strip("<>")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert unsubscribe.startswith(f"{BASE}/email/unsubscribe?token=")
        assert f"Unsubscribe from the alerts and this digest: {unsubscribe}" in text
        assert f'href="{unsubscribe.replace("&", "&amp;")}"' in html
        # ... signed for that action and that recipient alone, expiring
        claims = verify(_token(unsubscribe), KEY, action="unsubscribe", now_ms=WALL_MS)
        assert claims.recipient == recipient and claims.expires_ms > WALL_MS
        with pytest.raises(LinkTokenError, match="expired"):
            verify(_token(unsubscribe), KEY, action="unsubscribe", now_ms=claims.expires_ms + 1)
        # ... and each series it covers links to its page on the dashboard, in both parts, the dashboard too
        assert f"Open the dashboard: {BASE}/" in text
        assert f"{BASE}/#/series/kraken:ETH-USD:1h" in text
        assert f'href="{BASE}/#/series/kraken:ETH-USD:1h"' in html
    btc_page = f"{BASE}/#/series/kraken:BTC-USD:1h"
    assert btc_page in _parts(messages[RECIPIENT])[0] and btc_page not in _parts(messages[PARTNER])[0]
    # ... and the two unsubscribe links are distinct, each single use
    urls = [str(m["List-Unsubscribe"]).strip("<>") for m in mailer.messages()]
    nonces = {verify(_token(url), KEY, action="unsubscribe", now_ms=WALL_MS).nonce for url in urls}
    assert len(nonces) == 2


def test_an_unsubscribed_recipient_gets_no_digest_and_the_others_still_do(make_digester):
    # Given the partner unsubscribed (from an alert's link: written in another case)
    digester, log, mailer, _ = make_digester(watchlist(MULTI))
    digester = dataclasses.replace(digester, steering=Unsubscribed("partner@example.com"))
    # When the digest is due
    run = digester.run(at_ms=AT_MS, wall_ms=WALL_MS)
    # Then only the other recipient got one, and the run says why the partner did not, claiming nothing for them
    assert {o.recipient: o.status for o in run.recipients} == {PARTNER: "unsubscribed", RECIPIENT: "sent"}
    assert [r for _, (r,), _ in mailer.sent] == [RECIPIENT]
    assert [day for _, day in log.sent_days()] == ["2025-02-15"]


def test_when_the_unsubscribes_cannot_be_read_nothing_is_sent_and_the_run_fails_for_the_next_hour(make_digester):
    digester, log, mailer, _ = make_digester()
    digester = dataclasses.replace(digester, steering=Unsubscribed(fail=True))
    with pytest.raises(StorageError, match="unsubscribes"):
        digester.run(at_ms=AT_MS, wall_ms=WALL_MS)
    assert mailer.sent == [] and log.sent_days() == []


def test_without_a_dashboard_the_digest_has_no_links_and_no_unsubscribe_headers(make_digester):
    digester, _, mailer, _ = make_digester()
    digester.run(at_ms=AT_MS, wall_ms=WALL_MS)
    [message] = mailer.messages()
    text, html = _parts(message)
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    assert "Unsubscribe" not in text and "/#/series/" not in html
