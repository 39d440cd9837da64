"""Kraken candles through ccxt. ccxt is imported in this module only, and only when Kraken is first called.

ccxt takes longer to import than pandas, and most ingest runs call no exchange
(an hourly series has a new candle on one tick in twelve), so a cold start that
fetches nothing does not pay for it.

Kraken's OHLC endpoint returns at most the 720 most recent candles of an
interval whatever ``since`` asks for, with the still-forming candle last; the
caller screens that one out. There is no pagination here on purpose: history
beyond 720 candles comes from the archive, never from repeated calls.

ccxt does not fail on a 200 answer that is not JSON (an HTML error page, a
truncated body): it hands the text to its parsers, which read it as "no
markets" or "no candles". The adapter therefore checks the JSON Kraken really
sent (ccxt's ``last_json_response``) and the markets it loaded, so such an
answer is a :class:`MalformedResponseError`, never an empty list or an
unknown symbol.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from crypto_advisor.adapters.retry import with_retry
from crypto_advisor.contracts.errors import (
    MalformedResponseError,
    SourceAuthError,
    SourceError,
    TransientSourceError,
    UnknownSymbolError,
)
from crypto_advisor.contracts.watchlist import WatchedSeries

if TYPE_CHECKING:
    import ccxt

#: Kraken's documented cap on one OHLC answer.
KRAKEN_MAX_CANDLES = 720

#: Kraken's error for a pair it does not list ("EQuery:Unknown asset pair"); ccxt maps it to a bare ExchangeError.
_UNKNOWN_PAIR = "EQuery:Unknown asset"


def _ccxt() -> ModuleType:
    import ccxt

    return ccxt


def new_exchange(**overrides: Any) -> ccxt.kraken:
    """The ccxt client as production uses it: rate limiting on, a 10 s timeout."""
    return _ccxt().kraken({"enableRateLimit": True, "timeout": 10_000, **overrides})


def translate(exc: Exception, pair: str) -> SourceError:
    """Map a ccxt exception onto the project's errors (order matters: subclasses first)."""
    ccxt = _ccxt()
    detail = f"kraken {pair}: {type(exc).__name__}: {str(exc)[:300]}"
    if isinstance(exc, ccxt.BadSymbol) or (isinstance(exc, ccxt.ExchangeError) and _UNKNOWN_PAIR in str(exc)):
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

    def __init__(
        self,
        exchange: ccxt.Exchange | None = None,
        *,
        attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        pace: int = 1,
    ) -> None:
        """``pace``: how many callers share Kraken's rate (an ingest worker's mapping concurrency); each call is
        spaced ``pace`` times ccxt's own interval, so together they make no more calls than one caller."""
        self._exchange = exchange
        self._pace = pace
        if exchange is not None:
            exchange.enableLastJsonResponse = True
        self._attempts = attempts
        self._sleep = sleep
        self._reload_markets = False

    def _client(self) -> ccxt.Exchange:
        """The exchange, made on first use; it keeps the parsed body of each answer (see the module docstring)."""
        if self._exchange is None:
            self._exchange = new_exchange()
            self._exchange.rateLimit = self._exchange.rateLimit * self._pace
            self._exchange.enableLastJsonResponse = True
        return self._exchange

    def fetch_ohlcv(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]:
        """Rows ``[ts, o, h, l, c, v]`` from ``since_ms`` on, as Kraken sent them (forming candle included)."""
        pair = watched.series.pair

        def call() -> list[list[Any]]:
            exchange = self._client()
            try:
                exchange.load_markets(reload=self._reload_markets)
                # Assets or AssetPairs that were not JSON leave ccxt with no markets: not an unknown symbol
                self._reload_markets = not (exchange.markets and exchange.currencies)
                if self._reload_markets:
                    raise MalformedResponseError(f"kraken {pair}: Assets/AssetPairs answered no markets")
                rows = exchange.fetch_ohlcv(pair, watched.series.timeframe, since=since_ms, limit=KRAKEN_MAX_CANDLES)
                market_id = exchange.market(pair)["id"]
            except _ccxt().BaseError as exc:
                raise translate(exc, pair) from exc
            answer = exchange.last_json_response
            result = answer.get("result") if isinstance(answer, dict) else None
            if not isinstance(result, dict) or not isinstance(result.get(market_id), list):
                raise MalformedResponseError(
                    f"kraken {pair}: OHLC answer is not {{'error': [], 'result': {{'{market_id}': [...]}}}}: "
                    f"{str(exchange.last_http_response)[:120]!r}"
                )
            if not isinstance(rows, list):
                raise MalformedResponseError(f"kraken {pair}: expected a list of candles, got {type(rows).__name__}")
            return rows

        return with_retry(call, attempts=self._attempts, sleep=self._sleep)
