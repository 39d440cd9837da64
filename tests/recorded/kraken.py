"""Kraken's public REST answers, as ccxt's ``kraken`` class requests and reads them.

What ccxt sends (ccxt/kraken.py, checked against ccxt 4.5):

* ``load_markets()``: ``GET /0/public/Assets`` (``fetch_currencies``) then
  ``GET /0/public/AssetPairs`` (``fetch_markets``), no query string;
* ``fetch_ohlcv(symbol, '1h', since=ms)``: ``GET /0/public/OHLC?pair=<pair id>
  &interval=60&since=<ms // 1000 - 3600>``: one interval *before* ``since``,
  because Kraken's ``since`` is exclusive; ccxt then drops rows before ``since``.

Every answer is the documented envelope ``{"error": [...], "result": {...}}``.
An OHLC row is ``[open time in seconds, "open", "high", "low", "close",
"vwap", "volume", trade count]`` with prices as strings, oldest first, and the
LAST row is the candle still forming; ``last`` is the open time of the newest
*committed* candle, one interval before the forming one.
"""

from __future__ import annotations

import json
import random
from typing import Any

import responses
from responses import matchers

API = "https://api.kraken.com/0/public"
ASSETS_URL = f"{API}/Assets"
ASSET_PAIRS_URL = f"{API}/AssetPairs"
OHLC_URL = f"{API}/OHLC"

JSON = "application/json; charset=utf-8"

#: ``/0/public/Assets`` entries for the assets of the pairs below (XXBT and ZUSD keep Kraken's legacy ids).
ASSETS: dict[str, dict[str, Any]] = {
    "SOL": {
        "aclass": "currency",
        "altname": "SOL",
        "decimals": 10,
        "display_decimals": 5,
        "collateral_value": 0.925,
        "status": "enabled",
        "margin_rate": "0.02",
    },
    "XETH": {
        "aclass": "currency",
        "altname": "ETH",
        "decimals": 10,
        "display_decimals": 5,
        "collateral_value": 0.99,
        "status": "enabled",
        "margin_rate": "0.02",
    },
    "XXBT": {
        "aclass": "currency",
        "altname": "XBT",
        "decimals": 10,
        "display_decimals": 5,
        "collateral_value": 0.99,
        "status": "enabled",
        "margin_rate": "0.01",
    },
    "XXRP": {
        "aclass": "currency",
        "altname": "XRP",
        "decimals": 8,
        "display_decimals": 5,
        "collateral_value": 0.925,
        "status": "enabled",
        "margin_rate": "0.02",
    },
    "ZUSD": {
        "aclass": "currency",
        "altname": "USD",
        "decimals": 4,
        "display_decimals": 2,
        "collateral_value": 1.0,
        "status": "enabled",
        "margin_rate": "0.036",
    },
}

_TAKER_FEES = [
    [0, 0.4],
    [10000, 0.35],
    [50000, 0.24],
    [100000, 0.22],
    [250000, 0.2],
    [500000, 0.18],
    [1000000, 0.16],
    [2500000, 0.14],
    [5000000, 0.12],
    [10000000, 0.1],
]
_MAKER_FEES = [
    [0, 0.25],
    [10000, 0.2],
    [50000, 0.14],
    [100000, 0.12],
    [250000, 0.1],
    [500000, 0.08],
    [1000000, 0.06],
    [2500000, 0.04],
    [5000000, 0.02],
    [10000000, 0.0],
]


def _pair(
    altname: str,
    wsname: str,
    base: str,
    *,
    pair_decimals: int,
    ordermin: str,
    costmin: str,
    tick_size: str,
    leverage: list[int],
    position_limits: tuple[int, int],
) -> dict[str, Any]:
    return {
        "altname": altname,
        "wsname": wsname,
        "aclass_base": "currency",
        "base": base,
        "aclass_quote": "currency",
        "quote": "ZUSD",
        "lot": "unit",
        "cost_decimals": 5,
        "pair_decimals": pair_decimals,
        "lot_decimals": 8,
        "lot_multiplier": 1,
        "leverage_buy": leverage,
        "leverage_sell": leverage,
        "fees": _TAKER_FEES,
        "fees_maker": _MAKER_FEES,
        "fee_volume_currency": "ZUSD",
        "margin_call": 80,
        "margin_stop": 40,
        "ordermin": ordermin,
        "costmin": costmin,
        "tick_size": tick_size,
        "status": "online",
        "long_position_limit": position_limits[0],
        "short_position_limit": position_limits[1],
    }


#: ``/0/public/AssetPairs`` entries, keyed by Kraken's pair id as the live API keys them.
ASSET_PAIRS: dict[str, dict[str, Any]] = {
    "SOLUSD": _pair(
        "SOLUSD",
        "SOL/USD",
        "SOL",
        pair_decimals=2,
        ordermin="0.02",
        costmin="0.5",
        tick_size="0.01",
        leverage=[2, 3, 4, 5, 6, 7, 8, 9, 10],
        position_limits=(37000, 24000),
    ),
    "XETHZUSD": _pair(
        "ETHUSD",
        "ETH/USD",
        "XETH",
        pair_decimals=2,
        ordermin="0.002",
        costmin="0.5",
        tick_size="0.01",
        leverage=[2, 3, 4, 5, 6, 7, 8, 9, 10],
        position_limits=(4000, 2500),
    ),
    "XXBTZUSD": _pair(
        "XBTUSD",
        "XBT/USD",
        "XXBT",
        pair_decimals=1,
        ordermin="0.00005",
        costmin="0.5",
        tick_size="0.1",
        leverage=[2, 3, 4, 5],
        position_limits=(270, 180),
    ),
    "XXRPZUSD": _pair(
        "XRPUSD",
        "XRP/USD",
        "XXRP",
        pair_decimals=5,
        ordermin="2",
        costmin="0.5",
        tick_size="0.00001",
        leverage=[2, 3, 4, 5],
        position_limits=(2000000, 1500000),
    ),
}

#: ccxt's unified symbol -> the pair id ccxt sends as ``pair=`` and Kraken keys the OHLC result by.
PAIR_IDS: dict[str, str] = {"BTC/USD": "XXBTZUSD", "ETH/USD": "XETHZUSD", "SOL/USD": "SOLUSD", "XRP/USD": "XXRPZUSD"}

#: Errors exactly as Kraken words them.
RATE_LIMITED = "EAPI:Rate limit exceeded"
UNAVAILABLE = "EService:Unavailable"
UNKNOWN_PAIR = "EQuery:Unknown asset pair"


def envelope(result: Any) -> dict[str, Any]:
    """The success envelope every Kraken REST answer comes in."""
    return {"error": [], "result": result}


def error_body(*errors: str) -> str:
    """An error answer, e.g. ``error_body(RATE_LIMITED)`` -> ``{"error":["EAPI:Rate limit exceeded"]}``."""
    return json.dumps({"error": list(errors)}, separators=(",", ":"))


def register_markets(rsps: responses.RequestsMock) -> None:
    """Register the Assets and AssetPairs answers ``load_markets()`` reads (each answers any number of calls)."""
    rsps.add(responses.GET, ASSETS_URL, json=envelope(ASSETS), content_type=JSON)
    rsps.add(responses.GET, ASSET_PAIRS_URL, json=envelope(ASSET_PAIRS), content_type=JSON)


def ohlc_rows(
    first_open_s: int,
    count: int,
    interval_s: int = 3600,
    *,
    seed: int = 1,
    start: float = 64_250.0,
    decimals: int = 1,
) -> list[list[Any]]:
    """``count`` Kraken OHLC rows from ``first_open_s`` (seconds, aligned to ``interval_s``), oldest first.

    A seeded random walk priced on the pair's tick (``decimals``; 1 for XBT/USD,
    2 for ETH/USD, 5 for XRP/USD): each open is the previous close, ``low <=
    open, close <= high``, the vwap lies inside the range, volumes have 8
    decimals. Like every Kraken answer, the last row is meant to be the forming
    candle: pass ``first_open_s`` so that it is the current interval.
    """
    if first_open_s % interval_s:
        raise ValueError(f"first_open_s {first_open_s} is not aligned to {interval_s} s")
    rng = random.Random(seed)
    scale = 10**decimals
    close = round(start * scale)
    rows: list[list[Any]] = []
    for index in range(count):
        open_ = close
        close = max(1, round(open_ * (1 + rng.gauss(0, 0.004))))
        high = max(open_, close) + round(open_ * rng.uniform(0, 0.002))
        low = max(1, min(open_, close) - round(open_ * rng.uniform(0, 0.002)))
        vwap = rng.randint(low, high)
        volume = rng.uniform(20, 400) * (0.3 if index == count - 1 else 1.0)

        def price(ticks: int) -> str:
            return f"{ticks / scale:.{decimals}f}"

        rows.append(
            [
                first_open_s + index * interval_s,
                price(open_),
                price(high),
                price(low),
                price(close),
                price(vwap),
                f"{volume:.8f}",
                rng.randint(800, 12000),
            ]
        )
    return rows


def ohlc_body(pair_id: str, rows: list[list[Any]], *, last: int | None = None) -> str:
    """The OHLC success answer: rows under the pair id and ``last``, the newest committed candle's open time."""
    if last is None:
        last = rows[-2][0] if len(rows) > 1 else (rows[0][0] if rows else 0)
    return json.dumps(envelope({pair_id: rows, "last": last}), separators=(",", ":"))


def register_ohlc(
    rsps: responses.RequestsMock,
    pair_id: str,
    rows: list[list[Any]],
    *,
    status: int = 200,
    body: str | None = None,
    content_type: str = JSON,
) -> responses.BaseResponse:
    """Register one ``/0/public/OHLC`` answer for ``pair_id``: the rows, or ``body`` with ``status`` as given.

    Answers registered for the same pair are served in registration order, the
    last one repeating (``responses``' rule), so ``register_ohlc(..., status=429,
    body="")`` then ``register_ohlc(..., rows)`` is "rate limited once, then
    fine". Returns the registered response; its ``call_count`` says how often
    it was served.
    """
    return rsps.add(
        responses.GET,
        OHLC_URL,
        body=ohlc_body(pair_id, rows) if body is None else body,
        status=status,
        content_type=content_type,
        match=[matchers.query_param_matcher({"pair": pair_id}, strict_match=False)],
    )
