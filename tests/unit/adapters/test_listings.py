"""Settings' listing checks against the ingest's clients, on the same recorded answers.

ccxt stays a dependency of these tests as the oracle: whatever its ``kraken`` class makes of Kraken's Assets and
AssetPairs is what the ingest can fetch, so the check must list exactly the symbols ccxt lists, the aliases
(``XBT`` -> ``BTC``, ``XDG`` -> ``DOGE``) included. CoinGecko's check must fail the way the ingest's pycoingecko
source fails on the same answer.
"""

from __future__ import annotations

import copy

import pytest

from crypto_advisor.adapters.coingecko import CoinGeckoSource, RateLimiter
from crypto_advisor.adapters.kraken import new_exchange
from crypto_advisor.adapters.listings import CoinGeckoListings, KrakenListings, kraken_symbols
from crypto_advisor.contracts.errors import (
    MalformedResponseError,
    SourceAuthError,
    SourceError,
    TransientSourceError,
    UnknownSymbolError,
)
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import WatchedSeries
from tests.recorded import coingecko, kraken

#: Kraken's recorded markets plus what exercises ccxt's naming: a legacy X-asset with an alias (XXDG, altname XDG:
#: DOGE), a pair quoted in XBT, an asset without a prefix (USDT), the LUNA/LUNC swap, a staked ".S" asset.
EXTRA_ASSETS = {
    "XXDG": {"aclass": "currency", "altname": "XDG", "decimals": 8, "display_decimals": 2, "status": "enabled"},
    "USDT": {"aclass": "currency", "altname": "USDT", "decimals": 8, "display_decimals": 4, "status": "enabled"},
    "LUNA": {"aclass": "currency", "altname": "LUNA", "decimals": 8, "display_decimals": 2, "status": "enabled"},
    "LUNA2": {"aclass": "currency", "altname": "LUNA2", "decimals": 8, "display_decimals": 2, "status": "enabled"},
    "ETH.S": {"aclass": "currency", "altname": "ETH.S", "decimals": 8, "display_decimals": 2, "status": "enabled"},
}


def _pair(altname: str, wsname: str, base: str, quote: str) -> dict:
    pair = copy.deepcopy(kraken.ASSET_PAIRS["SOLUSD"])
    pair.update(altname=altname, wsname=wsname, base=base, quote=quote)
    return pair


EXTRA_PAIRS = {
    "XDGUSD": _pair("XDGUSD", "XDG/USD", "XXDG", "ZUSD"),
    "XETHXXBT": _pair("ETHXBT", "ETH/XBT", "XETH", "XXBT"),
    "USDTZUSD": _pair("USDTUSD", "USDT/USD", "USDT", "ZUSD"),
    "LUNAUSD": _pair("LUNAUSD", "LUNA/USD", "LUNA", "ZUSD"),
    "LUNA2USD": _pair("LUNA2USD", "LUNA2/USD", "LUNA2", "ZUSD"),
    "SOLUSDT": _pair("SOLUSDT", "SOL/USDT", "SOL", "USDT"),
}
ASSETS = {**kraken.ASSETS, **EXTRA_ASSETS}
PAIRS = {**kraken.ASSET_PAIRS, **EXTRA_PAIRS}

ASKED = [
    "BTC/USD",
    "XBT/USD",
    "ETH/USD",
    "SOL/USD",
    "XRP/USD",
    "DOGE/USD",
    "XDG/USD",
    "ETH/BTC",
    "ETH/XBT",
    "USDT/USD",
    "SOL/USDT",
    "LUNA/USD",
    "LUNC/USD",
    "LUNA2/USD",
    "BTC/EUR",
    "NOPE/USD",
    "USD/BTC",
]


def register_markets(rsps) -> None:
    rsps.add(kraken.responses.GET, kraken.ASSETS_URL, json=kraken.envelope(ASSETS), content_type=kraken.JSON)
    rsps.add(kraken.responses.GET, kraken.ASSET_PAIRS_URL, json=kraken.envelope(PAIRS), content_type=kraken.JSON)


def kraken_series(symbol: str) -> WatchedSeries:
    return WatchedSeries(series=Series.of("kraken", symbol, "1h"), backfill_candles=720)


def test_the_kraken_check_lists_exactly_what_ccxt_lists(rsps):
    # Given Kraken's recorded markets, with aliases, an XBT quote, a prefix-less asset and the LUNA swap
    register_markets(rsps)
    exchange = new_exchange(enableRateLimit=False)
    exchange.load_markets()

    # When each symbol is checked without ccxt
    check = KrakenListings()
    verdicts = {}
    for symbol in ASKED:
        try:
            check.check_listed(kraken_series(symbol), now_ms=0)
            verdicts[symbol] = True
        except UnknownSymbolError as exc:
            assert symbol in str(exc)
            verdicts[symbol] = False

    # Then it lists a symbol exactly when ccxt does, BTC and DOGE under their unified names and not Kraken's
    assert verdicts == {symbol: symbol in exchange.markets for symbol in ASKED}
    assert verdicts["BTC/USD"] and verdicts["DOGE/USD"] and verdicts["ETH/BTC"] and verdicts["LUNC/USD"]
    assert not verdicts["XBT/USD"] and not verdicts["XDG/USD"] and not verdicts["NOPE/USD"]
    # and the whole set of names agrees with ccxt's markets, not only the symbols asked
    assert kraken_symbols(ASSETS, PAIRS) == set(exchange.markets)


def test_the_recorded_markets_alone_agree_with_ccxt(rsps):
    kraken.register_markets(rsps)
    exchange = new_exchange(enableRateLimit=False)
    exchange.load_markets()
    assert kraken_symbols(kraken.ASSETS, kraken.ASSET_PAIRS) == set(exchange.markets) == set(kraken.PAIR_IDS)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, kraken.error_body(kraken.RATE_LIMITED), TransientSourceError),
        (200, kraken.error_body(kraken.UNAVAILABLE), TransientSourceError),
        (503, "<html>busy</html>", TransientSourceError),
        (200, "<html>not json</html>", MalformedResponseError),
        (200, '{"error": [], "result": {}}', MalformedResponseError),
        (200, kraken.error_body("EGeneral:Invalid arguments"), SourceError),
    ],
)
def test_a_kraken_answer_that_says_nothing_is_not_an_unlisted_symbol(rsps, status, body, error):
    # Given Kraken answers its markets with an error, a busy page or an empty result
    rsps.add(kraken.responses.GET, kraken.ASSETS_URL, body=body, status=status, content_type=kraken.JSON)
    rsps.add(kraken.responses.GET, kraken.ASSET_PAIRS_URL, body=body, status=status, content_type=kraken.JSON)

    # When a symbol is checked, then the check cannot tell (Settings says "try again"), never "not listed"
    with pytest.raises(error) as caught:
        KrakenListings().check_listed(kraken_series("BTC/USD"), now_ms=0)
    assert not isinstance(caught.value, UnknownSymbolError)


HYPE = WatchedSeries(series=Series.of("coingecko", "HYPE/USD", "1h"), backfill_candles=720, coingecko_id="hyperliquid")


def ingest_error(watched: WatchedSeries) -> type[Exception] | None:
    """What the ingest's pycoingecko source raises on the registered answers (None: it fetched candles)."""
    source = CoinGeckoSource(limiter=RateLimiter(0, sleep=lambda _: None), attempts=1, sleep=lambda _: None)
    try:
        source.fetch_ohlcv(watched, since_ms=0, now_ms=1_767_273_634_000)
    except SourceError as exc:
        return type(exc)
    return None


def check_error(watched: WatchedSeries, **kwargs) -> type[Exception] | None:
    try:
        CoinGeckoListings(**kwargs).check_listed(watched, now_ms=0)
    except SourceError as exc:
        return type(exc)
    return None


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (404, coingecko.COIN_NOT_FOUND, UnknownSymbolError),
        (429, coingecko.RATE_LIMITED, TransientSourceError),
        (401, coingecko.API_KEY_MISSING, SourceAuthError),
        (503, "<html>down</html>", TransientSourceError),
    ],
)
def test_the_coingecko_check_fails_as_the_ingest_fails_on_the_same_answer(rsps, status, body, error):
    # Given CoinGecko answers the series' /ohlc request with an error
    coingecko.register_ohlc(rsps, "hyperliquid", None, status=status, body=body)

    # When Settings checks the coin and the ingest fetches it, then both say the same
    assert check_error(HYPE) is error
    assert ingest_error(HYPE) is error


def test_a_listed_coin_passes_in_one_call_with_the_key_in_the_header(rsps):
    # Given CoinGecko has half-hour candles for the coin
    first_close = 1_767_225_600_000
    ohlc = coingecko.register_ohlc(rsps, "hyperliquid", coingecko.ohlc_rows(first_close, 97))

    # When the coin is checked with a demo key, then it is listed, after one /ohlc request (the ingest's own)
    assert check_error(HYPE, read_key=lambda: "CG-key") is None
    assert ohlc.call_count == 1
    request = rsps.calls[0].request
    assert request.headers["x-cg-demo-api-key"] == "CG-key" and "CG-key" not in request.url


def test_a_key_that_cannot_be_read_is_an_auth_error_and_asks_nothing(rsps):
    from crypto_advisor.contracts.errors import ConfigError

    def unreadable() -> str:
        raise ConfigError("secret coingecko: AccessDenied")

    assert check_error(HYPE, read_key=unreadable) is SourceAuthError
    assert len(rsps.calls) == 0
