"""CoinGecko's ``/coins/markets`` answers, shaped as the documented API sends them (API v3, ``sparkline=true``).

What pycoingecko sends (``get_coins_markets``): ``GET
https://api.coingecko.com/api/v3/coins/markets?vs_currency=usd&order=market_cap_desc&per_page=250&page=1&sparkline=true``.
The answer is a JSON list, largest market cap first, one object per coin with
every field CoinGecko documents for this endpoint (``id``, ``symbol`` in lower
case, ``name``, ``image``, ``current_price``, ``market_cap``,
``market_cap_rank``, ``fully_diluted_valuation``, ``total_volume`` (rolling
24 h), ``high_24h``, ``low_24h``, ``price_change_24h``,
``price_change_percentage_24h``, ``market_cap_change_24h``,
``market_cap_change_percentage_24h``, ``circulating_supply``,
``total_supply``, ``max_supply``, ``ath``, ``ath_change_percentage``,
``ath_date``, ``atl``, ``atl_change_percentage``, ``atl_date``, ``roi``,
``last_updated`` (ISO 8601, milliseconds, ``Z``) and ``sparkline_in_7d``:
``{"price": [...]}``, 168 hourly prices oldest first, no timestamps. Prices
of small coins carry many digits; a coin CoinGecko has not priced for an hour
holds ``null`` in its sparkline. The answers are registered with a strict
query match: a request carrying any other parameter matches nothing.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import responses
from responses import matchers

API = "https://api.coingecko.com/api/v3"
MARKETS_URL = f"{API}/coins/markets"
JSON = "application/json; charset=utf-8"
HOUR_MS = 3_600_000

#: (id, symbol, name, price, 24 h volume) of real large coins, for the first ranks of a page.
LARGE_COINS: tuple[tuple[str, str, str, float, float], ...] = (
    ("bitcoin", "btc", "Bitcoin", 91_234.0, 38_412_993_201.0),
    ("ethereum", "eth", "Ethereum", 3_021.55, 19_874_220_117.0),
    ("tether", "usdt", "Tether", 1.0002, 72_118_334_950.0),
    ("ripple", "xrp", "XRP", 2.214, 3_411_902_337.0),
    ("binancecoin", "bnb", "BNB", 902.1, 1_873_445_120.0),
    ("solana", "sol", "Solana", 151.37, 4_120_778_431.0),
    ("usd-coin", "usdc", "USDC", 0.9998, 8_803_125_670.0),
    ("dogecoin", "doge", "Dogecoin", 0.16112, 1_340_228_761.0),
    ("cardano", "ada", "Cardano", 0.6021, 712_004_381.0),
    ("hyperliquid", "hype", "Hyperliquid", 38.25, 412_003_118.0),
)


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def coin(
    rank: int,
    *,
    updated_ms: int,
    coin_id: str | None = None,
    symbol: str | None = None,
    name: str | None = None,
    price: float | None = None,
    volume_24h: float | None = None,
    sparkline: list[float | None] | None = None,
    seed: int = 1,
) -> dict[str, Any]:
    """One coin of the answer; a rank beyond :data:`LARGE_COINS` is a made-up long-tail coin ``coinNNN``."""
    rng = random.Random(seed * 10_007 + rank)
    if rank <= len(LARGE_COINS):
        default_id, default_symbol, default_name, default_price, default_volume = LARGE_COINS[rank - 1]
    else:
        default_id, default_symbol, default_name = f"coin{rank:04d}", f"c{rank:04d}", f"Coin {rank:04d}"
        default_price, default_volume = round(50 / rank * rng.uniform(0.5, 2), 8), 5e8 / rank * rng.uniform(0.3, 3)
    price = default_price if price is None else price
    volume = default_volume if volume_24h is None else volume_24h
    if sparkline is None:
        walk = [price]
        for _ in range(167):
            walk.append(walk[-1] / (1 + rng.gauss(0, 0.008)))
        sparkline = [round(p, 10) for p in reversed(walk)]
    last = next((p for p in reversed(sparkline) if p is not None), price)
    first = next((p for p in sparkline if p is not None), price)
    day_ago = sparkline[-25] if len(sparkline) >= 25 and sparkline[-25] is not None else first
    supply = round(2e9 / rank / max(last, 1e-9), 0)
    return {
        "id": coin_id or default_id,
        "symbol": symbol if symbol is not None else default_symbol,
        "name": name or default_name,
        "image": f"https://coin-images.coingecko.com/coins/images/{rank}/large/{coin_id or default_id}.png",
        "current_price": last,
        "market_cap": round(last * supply),
        "market_cap_rank": rank,
        "fully_diluted_valuation": round(last * supply * 1.2),
        "total_volume": round(volume, 2),
        "high_24h": max(p for p in sparkline[-24:] if p is not None),
        "low_24h": min(p for p in sparkline[-24:] if p is not None),
        "price_change_24h": round(last - day_ago, 10),
        "price_change_percentage_24h": round((last / day_ago - 1) * 100, 5),
        "market_cap_change_24h": round((last - day_ago) * supply, 2),
        "market_cap_change_percentage_24h": round((last / day_ago - 1) * 100, 5),
        "circulating_supply": supply,
        "total_supply": supply,
        "max_supply": None,
        "ath": round(last * 1.8, 8),
        "ath_change_percentage": -44.44444,
        "ath_date": "2024-12-17T15:02:41.429Z",
        "atl": round(last * 0.01, 10),
        "atl_change_percentage": 9900.0,
        "atl_date": "2020-03-13T02:22:55.044Z",
        "roi": None,
        "last_updated": iso(updated_ms),
        "sparkline_in_7d": {"price": sparkline},
    }


def page(page_number: int, *, updated_ms: int, count: int = 250, seed: int = 1) -> list[dict[str, Any]]:
    """Page ``page_number`` of 250: ``count`` coins ranked from ``(page_number - 1) * 250 + 1``, each updated a
    few seconds apart before ``updated_ms``."""
    start = (page_number - 1) * 250 + 1
    return [coin(rank, updated_ms=updated_ms - (rank % 50) * 1_000, seed=seed) for rank in range(start, start + count)]


def register_page(
    rsps: responses.RequestsMock,
    page_number: int,
    coins: list[dict[str, Any]] | None,
    *,
    status: int = 200,
    body: str | dict[str, Any] | None = None,
    vs_currency: str = "usd",
) -> responses.BaseResponse:
    """Register the answer to page ``page_number``: ``coins``, or ``body`` with ``status``."""
    text = json.dumps(coins if body is None else body) if not isinstance(body, str) else body
    query = {
        "vs_currency": vs_currency,
        "order": "market_cap_desc",
        "per_page": "250",
        "page": str(page_number),
        "sparkline": "true",
    }
    return rsps.add(
        responses.GET,
        MARKETS_URL,
        body=text,
        status=status,
        content_type=JSON,
        match=[matchers.query_param_matcher(query, strict_match=True)],
    )
