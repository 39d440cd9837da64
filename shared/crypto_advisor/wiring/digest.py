"""Builds DigestFunction's settings and collaborators, once per container and watchlist version
(:mod:`.watchlist_version`).

The settings live here rather than in :mod:`.settings` beside the others only
because this module is the digest's whole composition root; they follow the
same rules (frozen, from the environment by name, no silent defaults for
resource names).

The notification log's lease is twice DigestFunction's timeout (120 s in
template.yaml), as the notifier's is twice its own: by then Lambda has stopped
an invocation that died holding a claim, so a live sender is never overtaken.
"""

from __future__ import annotations

from typing import Any, ClassVar

import boto3
from pydantic import Field

from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.config_source import load_watchlist
from crypto_advisor.adapters.notification_log import NotificationLog
from crypto_advisor.adapters.scan_reports import ScanReports
from crypto_advisor.adapters.ses import SesMailer
from crypto_advisor.adapters.signal_history import SignalHistory
from crypto_advisor.digest.service import Digester
from crypto_advisor.wiring.notify import email_steering, link_signer, make_ses_client
from crypto_advisor.wiring.settings import SteersEmail, built
from crypto_advisor.wiring.watchlist_version import rebuilt_on_watchlist_edit

#: 2 x DigestFunction's Timeout in template.yaml.
DIGEST_LEASE_MS = 1_800_000


@built  # its validator at import: the cold start pays for it, not the first event
class DigestFunctionSettings(SteersEmail):
    function: ClassVar[str] = "DigestFunction"

    candles_table: str = Field(alias="CANDLES_TABLE", min_length=3)
    signals_table: str = Field(alias="SIGNALS_TABLE", min_length=3)
    notifications_table: str = Field(alias="NOTIFICATIONS_TABLE", min_length=3)
    #: the SES configuration set every email names (its bounces and complaints reach the alarms)
    ses_configuration_set: str = Field(alias="SES_CONFIGURATION_SET", min_length=1)
    #: where the market scans' snapshots and breakout reports are (``reports/scan/``)
    archive_bucket: str = Field(alias="ARCHIVE_BUCKET", min_length=3)


@rebuilt_on_watchlist_edit
def digester(settings: DigestFunctionSettings) -> Digester:
    session = boto3.session.Session()
    dynamodb = session.resource("dynamodb")
    s3 = session.client("s3")
    watchlist = load_watchlist(settings.watchlist_uri, s3_client=s3)
    return Digester(
        watchlist=watchlist,
        log=NotificationLog(dynamodb.Table(settings.notifications_table), lease_ms=DIGEST_LEASE_MS),
        signals=SignalHistory(dynamodb.Table(settings.signals_table)),
        candles=CandleStore(dynamodb.Table(settings.candles_table), hot_window=0),
        mailer=SesMailer(make_ses_client(session), settings.ses_configuration_set),
        sender=settings.sender_email,
        default_recipients=settings.default_recipients,
        scans=ScanReports(s3, settings.archive_bucket) if watchlist.scans else None,
        steering=email_steering(settings, session),
        links=link_signer(settings, session),
    )


def digest_deps(settings: DigestFunctionSettings, ses_client: Any = None) -> Digester:
    """The cached digester; with ``ses_client`` (tests wrap the embedded SES) sending through it."""
    deps = digester(settings)
    return deps if ses_client is None else deps.with_mailer(SesMailer(ses_client, settings.ses_configuration_set))
