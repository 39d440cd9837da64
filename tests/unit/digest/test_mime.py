"""The digest as the bytes SES receives, parsed back: the alert email's MIME standard, the chart inline."""

from __future__ import annotations

import email
from email import policy
from email.utils import parsedate_to_datetime

from crypto_advisor.digest.due import due_instant
from tests.unit.digest.conftest import AT_MS, RECIPIENT, SENDER, WALL_MS, watchlist


def test_the_digest_is_text_and_html_alternatives_with_the_chart_inline(make_digester):
    # Given a due run that sends the digest
    digester, _, mailer, _ = make_digester()
    digester.run(at_ms=AT_MS, wall_ms=WALL_MS)
    [(sender, recipients, raw)] = mailer.sent
    # When the bytes SES received are parsed back
    message = email.message_from_bytes(raw, policy=policy.default)
    # Then it is multipart/alternative: plain text first, then the HTML with its related image
    assert message.get_content_type() == "multipart/alternative"
    text_part, related = message.get_payload()  # type: ignore[misc]
    assert text_part.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html" and image.get_content_type() == "image/png"
    # ... the HTML shows the image by its Content-ID, inline, and the image is a PNG a phone can load
    cid = str(image["Content-ID"]).strip("<>")
    assert f'src="cid:{cid}"' in html_part.get_content()
    assert image.get_content_disposition() == "inline"
    png = image.get_content()
    assert png.startswith(b"\x89PNG") and len(png) < 200_000
    # ... the headers: the subject, from the sender to the recipient alone, dated when the digest came due
    assert str(message["Subject"]).startswith("Daily digest")
    assert (sender, recipients, message["From"], message["To"]) == (SENDER, (RECIPIENT,), SENDER, RECIPIENT)
    due = due_instant(digester.watchlist.digest, parsedate_to_datetime(message["Date"]).date())
    assert parsedate_to_datetime(message["Date"]).timestamp() * 1000 == due
    assert str(message["Message-ID"]).endswith("@example.com>")
    # ... and both parts are 7-bit clean for any relay, the whole well under SES's 10 MB
    assert all(b < 128 for b in raw) and len(raw) < 300_000


def test_the_same_run_retried_later_on_the_wall_clock_sends_the_same_message_id(make_digester):
    # Given the same scheduled run made twice, a minute apart on the wall clock (a retry after a release)
    first, _, first_mailer, _ = make_digester()
    again, _, again_mailer, _ = make_digester()
    first.run(at_ms=AT_MS, wall_ms=WALL_MS)
    again.run(at_ms=AT_MS, wall_ms=WALL_MS + 60_000)
    # Then both messages are built alike (content and due time, not the clock): what the local outbox and relays other
    # than SES see (SES replaces the Message-ID with its own, so this merges nothing in a mailbox)
    [one], [other] = first_mailer.messages(), again_mailer.messages()
    assert one["Message-ID"] == other["Message-ID"]


def test_a_zone_ahead_of_utc_dates_the_digest_by_its_local_day(make_digester):
    # Given a digest at 07:00 in Auckland, where it is already the next day at 19:00 UTC
    digester, _, mailer, _ = make_digester(watchlist(timezone="Pacific/Auckland"))
    digester.run(at_ms=AT_MS, wall_ms=WALL_MS)  # 20:05 NZDT on 15 Feb
    # Then today's (the 15th) digest went, dated at its 07:00 NZDT
    [message] = mailer.messages()
    assert str(message["Subject"]).startswith("Daily digest Sat 15 Feb")
