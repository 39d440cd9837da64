"""The Alerts page's email as it was sent: the archived MIME message read back for the browser."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from crypto_advisor.dashboard.email_view import archived_email
from crypto_advisor.notify.mime import build_message
from crypto_advisor.notify.render import InlineImage, RenderedEmail

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def sent() -> RenderedEmail:
    return RenderedEmail(
        subject="BTC/USD 1h: RSI oversold (bullish) at 91,230",
        text="BTC/USD 1h\nLine two, caf\u00e9.\n",
        html='<html><body><p>BTC/USD</p><img src="cid:chart.1@crypto-advisor" alt="chart"></body></html>',
        images=(InlineImage("chart.1@crypto-advisor", "chart.png", PNG),),
    )


def test_the_archived_message_reads_back_as_it_was_rendered_with_its_chart_inlined():
    # Given the message the notifier handed to SES
    message = build_message(
        sent(),
        sender="alerts@example.com",
        recipients=["me@example.com"],
        message_id_domain="example.com",
        date=datetime(2026, 12, 2, 13, 0, tzinfo=UTC),
    )
    # When the dashboard reads it back
    kept = archived_email(message.as_bytes())
    # Then subject, text and the copy's address are the sent ones (the wire's CRLF back to line feeds)
    assert kept.subject == sent().subject and kept.to == "me@example.com" and "2026" in kept.date
    assert kept.text.strip() == sent().text.strip() and "\r" not in kept.html
    # and the chart is the very PNG, inlined where the HTML referenced it by cid
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in kept.html
    assert "cid:" not in kept.html
