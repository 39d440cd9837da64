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

**Kraken writes no row for an interval without trades** (its OHLC docs; freqtrade's
``ohlcv_fill_up_missing_data`` fills them for the same reason). Left as it is, each
such interval is a hole the cursor moves past: a permanent reported gap, and the
analysis suppresses the series' alerts while it is within its health lookback (at
2016 liquidity on ETH/USD, 7% of hours empty, more than half the candles). The
adapter therefore fills an interval as freqtrade does, with a flat candle (the
previous close as open, high, low and close) and volume 0, but only where Kraken's
answer proves there was no trade: between two neighbouring rows of one answer
(:func:`fill_quiet_intervals`). The adapter asks from the stored newest candle, so
its row bounds a quiet hole right after it and gives the close to fill with; a hole
before the first row of an answer Kraken's 720-row cap cut is real missing data and
stays a reported gap. Kraken's API reference says the answer's last row is always the
current, not-yet-committed frame, whatever ``since`` says, so every closed quiet
interval lies between two rows; nothing after the last row is filled (were that row
missing, the hole would wait for the next row rather than be guessed). A filled
candle is recognisable by its volume of 0 and open = high = low = close.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from itertools import pairwise
from types import ModuleType
from typing import TYPE_CHECKING, Any

from crypto_advisor.adapters.retry import with_retry
from crypto_advisor.contracts.candle import CLOCK_SLACK_MS, Candle, check
from crypto_advisor.contracts.candle_update import MAX_CANDLES
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

#: How many intervals back from the clock a quiet one is filled. One answer's rows plus its filled candles must fit
#: one Kinesis record (:data:`~crypto_advisor.contracts.candle_update.MAX_CANDLES`), or the series would fail on
#: every run; an older quiet hole (a thin 1m pair after days of downtime) stays a gap, far behind the health lookback.
FILL_SPAN = MAX_CANDLES - KRAKEN_MAX_CANDLES

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
        """Rows ``[ts, o, h, l, c, v]`` from ``since_ms`` on, as Kraken sent them (forming candle included), and a
        flat zero-volume candle for each interval Kraken's answer shows had no trade (see the module docstring)."""
        timeframe_ms = watched.series.timeframe_ms
        # One interval earlier than asked: the row of the candle before ``since_ms`` (the stored newest, on a tick)
        # bounds a quiet hole right after it, the common case on a 5-minute schedule, and gives the close to fill
        # it with. A capped answer (the 720 newest) leaves it out, and that hole stays a gap.
        asked = max(since_ms - timeframe_ms, 0)
        rows, in_order = with_retry(lambda: self._ask(watched, asked), attempts=self._attempts, sleep=self._sleep)
        if in_order:
            rows = fill_quiet_intervals(
                rows, timeframe_ms=timeframe_ms, from_ms=now_ms - FILL_SPAN * timeframe_ms, until_ms=now_ms
            )
        return [row for row in rows if not (isinstance(row, list) and row and _opens_before(row[0], since_ms))]

    def _ask(self, watched: WatchedSeries, since_ms: int) -> tuple[list[list[Any]], bool]:
        """ccxt's rows from ``since_ms`` on, and whether every row Kraken sent has an open time, in strict order.

        ccxt drops a row whose open time it cannot read and sorts the others, so its rows alone cannot show that
        Kraken sent a row for an interval; Kraken's own answer can, and only an answer in order is filled.
        """
        pair = watched.series.pair
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
        read = _ccxt().Exchange.safe_timestamp  # ccxt's own reading of an open time: None where it cannot read one
        sent = [read(row, 0) if isinstance(row, list) else None for row in result[market_id]]
        placed = [ts for ts in sent if ts]  # ccxt drops a row with open time 0 too
        in_order = len(placed) == len(sent) and all(a < b for a, b in pairwise(placed))
        return rows, in_order


def _opens_before(ts: Any, since_ms: int) -> bool:
    """Whether a row's open time is a number before ``since_ms`` (the extra row asked for to bound a hole); a row
    whose time is not a number is left for screening to reject with its reason."""
    return isinstance(ts, (int, float)) and not isinstance(ts, bool) and ts < since_ms


def fill_quiet_intervals(
    rows: Sequence[list[Any]], *, timeframe_ms: int, from_ms: int, until_ms: int
) -> list[list[Any]]:
    """``rows`` (strictly ascending by open time, as :meth:`KrakenSource._ask` checks) with a flat zero-volume candle
    in each interval between two neighbours.

    Kraken writes no row for an interval without trades, so an interval between two of its rows had none: it gets
    ``[ts, c, c, c, c, 0.0]``, ``c`` the close before it. Only where the answer proves it: both neighbours are
    candles by the project's own :func:`~crypto_advisor.contracts.candle.check`, and the later one opens at most
    :data:`~crypto_advisor.contracts.candle.CLOCK_SLACK_MS` after ``until_ms`` (the clock; a later one is garbage
    that screening rejects). A row the project rejects bounds nothing, so its interval, and a hole beside it, stays
    a reported gap, never a made-up candle; nothing after the last row is filled. Intervals opening before
    ``from_ms`` are not filled (:data:`FILL_SPAN`). Rows come back as they were; without a hole, the same rows.
    """
    filled: list[list[Any]] = []
    previous: Candle | None = None
    for row in rows:
        candle, _ = check(row, timeframe_ms)
        if candle is not None and candle.ts > until_ms + CLOCK_SLACK_MS:
            candle = None
        if previous is not None and candle is not None:
            filled.extend(_flat(previous, candle.ts, timeframe_ms, from_ms))
        filled.append(row)
        previous = candle
    return filled


def _flat(previous: Candle, next_ts: int, timeframe_ms: int, from_ms: int) -> list[list[Any]]:
    """The flat zero-volume candles of the intervals after ``previous`` and before ``next_ts`` opening from
    ``from_ms`` on."""
    first = max(previous.ts + timeframe_ms, -(-from_ms // timeframe_ms) * timeframe_ms)
    close = previous.close
    return [[ts, close, close, close, close, 0.0] for ts in range(first, next_ts, timeframe_ms)]
