"""The archived alert email serves none of its recipient's one-click links.

The notifier archives the first recipient's copy of each alert email, links signed for that recipient included
(the tokens stay valid 30 days). GET /api/v1/alerts/{id}/email serves it to any signed-in user, so a link kept
clickable there would let anyone mute or unsubscribe for that recipient. The email here is the notifier's own: the
real renderer, signer and MIME builder, as the notify tests send it to two recipients.
"""

from __future__ import annotations

import base64
import email
import email.policy
import re
from typing import Any

from crypto_advisor.contracts.decisions import Decision
from crypto_advisor.dashboard.alert_history import alert_id
from crypto_advisor.dashboard.email_view import REMOVED_LINK, archived_email
from crypto_advisor.dashboard.service import LINKS_REMOVED, Dashboard
from tests.fakes.notify import FakeMailer, FakeSentArchive
from tests.unit.notify.conftest import fired, market_candles  # noqa: F401 - the notify tests' real alert (fixtures)
from tests.unit.notify.test_delivery_per_recipient import NOW, notifier

ALICE, BOB = "alice@example.com", "bob@example.com"
TOKEN_URL = re.compile(r"https://dash\.example\.com/email/(?:mute|unsubscribe)\?token=\S+")


def kept_copy(fired) -> bytes:  # noqa: F811 - the fixture's value
    """The message the notifier archived when it emailed the alert to Alice and Bob (Alice's copy)."""
    _, signal = fired
    kept = FakeSentArchive()
    notifier(fired, (ALICE, BOB), FakeMailer(), sent=kept).notify(signal, now_ms=NOW)
    [mime] = kept.kept.values()
    return mime


def archived_page(key: str, candle_ts: int, kept: FakeSentArchive, now_ms: int = NOW) -> Dashboard:
    """The dashboard as its email route sees it: the one decision at ``(key, candle_ts)`` and the archive ``kept``."""
    unused: Any = None  # the email route reads only the decision and the archive
    return Dashboard(
        watchlist=unused,
        candles=unused,
        signals=unused,
        decisions=SentDecision(key, candle_ts),
        figures=unused,
        models=unused,
        ledger=unused,
        news=unused,
        clock_ms=lambda: now_ms,
        sent=kept,  # type: ignore[arg-type]
    )


def test_the_served_email_carries_no_token_and_keeps_every_link_text(fired):  # noqa: F811 - the fixture
    # Given the archived copy, whose HTML and text carry Alice's signed mute and unsubscribe links
    mime = kept_copy(fired)
    sent = email.message_from_bytes(mime, policy=email.policy.default)
    sent_text = sent.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert "token=" in sent.get_body(("html",)).get_content() and TOKEN_URL.search(sent_text)  # type: ignore[union-attr]

    # When the dashboard serves it
    shown = archived_email(mime)

    # Then no token is left in either part
    assert "token=" not in shown.html and "token=" not in shown.text and shown.links_removed > 0
    # and each link's words are still there, in both parts, without their link
    for words in ("Unsubscribe from these alerts and the digest", "24 hours", "7 days"):
        assert words in shown.html and words in shown.text
    assert "for 24 hours / 7 days</p>" in shown.html
    assert not re.search(r"<a\b[^>]*>\s*(?:24 hours|7 days|Unsubscribe from these alerts)", shown.html)
    # and the text is the sent text with each signed URL replaced, nothing else changed
    assert shown.text == TOKEN_URL.sub(REMOVED_LINK, sent_text)


def test_the_rest_of_the_served_email_is_as_sent(fired):  # noqa: F811 - the fixture
    # Given the archived copy of an alert emailed to Alice and Bob
    mime = kept_copy(fired)
    sent = email.message_from_bytes(mime, policy=email.policy.default)
    [chart] = [p for p in sent.walk() if p.get_content_maintype() == "image"]

    # When the dashboard serves it
    shown = archived_email(mime)

    # Then the subject, the addressee and the body are the sent ones, the chart inlined, the series page still a link
    assert shown.subject == sent["Subject"] and shown.to == ALICE
    assert "WHAT FIRED" in shown.text and "What fired" in shown.html
    assert f"data:image/png;base64,{base64.b64encode(chart.get_content()).decode()}" in shown.html
    assert "cid:" not in shown.html
    assert re.search(r'<a href="https://dash\.example\.com/#/series/kraken:BTC-USD:1h"[^>]*>', shown.html)


class SentDecision:
    """The Notifications table holding one decision: the alert, sent."""

    def __init__(self, key: str, candle_ts: int) -> None:
        self.decision = Decision(key=key, candle_ts=candle_ts, status="sent")

    def get(self, key: str, candle_ts: int) -> Decision | None:
        return self.decision if (key, candle_ts) == (self.decision.key, self.decision.candle_ts) else None


def test_the_alerts_page_says_the_recipients_own_links_are_removed(fired):  # noqa: F811 - the fixture
    # Given the decision of the alert emailed to Alice and Bob, and Alice's copy in the archive
    _, signal = fired
    kept = FakeSentArchive()
    notifier(fired, (ALICE, BOB), FakeMailer(), sent=kept).notify(signal, now_ms=NOW)
    page = archived_page(signal.series, signal.candle_ts, kept)
    # When the Alerts page opens it
    answer = page.email(alert_id(signal.series, signal.candle_ts))
    # Then it is the archived copy, without Alice's links, and the note says whose copy and that they were removed
    assert answer.source == "archived" and "token=" not in answer.html + answer.text
    assert ALICE in answer.note and answer.note.endswith(LINKS_REMOVED)
