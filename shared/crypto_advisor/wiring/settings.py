"""Each function's settings: read from the environment once, validated, no silent defaults.

The logic never reads ``os.environ``; handlers build one of these and pass on
what is needed. A missing or malformed variable fails the cold start with a
message naming it, instead of a KeyError deep inside a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crypto_advisor.contracts.errors import ConfigError
from crypto_advisor.contracts.watchlist import EMAIL_ADDRESS, not_addresses


class FunctionSettings(BaseModel):
    """What every function's settings share: frozen (a cache key), built from the environment by name.

    Every function imports this module and uses one of its models, so the validators are built on demand
    (``defer_build``) rather than all at import: importing the module took 25 to 40 ms of CPU with all of them built,
    15 ms without, and each function needs one (about 2 ms). Each function builds its own at import
    (:func:`built`, in its handler or where its model is defined), so that one is still paid by the cold start, not by
    the first event.
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True, defer_build=True)

    #: The function these settings belong to, named in every error.
    function: ClassVar[str] = "function"
    watchlist_uri: str = Field(alias="WATCHLIST_URI", pattern=r"^(file|s3)://")
    #: Set only locally, where it points every client at the embedded AWS; part
    #: of the settings so cached clients never outlive a change of endpoint.
    aws_endpoint_url: str | None = Field(alias="AWS_ENDPOINT_URL", default=None)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Self:
        names = {field.alias for field in cls.model_fields.values()}
        try:
            return cls.model_validate({k: v for k, v in environ.items() if k in names})
        except ValidationError as exc:
            problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
            raise ConfigError(f"{cls.function} environment: {problems}") from None


S = TypeVar("S", bound=FunctionSettings)


def built(settings: type[S]) -> type[S]:
    """``settings`` with its validator built now (at import, in the composition root of the function it belongs to)."""
    settings.model_rebuild()
    return settings


class IngestStoresSettings(FunctionSettings):
    """What the scheduled ingest run and the ingest worker share: the stores, the sources, the queues' concurrency."""

    archive_bucket: str = Field(alias="ARCHIVE_BUCKET", min_length=3)
    candles_table: str = Field(alias="CANDLES_TABLE", min_length=3)
    candle_stream: str = Field(alias="CANDLE_STREAM", min_length=1)
    coingecko_secret_name: str = Field(alias="COINGECKO_SECRET_NAME", default="")
    hot_window_candles: int = Field(alias="HOT_WINDOW_CANDLES", ge=100)
    #: each source queue mapping's MaximumConcurrency (the same template parameter): the chunk sizes and the
    #: workers' pacing follow from it
    kraken_concurrency: int = Field(default=2, alias="INGEST_KRAKEN_CONCURRENCY", ge=1)
    coingecko_concurrency: int = Field(default=2, alias="INGEST_COINGECKO_CONCURRENCY", ge=1)

    @property
    def concurrency(self) -> dict[str, int]:
        return {"kraken": self.kraken_concurrency, "coingecko": self.coingecko_concurrency}


class IngestSettings(IngestStoresSettings):
    function: ClassVar[str] = "IngestFunction"

    #: the per-source ingest queues' URLs; empty: every tick runs inline (a stack without them)
    kraken_queue_url: str = Field(default="", alias="INGEST_KRAKEN_QUEUE_URL")
    coingecko_queue_url: str = Field(default="", alias="INGEST_COINGECKO_QUEUE_URL")
    #: the scheduled run fetches inline what one caller fetches in this many seconds (its timeout is 240 s)
    inline_seconds: float = Field(default=120.0, alias="INGEST_INLINE_SECONDS", ge=0)
    #: seconds of paced fetching one worker invocation is given (its chunk's size follows; its timeout is 300 s)
    chunk_seconds: float = Field(default=120.0, alias="INGEST_CHUNK_SECONDS", gt=0)

    @property
    def queue_urls(self) -> dict[str, str]:
        """source -> its ingest queue's URL, for the sources that have one."""
        urls = {"kraken": self.kraken_queue_url, "coingecko": self.coingecko_queue_url}
        return {source: url for source, url in urls.items() if url}


class IngestWorkerSettings(IngestStoresSettings):
    """IngestWorkerFunction's: the scheduled run's stores and sources, its calls paced by the concurrency."""

    function: ClassVar[str] = "IngestWorkerFunction"


class AnalyzeSettings(FunctionSettings):
    function: ClassVar[str] = "AnalyzeFunction"

    #: where the served models are (``models/`` in the archive bucket)
    archive_bucket: str = Field(alias="ARCHIVE_BUCKET", min_length=3)
    candles_table: str = Field(alias="CANDLES_TABLE", min_length=3)
    signals_table: str = Field(alias="SIGNALS_TABLE", min_length=3)
    news_table: str = Field(alias="NEWS_TABLE", min_length=3)


class NewsSettings(FunctionSettings):
    function: ClassVar[str] = "NewsFunction"

    archive_bucket: str = Field(alias="ARCHIVE_BUCKET", min_length=3)
    news_table: str = Field(alias="NEWS_TABLE", min_length=3)
    #: ARN or name of the Secrets Manager secret holding the NewsAPI key (a secret without a value: news off)
    newsapi_secret_id: str = Field(alias="NEWSAPI_SECRET_ID", min_length=1)


class SendsEmail(FunctionSettings):
    """The settings of a function that sends email: its sender and default recipients, checked at start.

    By the watchlist's address rule (:data:`~crypto_advisor.contracts.watchlist.EMAIL_ADDRESS`, which
    template.yaml's patterns also follow), so an address SES would refuse, or that would send to the wrong place
    (``"CEO"<ceo@bank.com>``), fails the cold start naming it rather than the first send.
    """

    sender_email: str = Field(alias="SENDER_EMAIL", pattern=f"^{EMAIL_ADDRESS}$")
    #: comma-separated default recipients; the watchlist's alerts.recipients overrides them
    recipient_emails: str = Field(alias="RECIPIENT_EMAILS", default="")

    @field_validator("recipient_emails")
    @classmethod
    def _addresses(cls, value: str) -> str:
        bad = not_addresses([a for a in value.split(",") if a.strip()])
        if bad:
            raise ValueError(f"not an email address: {', '.join(repr(b.strip()) for b in bad)}")
        return value

    @property
    def default_recipients(self) -> tuple[str, ...]:
        return addresses(self.recipient_emails)


def addresses(text: str) -> tuple[str, ...]:
    """A comma-separated parameter (``RecipientEmails``) as its addresses, blanks dropped."""
    return tuple(a.strip() for a in text.split(",") if a.strip())


class SteersEmail(SendsEmail):
    """The settings of a function whose emails carry the dashboard's links and honour the unsubscribes."""

    #: mutes and unsubscribes, read before an email could go
    settings_table: str = Field(alias="SETTINGS_TABLE", min_length=3)
    #: the dashboard's URL: each email links to its series pages and an unsubscribe (an alert, a mute too); empty: none
    dashboard_url: str = Field(
        default="", alias="DASHBOARD_URL", pattern=r"^(|https://\S+|http://(127\.0\.0\.1|localhost)(:\d+)?/?)$"
    )
    #: the secret whose value signs those links
    link_key_secret_id: str = Field(alias="LINK_KEY_SECRET_ID", min_length=1)


class NotifySettings(SteersEmail):
    function: ClassVar[str] = "NotifyFunction"

    archive_bucket: str = Field(alias="ARCHIVE_BUCKET", min_length=3)
    candles_table: str = Field(alias="CANDLES_TABLE", min_length=3)
    notifications_table: str = Field(alias="NOTIFICATIONS_TABLE", min_length=3)
    #: read for the other coins' signals of a large move's candle (the market email)
    signals_table: str = Field(alias="SIGNALS_TABLE", min_length=3)
    #: the forecast ledger: predictions emailed, graded once their horizon passed
    ledger_table: str = Field(alias="LEDGER_TABLE", min_length=3)
    #: the SES configuration set every email names (its bounces and complaints reach the alarms)
    ses_configuration_set: str = Field(alias="SES_CONFIGURATION_SET", min_length=1)


class TrainSettings(FunctionSettings):
    function: ClassVar[str] = "TrainFunction"

    #: the archive read, and where the models and the replay figures are written
    archive_bucket: str = Field(alias="ARCHIVE_BUCKET", min_length=3)
    #: the training queue's URL; empty: every run trains inline (``make train``, a stack without the queue)
    train_queue_url: str = Field(default="", alias="TRAIN_QUEUE_URL")
    #: a watchlist of at most this many series is trained in the scheduled invocation itself
    inline_series: int = Field(default=20, alias="TRAIN_INLINE_SERIES", ge=0)
    #: series per training task when the run fans out (each task is one invocation, within 15 minutes)
    series_per_task: int = Field(default=1, alias="TRAIN_SERIES_PER_TASK", ge=1)


class SteeringSettings(FunctionSettings):
    """DashboardFunction's settings for Settings and the email links (:mod:`crypto_advisor.wiring.steering`)."""

    function: ClassVar[str] = "DashboardFunction"

    #: mutes, unsubscribes, the history of changes and the email links already used
    settings_table: str = Field(alias="SETTINGS_TABLE", min_length=3)
    #: the Secrets Manager secret (generated by the stack) whose value signs and checks the email links
    link_key_secret_id: str = Field(alias="LINK_KEY_SECRET_ID", min_length=1)
    #: the CoinGecko key's secret, to ask CoinGecko whether it lists a new series (empty: the public API)
    coingecko_secret_name: str = Field(alias="COINGECKO_SECRET_NAME", default="")
