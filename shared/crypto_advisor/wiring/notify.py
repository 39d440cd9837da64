"""Builds NotifyFunction's collaborators from settings, once per container and watchlist version.

SES gets a client of its own (:func:`make_ses_client`, also DigestFunction's): one
attempt per send and short timeouts. botocore's retries would send the email
again after an answer that was merely late (SES had accepted it), and a read
timeout as long as the function's (60 s by default) would let one hung send
kill the invocation while it holds the email's claim. A send now ends within
``connect + read`` timeout with an answer, a refusal, or "unknown"
(:class:`~crypto_advisor.contracts.errors.DeliveryUnknownError`); the stream,
not the SDK, retries what was refused.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
from botocore.config import Config

from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.config_source import RefreshedSecret, load_watchlist
from crypto_advisor.adapters.ledger import ForecastLedger
from crypto_advisor.adapters.notification_log import NotificationLog
from crypto_advisor.adapters.replay_figures import ReplayFiguresStore
from crypto_advisor.adapters.sent_emails import SentEmails
from crypto_advisor.adapters.ses import SesMailer
from crypto_advisor.adapters.settings_store import SettingsStore
from crypto_advisor.adapters.signal_history import SignalHistory
from crypto_advisor.notify.links import LinkSigner
from crypto_advisor.notify.service import Notifier
from crypto_advisor.wiring.settings import NotifySettings, SteersEmail
from crypto_advisor.wiring.watchlist_version import rebuilt_on_watchlist_edit

#: One attempt, and an answer (or a timeout) well inside any function's timeout: at most 3 + 10 s per send.
SES_CONFIG = Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard", "total_max_attempts": 1})


def make_ses_client(session: Any, *, endpoint_url: str | None = None) -> Any:
    """The SES client every sender uses (alerts, market emails, digests): :data:`SES_CONFIG`."""
    return session.client("ses", config=SES_CONFIG, endpoint_url=endpoint_url)


@rebuilt_on_watchlist_edit
def notifier(settings: NotifySettings) -> Notifier:
    session = boto3.session.Session()
    dynamodb = session.resource("dynamodb")
    s3 = session.client("s3")
    return Notifier(
        watchlist=load_watchlist(settings.watchlist_uri, s3_client=s3),
        log=NotificationLog(dynamodb.Table(settings.notifications_table)),
        candles=CandleStore(dynamodb.Table(settings.candles_table), hot_window=0),
        figures=ReplayFiguresStore(s3, settings.archive_bucket),
        mailer=SesMailer(make_ses_client(session), settings.ses_configuration_set),
        sender=settings.sender_email,
        default_recipients=settings.default_recipients,
        ledger=ForecastLedger(dynamodb.Table(settings.ledger_table)),
        signals=SignalHistory(dynamodb.Table(settings.signals_table)),
        sleep=time.sleep,
        steering=email_steering(settings, session),
        links=link_signer(settings, session),
        sent=SentEmails(s3, settings.archive_bucket),
    )


def email_steering(settings: SteersEmail, session: boto3.session.Session) -> SettingsStore:
    """The SettingsTable, read for the mutes and the unsubscribes."""
    return SettingsStore(session.client("dynamodb"), session.resource("dynamodb").Table(settings.settings_table))


def link_signer(settings: SteersEmail, session: boto3.session.Session) -> LinkSigner | None:
    """Signs the emails' links with the stack's key; None without the dashboard's URL (the emails carry no links)."""
    if not settings.dashboard_url:
        return None
    secret = RefreshedSecret(settings.link_key_secret_id, secrets_client=session.client("secretsmanager"))
    secret()  # read at the cold start: a missing or unreadable key fails it, naming the secret
    return LinkSigner(settings.dashboard_url, lambda: secret().encode())


def notify_deps(settings: NotifySettings, ses_client: Any = None) -> Notifier:
    """The cached notifier; with ``ses_client`` (tests and the demo wrap the embedded SES) sending through it."""
    deps = notifier(settings)
    return deps if ses_client is None else deps.with_mailer(SesMailer(ses_client, settings.ses_configuration_set))
