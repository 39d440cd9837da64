"""CoinGecko candles for coins Kraken lacks, through pycoingecko.

What the free API gives, and what we make of it (the truest candles it allows):

* ``/coins/{id}/ohlc`` returns true OHLC, but its candle length follows ``days``:
  1-2 days give 30-minute candles, 3-30 days 4-hour candles. Each row's
  timestamp is the candle's *close* time. We ask for 30-minute candles for
  30m and 1h series (two days of history) and 4-hour candles for 4h, 1d and 1w
  series (thirty days), then aggregate whole buckets only: a 1h candle needs
  both of its 30-minute halves, or it is not made.
* ``/coins/{id}/market_chart`` has no per-candle volume, only the 24-hour
  rolling volume sampled hourly. A candle's volume is estimated as that
  rolling volume at the candle's close, scaled to the candle's length. It is an
  estimate on a consistent scale (good for "volume against its average"), not
  traded volume; the README says so. Only a sample taken at or before the
  close, and at most :data:`VOLUME_SAMPLE_TOLERANCE_MS` before it, may stand
  for it: a later sample would let the candle's volume depend on what came
  after it. Without such a sample the volume is missing (``None``, the candle
  contract's form), never 0 and never a later value.
* ``/ohlc`` is cached up to 15 minutes and ends with the candle still forming,
  stamped with its coming close: a candle is final only
  :func:`~crypto_advisor.adapters.coingecko_ohlc.settle_ms` after its close (15
  minutes, 35 for a day), which :meth:`CoinGeckoSource.settle_ms` tells the
  ingest; until then it is not stored, so it is never stored from a cached
  answer's forming row.

The demo API key, when configured, goes in the ``x-cg-demo-api-key`` header, so
it never appears in a URL or a log line. Calls are spaced to respect the
free tier's rate limit (30 calls a minute with a demo key, fewer without).

The key may be given as a reader (``read_key``: the composition root reads it
from Secrets Manager), called before the first request, not when the source
is built: a secret that cannot be read then fails only the CoinGecko series,
each with that reason (:class:`SourceAuthError`), while every Kraken series
of the run is stored; the next call tries the secret again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import requests
from pycoingecko import CoinGeckoAPI

from crypto_advisor.adapters.coingecko_ohlc import OHLC_REQUEST, answer_error, settle_ms
from crypto_advisor.adapters.retry import with_retry
from crypto_advisor.contracts.errors import (
    ConfigError,
    MalformedResponseError,
    SourceAuthError,
    SourceError,
    TransientSourceError,
)
from crypto_advisor.contracts.rate_budgets import COINGECKO_DEMO, COINGECKO_PUBLIC
from crypto_advisor.contracts.series import TIMEFRAME_MS, Series
from crypto_advisor.contracts.watchlist import WatchedSeries

_DAY = TIMEFRAME_MS["1d"]

#: How long before a candle's close its volume sample may be taken: the free API samples ``total_volumes`` hourly
#: (for 2 to 90 days of history), so a closed candle has a sample within the hour before its close unless the
#: answer skipped one. An older sample is another hour's 24-hour volume, and is not used.
VOLUME_SAMPLE_TOLERANCE_MS = TIMEFRAME_MS["1h"]

#: Seconds between calls: a demo key allows 30 a minute; the keyless API is stricter (contracts/rate_budgets.py).
MIN_INTERVAL_S = {"demo": COINGECKO_DEMO.interval_s, "public": COINGECKO_PUBLIC.interval_s}


class RateLimiter:
    """Spaces calls at least ``interval_s`` apart (one caller, so no locking)."""

    def __init__(
        self,
        interval_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = interval_s
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        if self._last is not None:
            remaining = self._interval - (self._clock() - self._last)
            if remaining > 0:
                self._sleep(remaining)
        self._last = self._clock()


def build_candles(
    ohlc: Sequence[Sequence[Any]],
    volumes: Sequence[Sequence[Any]],
    *,
    source_ms: int,
    timeframe_ms: int,
) -> list[list[Any]]:
    """Aggregate CoinGecko OHLC rows (close-time stamped) into ``timeframe_ms`` candles.

    Pure. Returns ``[open_ts, o, h, l, c, v]`` rows in time order, ``v`` None
    when no volume sample may stand for the candle (:func:`_volume_at`); a
    bucket is made only when every one of its ``timeframe_ms / source_ms``
    parts is present, so a partial first bucket never becomes a wrong candle. The
    forming bucket at the end is returned like any other and screened out by
    the caller, as with an exchange, but by a clock that is the source's
    :meth:`CoinGeckoSource.settle_ms` behind: the last row of a cached answer
    may be forming although the clock says it has closed.
    """
    if timeframe_ms % source_ms:
        raise ValueError(f"cannot build {timeframe_ms} ms candles from {source_ms} ms ones")
    parts_needed = timeframe_ms // source_ms
    buckets: dict[int, dict[int, list[float]]] = {}
    for row in ohlc:
        if not isinstance(row, (list, tuple)) or len(row) < 5:
            raise MalformedResponseError(f"coingecko ohlc row {row!r:.80} is not [time, open, high, low, close]")
        open_ts = int(row[0]) - source_ms
        bucket = open_ts - open_ts % timeframe_ms
        buckets.setdefault(bucket, {})[open_ts] = [float(v) for v in row[1:5]]
    volume_points = sorted((int(p[0]), float(p[1])) for p in volumes if isinstance(p, (list, tuple)) and len(p) >= 2)
    candles: list[list[Any]] = []
    for bucket in sorted(buckets):
        parts = buckets[bucket]
        if len(parts) < parts_needed:
            continue
        ordered = [parts[k] for k in sorted(parts)]
        o = ordered[0][0]
        h = max(p[1] for p in ordered)
        lo = min(p[2] for p in ordered)
        c = ordered[-1][3]
        candles.append([bucket, o, h, lo, c, _volume_at(volume_points, bucket + timeframe_ms, timeframe_ms)])
    return candles


def _volume_at(points: Sequence[tuple[int, float]], close_ts: int, timeframe_ms: int) -> float | None:
    """The rolling 24h volume of the last sample at or before ``close_ts``, scaled to one candle.

    None (missing) when no sample lies in ``[close_ts - VOLUME_SAMPLE_TOLERANCE_MS, close_ts]``: no sample
    after the close may stand in for it, and no sample at all is not zero volume.
    """
    chosen = None
    for ts, value in points:
        if ts > close_ts:
            break
        if ts >= close_ts - VOLUME_SAMPLE_TOLERANCE_MS:
            chosen = value
    return None if chosen is None else chosen * timeframe_ms / _DAY


def translate(exc: Exception, coin_id: str) -> SourceError:
    """Map what requests / pycoingecko raise onto the project's errors."""
    detail = f"coingecko {coin_id}: {type(exc).__name__}: {str(exc)[:300]}"
    if isinstance(exc, json.JSONDecodeError):
        return MalformedResponseError(detail)
    # RetryError: pycoingecko mounts a urllib3 Retry with status_forcelist 502/503/504 even with retries=0, so
    # those statuses arrive as "too many 503 error responses", never as an HTTPError
    if isinstance(exc, (requests.ConnectionError, requests.Timeout, requests.exceptions.RetryError)):
        return TransientSourceError(detail)
    http_status = None
    # pycoingecko raises ValueError(<the JSON error body>) while handling the HTTPError, which stays its context
    http_error = exc if isinstance(exc, requests.HTTPError) else exc.__context__
    if isinstance(http_error, requests.HTTPError) and http_error.response is not None:
        http_status = http_error.response.status_code
    body = exc.args[0] if isinstance(exc, ValueError) and exc.args and isinstance(exc.args[0], dict) else None
    return answer_error(detail, http_status, body)


class CoinGeckoSource:
    """Closed candles for one CoinGecko coin per call, in the quote currency of the series."""

    name = "coingecko"

    def __init__(
        self,
        client: CoinGeckoAPI | None = None,
        *,
        demo_api_key: str | None = None,
        read_key: Callable[[], str | None] | None = None,
        limiter: RateLimiter | None = None,
        attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        pace: int = 1,
    ) -> None:
        """``demo_api_key`` is the key itself; ``read_key`` reads it on first use (ConfigError when it cannot).

        ``pace``: how many callers share CoinGecko's rate (an ingest worker's mapping concurrency); calls are
        spaced ``pace`` times the single caller's interval, so together they make no more calls than one."""
        self._pace = pace
        self._client = client if client is not None else CoinGeckoAPI(retries=0)
        self._client.request_timeout = 15
        self._read_key = read_key
        self._limiter = limiter
        self._attempts = attempts
        self._sleep = sleep
        if read_key is None:
            self._use_key(demo_api_key)

    def _use_key(self, key: str | None) -> None:
        if key:
            self._client.session.headers["x-cg-demo-api-key"] = key
        if self._limiter is None:
            self._limiter = RateLimiter(MIN_INTERVAL_S["demo" if key else "public"] * self._pace, sleep=self._sleep)
        self._read_key = None

    def _limiter_ready(self, coin_id: str) -> RateLimiter:
        """The rate limiter, once the key is known (its interval depends on it): the key is read here if it must be."""
        if self._read_key is not None:
            try:
                key = self._read_key()
            except ConfigError as exc:
                raise SourceAuthError(f"coingecko {coin_id}: the API key cannot be read: {exc}") from exc
            self._use_key(key)
        assert self._limiter is not None  # set by _use_key
        return self._limiter

    def call(self, what: str, method: Callable[[CoinGeckoAPI], Callable[..., Any]], **params: Any) -> Any:
        """One API call paced by the key's rate limit, retried when transient, its errors the project's.

        ``method`` picks the pycoingecko method off the client; ``what`` names the call in errors (a coin id,
        ``markets page 2``). Shared by the coin series and the market scan, so both spend one key's rate.
        """
        limiter = self._limiter_ready(what)

        def get() -> Any:
            limiter.wait()
            try:
                return method(self._client)(**params)
            except (requests.RequestException, ValueError) as exc:
                raise translate(exc, what) from exc

        return with_retry(get, attempts=self._attempts, sleep=self._sleep)

    def settle_ms(self, series: Series) -> int:
        """How long after a candle of ``series`` closes this source's data for it is final (its answers' cache)."""
        return settle_ms(series.timeframe_ms)

    def fetch_ohlcv(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]:
        series = watched.series
        coin_id = watched.coingecko_id or ""
        self._limiter_ready(coin_id)
        if series.timeframe not in OHLC_REQUEST:
            raise SourceError(f"coingecko {coin_id}: no {series.timeframe} candles on the free API")
        days, source_ms = OHLC_REQUEST[series.timeframe]
        params = {"id": coin_id, "vs_currency": series.quote.lower(), "days": days}
        ohlc = self.call(coin_id, lambda client: client.get_coin_ohlc_by_id, **params)
        chart = self.call(coin_id, lambda client: client.get_coin_market_chart_by_id, **params)
        if not isinstance(ohlc, list) or not isinstance(chart, dict) or "total_volumes" not in chart:
            raise MalformedResponseError(f"coingecko {coin_id}: answer is not shaped like the documented API")
        rows = build_candles(ohlc, chart["total_volumes"], source_ms=source_ms, timeframe_ms=series.timeframe_ms)
        return [row for row in rows if row[0] >= since_ms]
