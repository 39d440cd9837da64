"""Where configuration comes from: the watchlist file (bundled or in S3) and secrets."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.contracts.errors import ConfigError
from crypto_advisor.contracts.watchlist import Watchlist, WatchlistError
from crypto_advisor.contracts.watchlist_file import parse_watchlist


def read_text(uri: str, *, s3_client: Any = None) -> str:
    """Text of ``file:///path`` or ``s3://bucket/key``."""
    parsed = urlparse(uri)
    try:
        if parsed.scheme == "file":
            with open(parsed.path, encoding="utf-8") as handle:
                return handle.read()
        if parsed.scheme == "s3":
            body = _s3_needed(uri, s3_client).get_object(**_s3_object(uri))["Body"]
            return body.read().decode("utf-8")
    except (OSError, ClientError, BotoCoreError) as exc:
        raise ConfigError(f"cannot read {uri}: {exc}") from exc
    raise _unsupported(uri)


def _s3_object(uri: str) -> dict[str, str]:
    """The ``Bucket`` and ``Key`` arguments of an ``s3://bucket/key`` URI's object."""
    parsed = urlparse(uri)
    return {"Bucket": parsed.netloc, "Key": parsed.path.lstrip("/")}


def _s3_needed(uri: str, s3_client: Any) -> Any:
    if s3_client is None:
        raise ConfigError(f"{uri}: an S3 client is needed to read it")
    return s3_client


def _unsupported(uri: str) -> ConfigError:
    return ConfigError(f"unsupported location {uri!r}; expected file:///path or s3://bucket/key")


def load_watchlist(uri: str, *, s3_client: Any = None) -> Watchlist:
    try:
        return parse_watchlist(read_text(uri, s3_client=s3_client), origin=uri)
    except WatchlistError as exc:
        raise ConfigError(str(exc)) from exc


#: How long a warm container goes without asking S3 whether the watchlist object changed: a watchlist edited on the
#: Settings page takes effect within this, for at most one HeadObject a minute per warm container.
WATCHLIST_CHECK_SECONDS = 60.0

#: The version of a bundled watchlist (``file://``): it ships with the code, so it never changes within a deployment.
BUNDLED_VERSION = "bundled"


class WatchlistVersion:
    """Which version of the watchlist is current: the S3 object's ETag, or :data:`BUNDLED_VERSION` for ``file://``.

    Why: each function builds its dependencies, the watchlist among them, once per container, and a warm container
    lives for hours (IngestFunction's, run every 5 minutes, may never go cold): keyed on this version, they are built
    again once after the Settings page rewrites the object, instead of at the next cold start. S3 is asked
    (HeadObject, which ``s3:GetObject`` allows) at most once per ``interval_s`` of ``clock``, the last answer reused
    in between.

    A failed check keeps the version known last (a freshness check must not fail an invocation that would otherwise
    work) and tells ``on_stale`` (the URI and the error); the next check is an interval later. A container's first
    check has no version to keep: its error is raised, a :class:`ConfigError` naming the URI, as reading the
    watchlist would.
    """

    def __init__(
        self,
        uri: str,
        *,
        s3_client: Any = None,
        interval_s: float = WATCHLIST_CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        on_stale: Callable[[str, ConfigError], None] | None = None,
    ) -> None:
        self._uri = uri
        self._s3_client = s3_client
        self._interval_s = interval_s
        self._clock = clock
        self._on_stale = on_stale
        self._known: str | None = None
        self._checked_at = 0.0

    def __call__(self) -> str:
        if urlparse(self._uri).scheme == "file":
            return BUNDLED_VERSION
        now = self._clock()
        if self._known is not None and now - self._checked_at < self._interval_s:
            return self._known
        try:
            current = self._ask()
        except ConfigError as exc:
            if self._known is None:
                raise
            self._checked_at = now
            if self._on_stale is not None:
                self._on_stale(self._uri, exc)
            return self._known
        self._known, self._checked_at = current, now
        return current

    def _ask(self) -> str:
        """The object's ETag, from S3 now."""
        if urlparse(self._uri).scheme != "s3":
            raise _unsupported(self._uri)
        client = _s3_needed(self._uri, self._s3_client)
        try:
            return str(client.head_object(**_s3_object(self._uri))["ETag"])
        except (ClientError, BotoCoreError, KeyError) as exc:
            raise ConfigError(f"cannot check {self._uri} for a new version: {type(exc).__name__}: {exc}") from exc


class WatchlistReader:
    """:func:`load_watchlist` for a warm container that reads the watchlist on every request.

    The object is read each call (a change made in Settings shows on the next request), but parsed and
    validated again only when its text changed: parsing the YAML and validating every entry took longer than
    the read itself (about 20 ms of each dashboard request). A text that fails validation is never kept.
    """

    def __init__(self, uri: str, *, s3_client: Any = None) -> None:
        self._uri = uri
        self._s3_client = s3_client
        self._kept: tuple[str, Watchlist] | None = None

    def __call__(self) -> Watchlist:
        text = read_text(self._uri, s3_client=self._s3_client)
        if self._kept is None or self._kept[0] != text:
            try:
                self._kept = (text, parse_watchlist(text, origin=self._uri))
            except WatchlistError as exc:
                raise ConfigError(str(exc)) from exc
        return self._kept[1]


def read_secret(name: str, *, secrets_client: Any) -> str:
    """A plain-string secret's value. The value is never logged; only the name appears in errors."""
    try:
        return secrets_client.get_secret_value(SecretId=name)["SecretString"]
    except (ClientError, BotoCoreError, KeyError) as exc:
        raise ConfigError(f"cannot read secret {name!r}: {type(exc).__name__}") from exc


def read_optional_secret(name: str, *, secrets_client: Any) -> str | None:
    """A plain-string secret's value, or None while it has none (created empty, or set to blanks).

    Secrets Manager answers ``ResourceNotFoundException`` for a secret that
    exists but was never given a value (no ``AWSCURRENT`` version), which is how
    the template creates optional keys: that is "not set yet", not a failure.
    Anything else (access denied, throttling, a binary secret) is a
    :class:`ConfigError`. The value is never logged.
    """
    try:
        value = secrets_client.get_secret_value(SecretId=name).get("SecretString")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise ConfigError(f"cannot read secret {name!r}: {exc.response.get('Error', {}).get('Code')}") from exc
    except BotoCoreError as exc:
        raise ConfigError(f"cannot read secret {name!r}: {type(exc).__name__}") from exc
    if value is None:
        raise ConfigError(f"secret {name!r} holds binary data; expected the key as a plain string")
    return value.strip() or None


#: How long a warm container keeps a secret's value before reading it again: a rotated key takes effect within this.
SECRET_TTL_S = 300.0


class RefreshedSecret:
    """A plain-string secret read again once ``ttl_s`` has passed since the last read (a monotonic clock).

    Why not once per container: a warm Lambda lives for hours, so a key the owner rotated (a leaked link key) would
    go on signing and checking links there; read every ``ttl_s`` (5 minutes), it takes effect everywhere within that,
    for one Secrets Manager request per container per 5 minutes. A failed read raises :class:`ConfigError` naming the
    secret, as :func:`read_secret` does, and the value read last is not served past its time.
    """

    def __init__(
        self,
        name: str,
        *,
        secrets_client: Any,
        ttl_s: float = SECRET_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._name = name
        self._client = secrets_client
        self._ttl_s = ttl_s
        self._clock = clock
        self._value: str | None = None
        self._read_at = 0.0

    def __call__(self) -> str:
        now = self._clock()
        if self._value is None or now - self._read_at >= self._ttl_s:
            self._value = read_secret(self._name, secrets_client=self._client)
            self._read_at = now
        return self._value
