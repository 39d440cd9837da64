"""The MIME message: the structure every mail client needs to show the HTML with its chart, or the text."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage

import pytest

from crypto_advisor.notify.mime import build_message
from crypto_advisor.notify.render import InlineImage, RenderedEmail, render_email
from crypto_advisor.notify.view import AlertView

from .conftest import SERIES

SENDER = "alerts@advisor.example.com"
RECIPIENTS = ("me@example.com", "partner@example.org")
DATE = datetime(2026, 1, 1, 14, 5, tzinfo=UTC)


def build(rendered: RenderedEmail, **changes) -> EmailMessage:
    options = {"sender": SENDER, "recipients": RECIPIENTS, "message_id_domain": "advisor.example.com", "date": DATE}
    options.update(changes)
    return build_message(rendered, **options)


def parse(message: EmailMessage) -> EmailMessage:
    """What a mail client reads: the bytes SES sends, parsed back."""
    return email.message_from_bytes(bytes(message), policy=email.policy.default)


@pytest.fixture(scope="module")
def rendered(fired) -> RenderedEmail:
    candles, signal = fired
    return render_email(AlertView(signal, SERIES, tuple(signal.active_firings), candles, coin_name="Bitcoin"))


def small(subject: str = "BTC/USD 1h: RSI oversold (bullish) at 95,123.45") -> RenderedEmail:
    return RenderedEmail(
        subject=subject,
        text="RSI fell to 26.4 €\n",
        html='<p>RSI fell to 26.4 €</p><img src="cid:chart.1@crypto-advisor">',
        images=(InlineImage("chart.1@crypto-advisor", "chart.png", b"\x89PNG\r\n\x1a\nrest"),),
    )


def test_the_message_is_text_or_html_with_its_chart_related(rendered):
    message = parse(build(rendered))
    assert message.get_content_type() == "multipart/alternative"
    text, related = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html, image = related.iter_parts()
    assert html.get_content_type() == "text/html"
    assert image.get_content_type() == "image/png"


def test_the_html_references_exactly_the_content_id_of_the_image(rendered):
    message = parse(build(rendered))
    _, related = message.iter_parts()
    html, image = related.iter_parts()
    content_id = image["Content-ID"]
    assert content_id.startswith("<") and content_id.endswith(">")
    assert html.get_content().count(f'src="cid:{content_id[1:-1]}"') == 1
    assert image.get_content_disposition() == "inline"
    assert image.get_filename() == rendered.images[0].filename
    assert image.get_content() == rendered.images[0].png


def test_both_parts_arrive_as_rendered(rendered):
    message = parse(build(rendered))
    text, related = message.iter_parts()
    html, _ = related.iter_parts()
    assert text.get_content().replace("\r\n", "\n") == rendered.text
    assert html.get_content().replace("\r\n", "\n") == rendered.html


def test_the_headers_name_sender_recipients_subject_date_and_message_id(rendered):
    message = parse(build(rendered))
    assert message["From"] == SENDER
    assert [a.addr_spec for a in message["To"].addresses] == list(RECIPIENTS)
    assert message["Subject"] == rendered.subject
    assert message["Date"].datetime == DATE
    assert message["Message-ID"].endswith("@advisor.example.com>")


def test_a_non_ascii_subject_and_body_survive_the_trip():
    message = parse(build(small("ETH/EUR 1h: Bollinger breakout (bullish) at 3,012.50 €")))
    assert message["Subject"] == "ETH/EUR 1h: Bollinger breakout (bullish) at 3,012.50 €"
    text, _ = message.iter_parts()
    assert text.get_content().replace("\r\n", "\n") == "RSI fell to 26.4 €\n"


def test_the_bytes_are_7_bit_with_crlf_line_ends_and_a_reasonable_size(rendered):
    data = bytes(build(rendered))
    assert max(data) < 128
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert len(data) < 300_000
    # base64 makes the image a third larger; the rest is the two text parts
    assert len(data) > len(rendered.images[0].png) * 4 // 3


def test_the_same_email_gets_the_same_message_id_and_another_date_another_one():
    first = build(small())["Message-ID"]
    assert build(small())["Message-ID"] == first
    assert build(small(), date=DATE + timedelta(hours=1))["Message-ID"] != first


def test_without_a_date_or_domain_those_headers_are_left_to_the_sender():
    message = parse(build(small(), date=None, message_id_domain=None))
    assert message["Date"] is None and message["Message-ID"] is None


@pytest.mark.parametrize(
    "changes",
    [
        {"sender": "alerts@example.com\r\nBcc: victim@example.com"},
        {"recipients": ["me@example.com\nBcc: victim@example.com"]},
    ],
)
def test_addresses_that_would_add_headers_are_refused(changes):
    with pytest.raises(ValueError, match="line break"):
        build(small(), **changes)


def test_a_subject_with_a_line_break_is_refused():
    with pytest.raises(ValueError, match="line break"):
        build(small("BTC\r\nBcc: victim@example.com"))


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"recipients": []}, ValueError),
        ({"recipients": "me@example.com"}, TypeError),
        ({"date": datetime(2026, 1, 1, 14, 5)}, ValueError),
        ({"message_id_domain": "example.com>"}, ValueError),
    ],
)
def test_arguments_that_would_make_a_broken_message_are_refused(changes, error):
    with pytest.raises(error):
        build(small(), **changes)


def test_a_date_in_another_zone_keeps_its_instant():
    local = DATE.astimezone(timezone(timedelta(hours=-5)))
    assert parse(build(small(), date=local))["Date"].datetime == DATE


def test_a_signed_unsubscribe_url_is_written_as_a_url_a_mail_client_finds():
    # Given an email whose one-click unsubscribe is a signed link of about 300 characters, as every alert's is
    url = "https://dashboard.example.com/email/unsubscribe?token=" + "eyJhY3Rpb24iOiJ1bnN1YnNjcmliZSJ9" * 8 + ".sig"
    raw = bytes(build(dataclasses.replace(small(), unsubscribe_url=url)))
    # Then the header carries the URL itself on one line (RFC 2369), never RFC 2047 encoded words a client shows as
    # text and offers no unsubscribe for, and within RFC 5322's 998 characters
    [line] = [line for line in raw.split(b"\r\n") if line.startswith(b"List-Unsubscribe:")]
    assert line == f"List-Unsubscribe: <{url}>".encode() and len(line) <= 998
    assert b"=?utf-8?" not in line
    # ... and the other headers and the parts still fold and encode as SMTP wants (lines of at most 78 and 76)
    assert max(len(line) for line in raw.split(b"\r\n") if not line.startswith(b"List-Unsubscribe:")) <= 78
    assert parse(build(dataclasses.replace(small(), unsubscribe_url=url)))["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )


def test_an_unsubscribe_url_too_long_for_one_header_line_is_refused():
    with pytest.raises(ValueError, match="998"):
        build(dataclasses.replace(small(), unsubscribe_url="https://example.com/u?t=" + "a" * 1000))
