"""CoinGecko's public API v3 answers, as pycoingecko requests and reads them.

What pycoingecko sends (pycoingecko/api.py, 3.2): ``GET
https://api.coingecko.com/api/v3/coins/{id}/ohlc?vs_currency=usd&days=2`` and
``GET .../coins/{id}/market_chart?vs_currency=usd&days=2``. A demo key given
to ``CoinGeckoAPI(demo_api_key=...)`` would be added to the query string as
``x_cg_demo_api_key``; the adapter puts it in the ``x-cg-demo-api-key`` header
instead, so the answers here are registered with a *strict* query match: a
request carrying any extra parameter matches nothing.

* ``/ohlc`` answers ``[[time_ms, open, high, low, close], ...]``, numbers, one
  row per candle, each stamped with the candle's CLOSE time; with ``days`` 1-2
  the candles are 30 minutes long, with 3-30 they are 4 hours. The last row is
  the candle still forming, stamped with its coming close.
* ``/market_chart`` answers ``{"prices": [[ms, p]...], "market_caps": [[ms,
  cap]...], "total_volumes": [[ms, v]...]}`` where ``v`` is the ROLLING 24-hour
  volume; with ``days`` 2-90 the points are hourly but not on the hour (a few
  minutes and seconds past it).
"""

from __future__ import annotations

import json
import random
from typing import Any

import responses
from responses import matchers

API = "https://api.coingecko.com/api/v3"
JSON = "application/json; charset=utf-8"

THIRTY_MIN_MS = 30 * 60_000
HOUR_MS = 60 * 60_000

#: Error bodies exactly as CoinGecko words them.
RATE_LIMITED: dict[str, Any] = {
    "status": {
        "error_code": 429,
        "error_message": "You've exceeded the Rate Limit. Please visit https://www.coingecko.com/en/api/pricing "
        "to subscribe to our API plans for higher rate limits.",
    }
}
COIN_NOT_FOUND: dict[str, Any] = {"error": "coin not found"}
API_KEY_MISSING: dict[str, Any] = {"status": {"error_code": 10002, "error_message": "API Key Missing"}}


def ohlc_url(coin_id: str) -> str:
    return f"{API}/coins/{coin_id}/ohlc"


def market_chart_url(coin_id: str) -> str:
    return f"{API}/coins/{coin_id}/market_chart"


def ohlc_rows(
    first_close_ms: int,
    count: int,
    candle_ms: int = THIRTY_MIN_MS,
    *,
    seed: int = 1,
    start: float = 38.25,
) -> list[list[Any]]:
    """``count`` ``/ohlc`` rows ``[close_ms, o, h, l, c]``, the first closing at ``first_close_ms``, oldest first.

    ``first_close_ms`` must be on the ``candle_ms`` grid (CoinGecko's candles
    are); prices are a seeded random walk with ``low <= open, close <= high``,
    rounded to 4 decimals below 100 and to 2 above, as CoinGecko's are.
    """
    if first_close_ms % candle_ms:
        raise ValueError(f"first_close_ms {first_close_ms} is not on the {candle_ms} ms grid")
    rng = random.Random(seed)
    digits = 2 if start >= 100 else 4
    close = start
    rows: list[list[Any]] = []
    for index in range(count):
        open_ = round(close * (1 + rng.gauss(0, 0.0005)), digits)
        close = round(open_ * (1 + rng.gauss(0, 0.006)), digits)
        high = round(max(open_, close) * (1 + rng.uniform(0, 0.003)), digits)
        low = round(min(open_, close) * (1 - rng.uniform(0, 0.003)), digits)
        rows.append([first_close_ms + index * candle_ms, open_, max(high, open_, close), min(low, open_, close), close])
    return rows


def market_chart(
    first_ms: int,
    count: int,
    *,
    step_ms: int = HOUR_MS,
    seed: int = 1,
    price: float = 38.25,
    volume_24h: float = 412_000_000.0,
    supply: float = 333_928_180.0,
) -> dict[str, list[list[float]]]:
    """A ``/market_chart`` answer: ``count`` points from ``first_ms``, ``step_ms`` apart give or take a few seconds.

    Pass a ``first_ms`` that is not on the hour (CoinGecko's hourly points
    never are), e.g. ``hour + 161_337``. ``total_volumes`` is the rolling 24 h
    volume, wandering slowly as the real one does.
    """
    rng = random.Random(seed)
    prices: list[list[float]] = []
    caps: list[list[float]] = []
    volumes: list[list[float]] = []
    for index in range(count):
        ts = first_ms + index * step_ms + rng.randint(0, 4_000)
        price = price * (1 + rng.gauss(0, 0.006))
        volume_24h = volume_24h * (1 + rng.gauss(0, 0.02))
        prices.append([ts, round(price, 10)])
        caps.append([ts, round(price * supply, 6)])
        volumes.append([ts, round(volume_24h, 6)])
    return {"prices": prices, "market_caps": caps, "total_volumes": volumes}


def _query(vs_currency: str, days: int) -> list[Any]:
    return [matchers.query_param_matcher({"vs_currency": vs_currency, "days": str(days)}, strict_match=True)]


def register_ohlc(
    rsps: responses.RequestsMock,
    coin_id: str,
    rows: list[list[Any]] | None,
    *,
    status: int = 200,
    body: str | dict[str, Any] | None = None,
    vs_currency: str = "usd",
    days: int = 2,
) -> responses.BaseResponse:
    """Register one ``/ohlc`` answer: ``rows``, or ``body`` (a dict is sent as JSON) with ``status``.

    Several answers for the same coin are served in registration order, the last repeating.
    """
    text = json.dumps(rows if body is None else body) if not isinstance(body, str) else body
    return rsps.add(
        responses.GET, ohlc_url(coin_id), body=text, status=status, content_type=JSON, match=_query(vs_currency, days)
    )


def register_market_chart(
    rsps: responses.RequestsMock,
    coin_id: str,
    chart: dict[str, Any] | None,
    *,
    status: int = 200,
    body: str | dict[str, Any] | None = None,
    vs_currency: str = "usd",
    days: int = 2,
) -> responses.BaseResponse:
    """Register one ``/market_chart`` answer, like :func:`register_ohlc`."""
    text = json.dumps(chart if body is None else body) if not isinstance(body, str) else body
    return rsps.add(
        responses.GET,
        market_chart_url(coin_id),
        body=text,
        status=status,
        content_type=JSON,
        match=_query(vs_currency, days),
    )


def register(
    rsps: responses.RequestsMock,
    coin_id: str,
    ohlc: list[list[Any]],
    chart: dict[str, Any],
    *,
    vs_currency: str = "usd",
    days: int = 2,
) -> tuple[responses.BaseResponse, responses.BaseResponse]:
    """Register a good ``/ohlc`` and ``/market_chart`` answer for ``coin_id``; returns both registrations."""
    return (
        register_ohlc(rsps, coin_id, ohlc, vs_currency=vs_currency, days=days),
        register_market_chart(rsps, coin_id, chart, vs_currency=vs_currency, days=days),
    )
