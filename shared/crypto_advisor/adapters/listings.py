"""Whether a market source lists a series' symbol: one or two public REST reads, no exchange library.

Settings refuses a new series its source does not list (issue 12). The ingest's clients (ccxt for Kraken, 40+ MB
with the ``cryptography`` it imports; pycoingecko) would answer by fetching candles, but DashboardFunction would
carry them for that one question, and ccxt alone took longer to import than the rest of the dashboard. These
checks give the same answer from the same endpoints:

* **Kraken**: ``GET /0/public/Assets`` and ``GET /0/public/AssetPairs`` (what ccxt's ``load_markets`` reads), and
  the pair's unified symbol derived as ccxt 4.5's ``kraken`` class derives it (:func:`kraken_symbols`: legacy
  ``X``/``Z`` ids read through their altnames, ``XBT`` -> ``BTC``, ``XDG`` -> ``DOGE``, ``.S``/``.M`` suffixes
  kept). ``tests/unit/adapters/test_listings.py`` holds it to ccxt's own ``markets`` on recorded answers.
* **CoinGecko**: the ``/coins/{id}/ohlc`` request the ingest makes first for the series (one call instead of the
  ingest's two), its errors read by the ingest's own :func:`~crypto_advisor.adapters.coingecko_ohlc.answer_error`.

``requests`` is imported on the first check, so a cold start that checks nothing does not pay for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from crypto_advisor.adapters.coingecko_ohlc import OHLC_REQUEST, answer_error
from crypto_advisor.contracts.errors import (
    ConfigError,
    MalformedResponseError,
    SourceAuthError,
    SourceError,
    TransientSourceError,
    UnknownSymbolError,
)
from crypto_advisor.contracts.watchlist import WatchedSeries

KRAKEN_API = "https://api.kraken.com/0/public"
COINGECKO_API = "https://api.coingecko.com/api/v3"
TIMEOUT_S = 10

#: ccxt 4.5 ``kraken``'s ``commonCurrencies``: Kraken's legacy and clashing codes -> the unified ones.
KRAKEN_COMMON = {
    "LUNA": "LUNC",
    "LUNA2": "LUNA",
    "REPV2": "REP",
    "REP": "REPV1",
    "UST": "USTC",
    "XBT": "BTC",
    "XDG": "DOGE",
    "FEE": "KFEE",
    "XETC": "ETC",
    "XETH": "ETH",
    "XLTC": "LTC",
    "XMLN": "MLN",
    "XREP": "REP",
    "XXBT": "BTC",
    "XXDG": "DOGE",
    "XXLM": "XLM",
    "XXMR": "XMR",
    "XXRP": "XRP",
    "XZEC": "ZEC",
    "ZAUD": "AUD",
    "ZCAD": "CAD",
    "ZEUR": "EUR",
    "ZGBP": "GBP",
    "ZJPY": "JPY",
    "ZUSD": "USD",
}

#: Kraken's errors that say "not now" rather than "no" (``EAPI:Rate limit exceeded``, ``EService:Unavailable``).
_KRAKEN_TRANSIENT = ("EAPI:Rate limit", "EService:", "EGeneral:Temporary")


def kraken_symbols(assets: Mapping[str, Any], pairs: Mapping[str, Any]) -> frozenset[str]:
    """The unified symbols (``BTC/USD``) of Kraken's asset pairs, as ccxt's ``kraken.fetch_markets`` names them.

    Pure. An asset id is read as ccxt's ``parse_currency`` reads it: a legacy id (``XXBT``, ``ZUSD``) through its
    altname (``XBT``) and the common codes (``BTC``); an id with a suffix (``ETH.S``) keeps it. A pair whose id
    holds ``:BTNL`` is a synthetic market ccxt lists under its id, not as base/quote.
    """
    common = dict(KRAKEN_COMMON)
    codes: dict[str, str] = {}
    for asset_id, asset in assets.items():
        altname = asset.get("altname") if isinstance(asset, Mapping) else None
        if "." in asset_id:
            codes[asset_id] = _kraken_code(asset_id, common)
        elif isinstance(altname, str) and asset_id != altname and asset_id[:1] in ("X", "Z"):
            codes[asset_id] = common[asset_id] = _kraken_code(altname, common)
        else:
            codes[asset_id] = _kraken_code(asset_id, common)
    symbols = set()
    for pair_id, pair in pairs.items():
        if (
            not isinstance(pair, Mapping)
            or not isinstance(pair.get("base"), str)
            or not isinstance(pair.get("quote"), str)
        ):
            continue
        base = codes.get(pair["base"]) or _kraken_code(pair["base"], common)
        quote = codes.get(pair["quote"]) or _kraken_code(pair["quote"], common)
        symbols.add(pair_id if ":BTNL" in pair_id else f"{base}/{quote}")
    return frozenset(symbols)


def _kraken_code(currency_id: str, common: Mapping[str, str]) -> str:
    if "." in currency_id[1:]:
        first, _, second = currency_id.partition(".")
        return f"{common.get(first.upper(), first.upper())}.{second.split('.')[0]}"
    return common.get(currency_id.upper(), currency_id.upper())


def _get(url: str, *, headers: Mapping[str, str] | None = None, params: Mapping[str, Any] | None = None) -> Any:
    """``(status, parsed JSON or None)`` of one GET; a network failure is a :class:`TransientSourceError`."""
    import requests

    try:
        response = requests.get(url, headers=dict(headers or {}), params=params, timeout=TIMEOUT_S)
    except requests.RequestException as exc:
        raise TransientSourceError(f"{url}: {type(exc).__name__}: {str(exc)[:200]}") from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    return response.status_code, body


class KrakenListings:
    """Whether Kraken lists a series' pair (Settings' check before a series is added)."""

    def __init__(self, get: Callable[..., Any] = _get) -> None:
        self._get = get

    def _result(self, endpoint: str) -> Mapping[str, Any]:
        status, body = self._get(f"{KRAKEN_API}/{endpoint}")
        errors = body.get("error") if isinstance(body, dict) else None
        if status == 429 or status >= 500 or any(str(e).startswith(_KRAKEN_TRANSIENT) for e in errors or ()):
            raise TransientSourceError(f"kraken {endpoint}: HTTP {status} {errors or ''}".rstrip())
        if errors:
            raise SourceError(f"kraken {endpoint}: {', '.join(map(str, errors))[:300]}")
        result = body.get("result") if isinstance(body, dict) else None
        if status != 200 or not isinstance(result, dict) or not result:
            raise MalformedResponseError(f"kraken {endpoint}: HTTP {status}, not {{'error': [], 'result': {{...}}}}")
        return result

    def check_listed(self, watched: WatchedSeries, *, now_ms: int = 0) -> None:
        """``now_ms`` is unused: Kraken answers as of now."""
        pair = watched.series.pair
        if pair not in kraken_symbols(self._result("Assets"), self._result("AssetPairs")):
            raise UnknownSymbolError(f"kraken {pair}: not among Kraken's asset pairs (/0/public/AssetPairs)")


class CoinGeckoListings:
    """Whether CoinGecko has candles for a series' coin in its quote currency, by the ingest's first request."""

    def __init__(self, read_key: Callable[[], str | None] = lambda: None, get: Callable[..., Any] = _get) -> None:
        self._read_key = read_key
        self._get = get

    def check_listed(self, watched: WatchedSeries, *, now_ms: int = 0) -> None:
        """``now_ms`` is unused: CoinGecko answers as of now."""
        series = watched.series
        coin_id = watched.coingecko_id or ""
        if series.timeframe not in OHLC_REQUEST:
            raise SourceError(f"coingecko {coin_id}: no {series.timeframe} candles on the free API")
        try:
            key = self._read_key()
        except ConfigError as exc:
            raise SourceAuthError(f"coingecko {coin_id}: the API key cannot be read: {exc}") from exc
        status, body = self._get(
            f"{COINGECKO_API}/coins/{coin_id}/ohlc",
            headers={"x-cg-demo-api-key": key} if key else {},
            params={"vs_currency": series.quote.lower(), "days": OHLC_REQUEST[series.timeframe][0]},
        )
        if status == 200 and isinstance(body, list):
            return
        detail = f"coingecko {coin_id}: HTTP {status}: {json.dumps(body)[:300] if body is not None else 'not JSON'}"
        raise MalformedResponseError(detail) if status == 200 else answer_error(detail, status, body)
