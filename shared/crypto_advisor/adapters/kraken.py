"""Kraken candles through ccxt. ccxt is imported in this module only.

Kraken's OHLC endpoint returns at most the 720 most recent candles of an
interval whatever ``since`` asks for, with the still-forming candle last; the
caller screens that one out. There is no pagination here on purpose: history
beyond 720 candles comes from the archive, never from repeated calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import ccxt

from crypto_advisor.adapters.errors import (
    MalformedResponseError,
    SourceAuthError,
    SourceError,
    TransientSourceError,
    UnknownSymbolError,
)
from crypto_advisor.adapters.retry import with_retry
from crypto_advisor.contracts.watchlist import WatchedSeries

#: Kraken's documented cap on one OHLC answer.
KRAKEN_MAX_CANDLES = 720


def new_exchange(**overrides: Any) -> ccxt.kraken:
    """The ccxt client as production uses it: rate limiting on, a 10 s timeout."""
    return ccxt.kraken({"enableRateLimit": True, "timeout": 10_000, **overrides})


def translate(exc: Exception, pair: str) -> SourceError:
    """Map a ccxt exception onto the project's errors (order matters: subclasses first)."""
    detail = f"kraken {pair}: {type(exc).__name__}: {str(exc)[:300]}"
    if isinstance(exc, ccxt.BadSymbol):
        return UnknownSymbolError(detail)
    if isinstance(exc, (ccxt.AuthenticationError, ccxt.PermissionDenied, ccxt.AccountSuspended)):
        return SourceAuthError(detail)
    if isinstance(exc, (ccxt.BadResponse, ccxt.NullResponse)):
        return MalformedResponseError(detail)
    if isinstance(exc, ccxt.NetworkError):  # RequestTimeout, RateLimitExceeded, DDoSProtection, ExchangeNotAvailable
        return TransientSourceError(detail)
    if isinstance(exc, ValueError):  # json decoding of a body ccxt took for JSON
        return MalformedResponseError(detail)
    return SourceError(detail)


class KrakenSource:
    """Closed-candle history for one Kraken market per call."""

    name = "kraken"
    max_candles = KRAKEN_MAX_CANDLES

    def __init__(
        self,
        exchange: ccxt.Exchange | None = None,
        *,
        attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._exchange = exchange if exchange is not None else new_exchange()
        self._attempts = attempts
        self._sleep = sleep

    def fetch_ohlcv(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]:
        """Rows ``[ts, o, h, l, c, v]`` from ``since_ms`` on, as Kraken sent them (forming candle included)."""
        pair = watched.series.pair

        def call() -> list[list[Any]]:
            try:
                self._exchange.load_markets()
                rows = self._exchange.fetch_ohlcv(
                    pair, watched.series.timeframe, since=since_ms, limit=KRAKEN_MAX_CANDLES
                )
            except ccxt.BaseError as exc:
                raise translate(exc, pair) from exc
            if not isinstance(rows, list):
                raise MalformedResponseError(f"kraken {pair}: expected a list of candles, got {type(rows).__name__}")
            return rows

        return with_retry(call, attempts=self._attempts, sleep=self._sleep)
