"""The MIME messages the notifier handed to SES, kept in the archive bucket (``sent-emails/...``).

SES keeps no copy of what it sent. The notifier writes each alert's and market email's message here once SES has
it, so the dashboard's Alerts page opens the email as it was sent (issue 12) instead of drawing it again, which
needed the chart's packages (matplotlib, about 90 MB) in DashboardFunction. One object per decision; a
redelivered record writes the same key.
"""

from __future__ import annotations

from typing import Any

from crypto_advisor.adapters.objects import ObjectStore, S3Objects
from crypto_advisor.contracts.archive_keys import sent_email_key


class SentEmails:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._objects: ObjectStore = S3Objects(s3_client, bucket)

    def put(self, log_key: str, candle_ts: int, mime: bytes) -> None:
        self._objects.put(sent_email_key(log_key, candle_ts), mime, "message/rfc822")

    def get(self, log_key: str, candle_ts: int) -> bytes | None:
        """The message sent for the decision, or None when none was archived (sent before the archive began)."""
        return self._objects.get(sent_email_key(log_key, candle_ts))
