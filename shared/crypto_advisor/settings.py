"""Each function's settings: read from the environment once, validated, no silent defaults.

The logic never reads ``os.environ``; handlers build one of these and pass on
what is needed. A missing or malformed variable fails the cold start with a
message naming it, instead of a KeyError deep inside a run.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crypto_advisor.adapters.errors import ConfigError


class IngestSettings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    archive_bucket: str = Field(alias="ARCHIVE_BUCKET", min_length=3)
    candles_table: str = Field(alias="CANDLES_TABLE", min_length=3)
    candle_stream: str = Field(alias="CANDLE_STREAM", min_length=1)
    watchlist_uri: str = Field(alias="WATCHLIST_URI", pattern=r"^(file|s3)://")
    coingecko_secret_name: str = Field(alias="COINGECKO_SECRET_NAME", default="")
    hot_window_candles: int = Field(alias="HOT_WINDOW_CANDLES", ge=100)
    #: Set only locally, where it points every client at the embedded AWS; part
    #: of the settings so cached clients never outlive a change of endpoint.
    aws_endpoint_url: str | None = Field(alias="AWS_ENDPOINT_URL", default=None)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> IngestSettings:
        return _from_env(cls, environ, "IngestFunction")


class AnalyzeSettings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    candles_table: str = Field(alias="CANDLES_TABLE", min_length=3)
    signals_table: str = Field(alias="SIGNALS_TABLE", min_length=3)
    news_table: str = Field(alias="NEWS_TABLE", min_length=3)
    watchlist_uri: str = Field(alias="WATCHLIST_URI", pattern=r"^(file|s3)://")
    aws_endpoint_url: str | None = Field(alias="AWS_ENDPOINT_URL", default=None)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> AnalyzeSettings:
        return _from_env(cls, environ, "AnalyzeFunction")


class NewsSettings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    archive_bucket: str = Field(alias="ARCHIVE_BUCKET", min_length=3)
    news_table: str = Field(alias="NEWS_TABLE", min_length=3)
    #: ARN or name of the Secrets Manager secret holding the NewsAPI key (a secret without a value: news off)
    newsapi_secret_id: str = Field(alias="NEWSAPI_SECRET_ID", min_length=1)
    watchlist_uri: str = Field(alias="WATCHLIST_URI", pattern=r"^(file|s3)://")
    aws_endpoint_url: str | None = Field(alias="AWS_ENDPOINT_URL", default=None)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> NewsSettings:
        return _from_env(cls, environ, "NewsFunction")


class NotifySettings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    archive_bucket: str = Field(alias="ARCHIVE_BUCKET", min_length=3)
    candles_table: str = Field(alias="CANDLES_TABLE", min_length=3)
    notifications_table: str = Field(alias="NOTIFICATIONS_TABLE", min_length=3)
    sender_email: str = Field(alias="SENDER_EMAIL", pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    #: comma-separated default recipients; the watchlist's alerts.recipients overrides them
    recipient_emails: str = Field(alias="RECIPIENT_EMAILS", default="")
    watchlist_uri: str = Field(alias="WATCHLIST_URI", pattern=r"^(file|s3)://")
    aws_endpoint_url: str | None = Field(alias="AWS_ENDPOINT_URL", default=None)

    @property
    def default_recipients(self) -> tuple[str, ...]:
        return tuple(a.strip() for a in self.recipient_emails.split(",") if a.strip())

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> NotifySettings:
        return _from_env(cls, environ, "NotifyFunction")


def _from_env(model: type[BaseModel], environ: Mapping[str, str], function: str):
    names = {field.alias for field in model.model_fields.values()}
    try:
        return model.model_validate({k: v for k, v in environ.items() if k in names})
    except ValidationError as exc:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{function} environment: {problems}") from None
