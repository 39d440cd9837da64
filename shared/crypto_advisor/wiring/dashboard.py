"""Builds DashboardFunction's settings and collaborators, once per container (cached on the settings).

The read side keeps what it read between requests of a warm container, each
kind of record under the freshness rule of :mod:`crypto_advisor.dashboard.read_cache`
(candles and the newest signal exact, by the cursors; the rest at most 30 s
old). The watchlist is read on every request that needs it (one S3 GET), so a
series added in Settings shows on the next page load, not after the container
is recycled; it is parsed again only when its text changed.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from typing import Any, ClassVar

import boto3
from pydantic import Field

from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.cognito_sign_in import CognitoSignIn
from crypto_advisor.adapters.config_source import WatchlistReader
from crypto_advisor.adapters.decision_pages import DecisionPages
from crypto_advisor.adapters.ledger import ForecastLedger
from crypto_advisor.adapters.news_store import NewsStore
from crypto_advisor.adapters.replay_figures import ReplayFiguresStore
from crypto_advisor.adapters.sent_emails import SentEmails
from crypto_advisor.adapters.signal_history import SignalHistory
from crypto_advisor.contracts.series import Series
from crypto_advisor.dashboard.read_cache import HeldCandles, HeldSignals, Memo, remembered
from crypto_advisor.dashboard.service import Dashboard
from crypto_advisor.wiring.settings import SteeringSettings, addresses, built


@built  # its validator at import: the cold start pays for it, not the first event
class DashboardSettings(SteeringSettings):
    """The read side's settings, and Settings' and the email links' (:class:`SteeringSettings`)."""

    function: ClassVar[str] = "DashboardFunction"

    #: the served models' cards and the replay figures (read only)
    archive_bucket: str = Field(alias="ARCHIVE_BUCKET", min_length=3)
    candles_table: str = Field(alias="CANDLES_TABLE", min_length=3)
    signals_table: str = Field(alias="SIGNALS_TABLE", min_length=3)
    notifications_table: str = Field(alias="NOTIFICATIONS_TABLE", min_length=3)
    ledger_table: str = Field(alias="LEDGER_TABLE", min_length=3)
    news_table: str = Field(alias="NEWS_TABLE", min_length=3)
    #: the dashboard's Cognito app client (no secret): sign-in is made server side with it
    user_pool_client_id: str = Field(alias="USER_POOL_CLIENT_ID", min_length=1)
    #: the stack's RecipientEmails, which the alerts go to when the watchlist names no alerts.recipients: Settings
    #: shows whom the alerts reach. Shown, never sent to, so not checked again here: the template's AllowedPattern
    #: holds it to the address rule, and NotifyFunction and DigestFunction refuse a bad one at their start.
    recipient_emails: str = Field(alias="RECIPIENT_EMAILS", default="")

    @property
    def default_recipients(self) -> tuple[str, ...]:
        return addresses(self.recipient_emails)


class ServedCards:
    """The served model's cards, with the forest's feature importances from its bundle (by feature name).

    The model store (and with it the forecast package's artifacts, numpy) is built on the first call: only the series
    page shows cards, and the other routes of a cold container should not load numpy (issue 9's cold import).
    """

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3, self._bucket = s3_client, bucket
        self._store: Any = None

    def served_cards(self, series: Series) -> tuple[Sequence[Any], dict[str, float] | None]:
        if self._store is None:
            from crypto_advisor.wiring.models import model_store

            self._store = model_store(self._s3, self._bucket)
        served = self._store.load_latest(series)
        if served is None:
            return (), None
        artifacts = served.artifacts
        importances = artifacts.forest.importances
        named = dict(zip(artifacts.feature_names, map(float, importances), strict=True)) if len(importances) else None
        return served.cards, named


@functools.lru_cache(maxsize=4)
def dashboard(settings: DashboardSettings) -> Dashboard:
    session = boto3.session.Session()
    dynamodb = session.resource("dynamodb")
    s3 = session.client("s3")
    memo = Memo(time.monotonic)
    return Dashboard(
        watchlist=WatchlistReader(settings.watchlist_uri, s3_client=s3),
        candles=HeldCandles(CandleStore(dynamodb.Table(settings.candles_table), hot_window=0)),
        signals=HeldSignals(SignalHistory(dynamodb.Table(settings.signals_table)), memo),
        decisions=remembered(DecisionPages(dynamodb.Table(settings.notifications_table)), memo),
        figures=remembered(ReplayFiguresStore(s3, settings.archive_bucket), memo),
        models=remembered(ServedCards(s3, settings.archive_bucket), memo),
        ledger=remembered(ForecastLedger(dynamodb.Table(settings.ledger_table)), memo),
        news=remembered(NewsStore(dynamodb.Table(settings.news_table)), memo),
        sent=SentEmails(s3, settings.archive_bucket),
        clock_ms=lambda: int(time.time() * 1000),
        memo=memo,
    )


@functools.lru_cache(maxsize=4)
def sign_in(settings: DashboardSettings) -> CognitoSignIn:
    return CognitoSignIn(boto3.session.Session().client("cognito-idp"), settings.user_pool_client_id)
