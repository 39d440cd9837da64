"""The local outbox: every email the embedded SES accepted, written where a person can open it.

In server mode moto's backends live in this process, so the raw messages SES
accepted are read straight from moto's SES backend (``sent_messages``; the SES
API has no call that returns them). Each becomes
``<n>-<series>-<candle time>.eml`` (the bytes SES received; any mail client
opens it) and ``.html`` with its inline images saved beside it as ``.png`` and
the ``cid:`` references rewritten to those file names, because a browser
cannot resolve ``cid:``. The series and candle come from the Notifications
table, which records each SES message id against its (series, candle).

The embedded SES, like the real one, refuses to send from an address nobody
verified: :func:`verify_sender` verifies the stack's sender first.
"""

from __future__ import annotations

import email
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from crypto_advisor.local.stack import ACCOUNT, REGION, Stack

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class AcceptedEmail:
    """One message the embedded SES accepted: its SES message id and the raw bytes it received."""

    message_id: str
    source: str
    raw: bytes

    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=policy.default)


def verify_sender(stack: Stack) -> str:
    """Verify the stack's sender (the NotifyFunction's ``SENDER_EMAIL``) in the embedded SES; returns it."""
    lambda_client = stack.aws.client("lambda")
    name = stack.physical_ids["NotifyFunction"]
    sender = lambda_client.get_function_configuration(FunctionName=name)["Environment"]["Variables"]["SENDER_EMAIL"]
    stack.aws.client("ses").verify_email_identity(EmailAddress=sender)
    return sender


def accepted_emails(account: str = ACCOUNT, region: str = REGION) -> list[AcceptedEmail]:
    """Every raw message the embedded SES accepted in this process, oldest first."""
    from moto.ses.models import RawMessage, ses_backends

    backend = ses_backends[account][region]
    # moto keeps the raw message as the text it decoded from UTF-8; encoding it again gives the bytes sent.
    return [
        AcceptedEmail(m.id, m.source, m.raw_data.encode("utf-8"))
        for m in backend.sent_messages
        if isinstance(m, RawMessage)
    ]


#: What :func:`write_outbox` writes: the raw message, its browsable HTML, and the chart PNGs beside it.
OUTBOX_SUFFIXES = frozenset({".eml", ".html", ".png"})


def write_outbox(folder: Path, notifications_table: Any, *, emails: Iterable[AcceptedEmail] | None = None) -> list[str]:
    """Write ``emails`` (default: every one accepted) to ``folder``; returns their subjects, in order.

    ``notifications_table`` is the boto3 Table of the stack's Notifications
    table, where the notifier recorded each message id's series and candle.
    The folder then holds this run's emails only: what an earlier run wrote
    there (numbered from 001 like these) is removed first, so a second
    ``make demo`` does not leave the first one's emails among its own.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():
        if stale.is_file() and stale.suffix in OUTBOX_SUFFIXES:
            stale.unlink()
    where = _message_keys(notifications_table)
    subjects = []
    for n, accepted in enumerate(emails if emails is not None else accepted_emails(), start=1):
        series, candle_ts = where.get(accepted.message_id, ("unknown", None))
        stem = f"{n:03d}-{_UNSAFE.sub('_', series)}-{_stamp(candle_ts)}"
        (folder / f"{stem}.eml").write_bytes(accepted.raw)
        message = accepted.parsed()
        (folder / f"{stem}.html").write_text(_browsable_html(message, folder, stem), encoding="utf-8")
        subjects.append(str(message["Subject"]))
    return subjects


def _browsable_html(message: EmailMessage, folder: Path, stem: str) -> str:
    """The HTML part with each ``cid:`` image saved beside it and referenced by file name."""
    html_part = message.get_body(preferencelist=("html",))
    if html_part is None:
        text_part = message.get_body(preferencelist=("plain",))
        text = text_part.get_content() if text_part is not None else ""
        return "<pre>" + text.replace("&", "&amp;").replace("<", "&lt;") + "</pre>"
    html = html_part.get_content()
    for index, part in enumerate(p for p in message.walk() if p.get("Content-ID")):
        cid = str(part["Content-ID"]).strip().strip("<>")
        extension = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}.get(part.get_content_type(), "bin")
        name = f"{stem}-{index + 1}.{extension}"
        (folder / name).write_bytes(part.get_content())
        html = html.replace(f"cid:{cid}", name)
    return html


def _message_keys(table: Any) -> dict[str, tuple[str, int]]:
    keys: dict[str, tuple[str, int]] = {}
    kwargs: dict[str, Any] = {
        "ProjectionExpression": "series, #ts, message_id",
        "ExpressionAttributeNames": {"#ts": "ts"},
    }
    while True:
        page = table.scan(**kwargs)
        for item in page["Items"]:
            if item.get("message_id"):
                keys[str(item["message_id"])] = (str(item["series"]), int(item["ts"]))
        if "LastEvaluatedKey" not in page:
            return keys
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _stamp(ts_ms: int | None) -> str:
    if ts_ms is None:
        return "unknown"
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y%m%dT%H%MZ")
