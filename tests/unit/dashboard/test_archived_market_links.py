"""The archived market email, as the Alerts page serves it, carries none of its recipient's one-click links.

With links the market email is one message per recipient, and the notifier archives the first accepted one (the
first recipient's copy, their signed unsubscribe in it, valid 30 days) under the market's log key. The Alerts
page serves archived emails to any signed-in user, so it must serve this one as it serves an alert's: the
unsubscribe removed, its words kept, the dashboard and coin pages (no token) still links. The email is the
notifier's own, sent by the real renderer, signer and MIME builder.
"""

from __future__ import annotations

from crypto_advisor.contracts.alerts import market_log_key
from crypto_advisor.dashboard.alert_history import alert_id
from crypto_advisor.dashboard.service import LINKS_REMOVED
from crypto_advisor.notify.links import LinkSigner
from tests.fakes.notify import FakeMailer, FakeSentArchive
from tests.unit.dashboard.test_archived_links import archived_page
from tests.unit.notify.test_market_email import BTC, CRASH, ETH, NOW, SOL, TS
from tests.unit.notify.test_market_email_links import ALICE, DASH, KEY, market_notifier


def test_the_archived_market_email_is_served_without_the_recipients_unsubscribe():
    # Given the crash's market email sent to Alice and Bob with their links, and Alice's copy archived
    kept = FakeSentArchive()
    market_notifier(FakeMailer(), links=LinkSigner(DASH, KEY), sent=kept).notify(CRASH[SOL.key], now_ms=NOW)
    [mime] = kept.kept.values()
    assert b"token=" in mime and list(kept.kept) == [(market_log_key("1h"), TS)]
    page = archived_page(market_log_key("1h"), TS, kept, NOW)
    # When the Alerts page opens the market email
    answer = page.email(alert_id(market_log_key("1h"), TS))
    # Then it is Alice's archived copy with no token left, and the note says whose copy and that links were removed
    assert answer.source == "archived" and "token=" not in answer.html + answer.text
    assert ALICE in answer.note and answer.note.endswith(LINKS_REMOVED)
    # ... the unsubscribe's words are kept, no longer a link
    assert "Unsubscribe from these alerts and the digest" in answer.html
    assert "Unsubscribe from these alerts and the digest" in answer.text
    # ... and the dashboard and the covered coins' pages, which carry no token, are still links
    assert f'href="{DASH}/"' in answer.html
    for coin in (BTC, ETH, SOL):
        assert f'href="{DASH}/#/series/{coin.key}"' in answer.html
