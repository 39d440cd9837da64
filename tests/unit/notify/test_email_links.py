"""Each recipient's links in an alert email: the series page, one-click mutes, the RFC 8058 unsubscribe headers."""

from __future__ import annotations

import dataclasses
import email
from email import policy as email_policy
from urllib.parse import parse_qs, urlparse

import pytest

from crypto_advisor.contracts.link_token import LinkTokenError, verify
from crypto_advisor.notify.links import LinkSigner
from crypto_advisor.notify.mime import build_message
from crypto_advisor.notify.render import render_email

KEY = b"s" * 64
BASE = "https://abc123.execute-api.us-east-1.amazonaws.com"
NOW = 1_793_394_000_000


def _token(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


@pytest.fixture
def linked(make_view):  # type: ignore[no-untyped-def]
    view = make_view()
    rules = [f.rule_id for f in view.ordered_firings]
    links = LinkSigner(BASE, KEY).links(view.series, rules, "me@example.com", now_ms=NOW)
    return dataclasses.replace(view, links=links), rules


def test_the_message_carries_rfc_8058_headers_pointing_at_its_own_unsubscribe_link(linked):
    view, _ = linked
    # When the email is rendered and built for its one recipient, and parsed back as a mail client would
    raw = build_message(render_email(view), sender="advisor@example.com", recipients=["me@example.com"]).as_bytes()
    parsed = email.message_from_bytes(raw, policy=email_policy.default)
    # Then List-Unsubscribe is the https unsubscribe URL in angle brackets, and List-Unsubscribe-Post asks for one click
    assert parsed["List-Unsubscribe"] == f"<{view.links.unsubscribe}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # And its token unsubscribes exactly that recipient
    claims = verify(_token(view.links.unsubscribe), KEY, action="unsubscribe", now_ms=NOW)
    assert claims.recipient == "me@example.com"


def test_both_parts_link_the_series_page_and_a_mute_pair_per_rule(linked):
    view, rules = linked
    rendered = render_email(view)
    assert view.links.series_page == f"{BASE}/#/series/kraken:BTC-USD:1h"
    for part in (rendered.html, rendered.text):
        assert view.links.series_page in part
        assert "Unsubscribe from these alerts and the digest" in part
    assert len(view.links.mutes) == len(set(rules)) >= 2
    for mute, rule in zip(view.links.mutes, dict.fromkeys(rules), strict=True):
        assert mute.words.endswith("alerts on BTC/USD 1h for")
        assert [c.label for c in mute.choices] == ["24 hours", "7 days"]
        for choice, days in zip(mute.choices, (1, 7), strict=True):
            assert choice.url.replace("&", "&amp;") in rendered.html and choice.url in rendered.text
            claims = verify(_token(choice.url), KEY, action="mute", now_ms=NOW)
            assert (claims.series, claims.rule, claims.duration_ms) == ("kraken:BTC-USD:1h", rule, days * 86_400_000)


def test_every_link_is_single_use_with_its_own_nonce(linked):
    view, _ = linked
    urls = [c.url for m in view.links.mutes for c in m.choices] + [view.links.unsubscribe]
    nonces = {
        verify(_token(u), KEY, action="unsubscribe" if "unsubscribe" in u else "mute", now_ms=NOW).nonce for u in urls
    }
    assert len(nonces) == len(urls)


def test_an_emails_links_work_for_30_days_and_are_expired_from_then_on(linked):
    # Given an email's links, issued at NOW
    view, _ = linked
    urls = [c.url for m in view.links.mutes for c in m.choices] + [view.links.unsubscribe]
    day, hour = 86_400_000, 3_600_000
    for url in urls:
        action = "unsubscribe" if "unsubscribe" in url else "mute"
        # When one is followed 29 days 23 hours later / Then it still acts (an email read weeks later)
        assert verify(_token(url), KEY, action=action, now_ms=NOW + 30 * day - hour).recipient == "me@example.com"
        # When it is followed 30 days after it was issued, or later / Then it is refused as expired
        for later in (NOW + 30 * day, NOW + 31 * day):
            with pytest.raises(LinkTokenError) as refused:
                verify(_token(url), KEY, action=action, now_ms=later)
            assert refused.value.refusal == "expired"


def test_an_unsubscribe_url_that_is_not_https_is_refused(make_view):  # type: ignore[no-untyped-def]
    view = make_view()
    links = LinkSigner("http://dashboard.example.com", KEY).links(
        view.series, ["rsi_oversold"], "me@example.com", now_ms=NOW
    )
    with pytest.raises(ValueError, match="must be https"):
        build_message(
            render_email(dataclasses.replace(view, links=links)), sender="a@example.com", recipients=["me@example.com"]
        )


def test_an_email_without_a_dashboard_has_no_links_and_no_unsubscribe_headers(make_view):  # type: ignore[no-untyped-def]
    message = build_message(render_email(make_view()), sender="a@example.com", recipients=["me@example.com"])
    assert message["List-Unsubscribe"] is None and "Your alerts" not in message.as_string()
