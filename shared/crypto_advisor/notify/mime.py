"""The rendered email as one MIME message, the bytes SES ``send_raw_email`` sends.

Structure, which every mail client understands and which puts the chart inside
the message instead of behind a URL that clients block::

    multipart/alternative
    ├── text/plain                      (clients that show no HTML; read first by none that do)
    └── multipart/related
        ├── text/html                   (references the chart as src="cid:...")
        └── image/png                   (Content-ID: <...>, Content-Disposition: inline)

Built with the standard library's :mod:`email` (``policy.SMTP``: CRLF line
ends, RFC 2047 encoded non-ASCII headers), never by hand. Both text parts are
quoted-printable so the message is 7-bit clean whatever the relay. Pure: the
caller passes the date (no clock here), and the Message-ID is derived from the
content, so the same email built twice is the same message. SES overwrites
both headers with its own when it accepts a message
(https://docs.aws.amazon.com/ses/latest/dg/header-fields.html); they matter
for the local outbox and for any other relay.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime
from typing import cast

from crypto_advisor.notify.render import RenderedEmail

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
#: The local dashboard (make demo, make dashboard) is plain http on the loopback address; nothing else may be.
_LOCAL_URL = re.compile(r"^http://(127\.0\.0\.1|localhost)(:\d+)?/")
#: RFC 5322's limit on a line, the header's name included.
MAX_LINE = 998


class _UrlListHeader(UnstructuredHeader):
    """``List-Unsubscribe`` written as it is (RFC 2369: angle-bracketed URLs), on one line.

    ``policy.SMTP`` folds a header at 78 characters, and a signed unsubscribe URL (about 300) has no whitespace to
    fold at, so it wrote the value as RFC 2047 encoded words (``=?utf-8?q?=3Chttp...``): text a mail client shows,
    not a URL it finds, so the client's one-click unsubscribe was never offered. A URL may not be encoded, and a line
    may hold 998 characters (:data:`MAX_LINE`), which :func:`build_message` checks.
    """

    max_count = 1

    def fold(self, *, policy: policy.Policy) -> str:
        # The registry mixes BaseHeader in (its name and value); typeshed cannot see it.
        return f"{cast(BaseHeader, self).name}: {self}{policy.linesep}"


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", cast("type[BaseHeader]", _UrlListHeader))
#: ``policy.SMTP`` but for the URL headers (:class:`_UrlListHeader`).
_POLICY = policy.SMTP.clone(header_factory=_HEADERS)


def build_message(
    email: RenderedEmail,
    *,
    sender: str,
    recipients: Sequence[str],
    message_id_domain: str | None = None,
    date: datetime | None = None,
) -> EmailMessage:
    """The MIME message of ``email`` from ``sender`` to ``recipients``.

    ``date`` must be timezone-aware; without it there is no Date header.
    ``message_id_domain`` (a bare domain such as ``example.com``) gives a
    Message-ID; without it there is none. SES adds both in any case. Addresses
    or a subject carrying CR or LF are refused: they would let text from a
    config file or a headline add headers of its own.
    """
    if isinstance(recipients, str):
        raise TypeError("recipients must be a sequence of addresses, not one string")
    if not recipients:
        raise ValueError("an email needs at least one recipient")
    for value in (sender, *recipients, email.subject, message_id_domain or ""):
        _no_line_breaks(value)
    if message_id_domain is not None and not _DOMAIN.fullmatch(message_id_domain):
        raise ValueError(f"message_id_domain {message_id_domain!r} is not a domain name such as example.com")
    if date is not None and date.utcoffset() is None:
        raise ValueError("date must be timezone-aware")
    cids = [image.cid for image in email.images]
    if len(set(cids)) != len(cids) or any(not cid or any(c in cid for c in "<> \t") for cid in cids):
        raise ValueError(f"image content ids must be unique, non-empty and carry no brackets or spaces: {cids}")

    message = EmailMessage(policy=_POLICY)
    message["Subject"] = email.subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    if date is not None:
        message["Date"] = format_datetime(date)
    if message_id_domain:
        message["Message-ID"] = _message_id(email, sender, recipients, date, message_id_domain)
    if email.unsubscribe_url is not None:
        # RFC 8058: the client POSTs "List-Unsubscribe=One-Click" to this https URL, no page shown. An https URL only
        # (RFC 8058 section 3.1); SES DKIM-signs these headers, which the RFC requires of the sender.
        if not email.unsubscribe_url.startswith("https://") and not _LOCAL_URL.match(email.unsubscribe_url):
            raise ValueError(f"the unsubscribe URL must be https: {email.unsubscribe_url[:80]!r}")
        _no_line_breaks(email.unsubscribe_url)
        if len(f"List-Unsubscribe: <{email.unsubscribe_url}>") > MAX_LINE:
            raise ValueError(f"the unsubscribe URL is {len(email.unsubscribe_url)} characters: a header line holds 998")
        message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"

    message.set_content(email.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(email.html, subtype="html", charset="utf-8", cte="quoted-printable")
    if email.images:
        html_part = cast(list[EmailMessage], message.get_payload())[1]
        for image in email.images:
            html_part.add_related(
                image.png,
                maintype="image",
                subtype="png",
                cid=f"<{image.cid}>",
                disposition="inline",
                filename=image.filename,
            )
    return message


def _no_line_breaks(value: str) -> None:
    if "\r" in value or "\n" in value:
        raise ValueError(f"header value carries a line break: {value[:80]!r}")


def _message_id(
    email: RenderedEmail, sender: str, recipients: Sequence[str], date: datetime | None, domain: str
) -> str:
    digest = hashlib.sha256()
    for part in (sender, *recipients, email.subject, email.text, date.isoformat() if date else ""):
        digest.update(part.encode("utf-8") + b"\0")
    return f"<{digest.hexdigest()[:32]}@{domain}>"
