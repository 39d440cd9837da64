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
            if s3_client is None:
                raise ConfigError(f"{uri}: an S3 client is needed to read it")
            body = s3_client.get_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"))["Body"]
            return body.read().decode("utf-8")
    except (OSError, ClientError, BotoCoreError) as exc:
        raise ConfigError(f"cannot read {uri}: {exc}") from exc
    raise ConfigError(f"unsupported location {uri!r}; expected file:///path or s3://bucket/key")


def load_watchlist(uri: str, *, s3_client: Any = None) -> Watchlist:
    try:
        return parse_watchlist(read_text(uri, s3_client=s3_client), origin=uri)
    except WatchlistError as exc:
        raise ConfigError(str(exc)) from exc


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
