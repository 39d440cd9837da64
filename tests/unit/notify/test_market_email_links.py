"""The market email carries each recipient's links and one-click unsubscribe, as the alert email and the digest do.

With a link signer the market email is one message per recipient, each with the dashboard, the covered coins'
pages and that recipient's own unsubscribe (in both parts and in RFC 8058's ``List-Unsubscribe``), and no mute
link (a market email reports no one rule); without one it is one message to everyone, with no link, as before.
Delivery keeps the alerts' rules: one refused recipient never keeps the market email from the others. The email
is the real renderer's, parsed back from the MIME bytes the fake SES accepted.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from crypto_advisor.contracts.alerts import market_log_key
from crypto_advisor.contracts.link_token import verify
from crypto_advisor.contracts.watchlist import AlertPolicy, WatchedSeries
from crypto_advisor.notify.links import LinkSigner
from crypto_advisor.notify.outcomes import Suppressed
from crypto_advisor.notify.service import Notifier
from tests.fakes.candles import FakeCandles
from tests.fakes.notify import (
    ByAddress,
    FakeFigures,
    FakeLog,
    FakeMailer,
    FakeSentArchive,
    FakeSignalTable,
    FakeWatchlist,
)
from tests.unit.notify.test_delivery_per_recipient import REJECTED
from tests.unit.notify.test_market_email import BTC, CRASH, ETH, NOW, SOL, TS, WATCHED, XRP

ALICE, BOB = "alice@example.com", "bob@example.com"
DASH = "https://dash.example.com"
KEY = b"k" * 64
#: The coins that followed the crash (CRASH): the market email's covered coins.
COVERED = (BTC, ETH, SOL)


def market_notifier(mailer: Any, *, links: LinkSigner | None, **changes: Any) -> Notifier:
    """The notifier of the crash's five watched coins, each emailed to Alice and Bob, the crash's signals stored."""
    policy = AlertPolicy(recipients=(ALICE, BOB), min_severity=1)
    signals = FakeSignalTable()
    for key in (BTC.key, ETH.key, SOL.key):
        signals.put(CRASH[key])
    fields: dict[str, Any] = {
        "watchlist": FakeWatchlist(*(WatchedSeries(series=s, backfill_candles=720, alerts=policy) for s in WATCHED)),
        "log": FakeLog(),
        "candles": FakeCandles([]),
        "figures": FakeFigures(),
        "mailer": mailer,
        "signals": signals,
        "sender": "alerts@example.com",
        "links": links,
    }
    return Notifier(**{**fields, **changes})


def plain(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def html(message: Any) -> str:
    return str(message.get_body(preferencelist=("html",)).get_content())


def unsubscribe_url(text: str) -> str:
    [line] = [line for line in text.splitlines() if line.startswith("Unsubscribe from these alerts and the digest: ")]
    return line.partition(": ")[2]


def test_with_links_each_recipient_gets_a_message_of_their_own_with_their_unsubscribe_and_the_coins_pages():
    # Given the crash's market email to Alice and Bob, with the stack's link signer
    mailer = FakeMailer()
    n = market_notifier(mailer, links=LinkSigner(DASH, KEY))
    # When SOL's record arrives (BTC, ETH and SOL fell together)
    outcome = n.notify(CRASH[SOL.key], now_ms=NOW)
    # Then the market email went out as two messages, one to each recipient
    assert isinstance(outcome, Suppressed) and outcome.market is not None
    assert [recipients for _, recipients, _ in mailer.sent] == [(ALICE,), (BOB,)]
    seen = set()
    for message, recipient in zip(mailer.messages(), (ALICE, BOB), strict=True):
        assert message["Subject"] == "Market: BTC -3.9% on the 1h candle, 3 of 5 coins fell together"
        text, page = plain(message), html(message)
        # ... each with its own unsubscribe, in the text, the HTML and the one-click headers, unsubscribing them only
        url = unsubscribe_url(text)
        claims = verify(parse_qs(urlparse(url).query)["token"][0], KEY, action="unsubscribe", now_ms=NOW)
        assert claims.recipient == recipient
        assert url.replace("&", "&amp;") in page
        assert message["List-Unsubscribe"] == f"<{url}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        seen.add(url)
        # ... the dashboard and each covered coin's page, in both parts; the coin that did not follow gets no link
        assert f"Open the dashboard: {DASH}/" in text and f'href="{DASH}/"' in page
        for coin in COVERED:
            link = f"{DASH}/#/series/{coin.key}"
            assert f"Open {coin.pair} on the dashboard: {link}" in text and f'href="{link}"' in page
        assert f"#/series/{XRP.key}" not in text + page
        # ... and no mute: a market email reports no one rule
        assert "/email/mute" not in text + page
    assert len(seen) == 2


def test_without_links_the_market_email_is_one_message_to_everyone_with_no_link():
    # Given no link signer (a stack without the dashboard's URL)
    mailer = FakeMailer()
    n = market_notifier(mailer, links=None)
    # When the market email goes out
    n.notify(CRASH[SOL.key], now_ms=NOW)
    # Then it is one message to both recipients, as before, with no link and no unsubscribe header
    [(_, recipients, _)] = mailer.sent
    [message] = mailer.messages()
    assert recipients == (ALICE, BOB)
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    assert "href=" not in html(message) and "https://" not in plain(message)
    assert "YOUR ALERTS" not in plain(message)


@pytest.mark.parametrize("refused", [ALICE, BOB])
def test_a_refused_recipient_does_not_keep_the_market_email_from_the_other(refused):
    # Given SES refusing one recipient's address (unverified in the sandbox), first or second
    mailer = ByAddress({refused: REJECTED})
    n = market_notifier(mailer, links=LinkSigner(DASH, KEY), sent=FakeSentArchive())
    # When the market email goes out
    outcome = n.notify(CRASH[SOL.key], now_ms=NOW)
    # Then the other recipient got it, the market email is sent (not retried: the other would get it twice)
    assert mailer.tried == [ALICE, BOB] and mailer.got_it() == [BOB if refused == ALICE else ALICE]
    assert n.log.items[(market_log_key("1h"), TS)]["status"] == "sent"  # type: ignore[attr-defined]
    # ... and the outcome names the refused recipient, for the log
    assert isinstance(outcome, Suppressed) and outcome.market is not None and outcome.market.unknown is None
    assert any(refused in note and "MessageRejected" in note for note in outcome.market.notes)
