"""Builds NotifyFunction's collaborators from settings, once per container (cached on the settings).

The SES client gets botocore's standard retry mode: a throttled call is retried
a few times with backoff inside the invocation before the record is failed and
left to the stream's own retries.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.config_source import load_watchlist
from crypto_advisor.adapters.ledger import ForecastLedger
from crypto_advisor.adapters.notification_log import NotificationLog
from crypto_advisor.adapters.replay_figures import ReplayFiguresStore
from crypto_advisor.adapters.ses import SesMailer
from crypto_advisor.adapters.signal_history import SignalHistory
from crypto_advisor.notify.service import Notifier
from crypto_advisor.wiring.settings import NotifySettings

SES_RETRIES = Config(retries={"mode": "standard", "max_attempts": 4})


@functools.lru_cache(maxsize=4)
def notifier(settings: NotifySettings) -> Notifier:
    session = boto3.session.Session()
    dynamodb = session.resource("dynamodb")
    s3 = session.client("s3")
    return Notifier(
        watchlist=load_watchlist(settings.watchlist_uri, s3_client=s3),
        log=NotificationLog(dynamodb.Table(settings.notifications_table)),
        candles=CandleStore(dynamodb.Table(settings.candles_table), hot_window=0),
        figures=ReplayFiguresStore(s3, settings.archive_bucket),
        mailer=SesMailer(session.client("ses", config=SES_RETRIES), settings.ses_configuration_set),
        sender=settings.sender_email,
        default_recipients=settings.default_recipients,
        ledger=ForecastLedger(dynamodb.Table(settings.ledger_table)),
        signals=SignalHistory(dynamodb.Table(settings.signals_table)),
    )


def notify_deps(settings: NotifySettings, ses_client: Any = None) -> Notifier:
    """The cached notifier; with ``ses_client`` (tests and the demo wrap the embedded SES) sending through it."""
    deps = notifier(settings)
    return deps if ses_client is None else deps.with_mailer(SesMailer(ses_client, settings.ses_configuration_set))
