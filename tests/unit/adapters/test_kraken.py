"""KrakenSource driving the real ccxt ``kraken`` class through recorded Kraken answers."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from crypto_advisor.adapters.kraken import KrakenSource, new_exchange
from crypto_advisor.contracts.candle import screen
from crypto_advisor.contracts.errors import MalformedResponseError, TransientSourceError, UnknownSymbolError
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from tests.recorded import kraken

HOUR_S = 3_600
HOUR_MS = HOUR_S * 1000
NOW_S = 1_767_273_634  # 2026-01-01T13:20:34Z: the 13:00 candle is still forming
FORMING_OPEN_S = NOW_S - NOW_S % HOUR_S
NOW_MS = NOW_S * 1000

BTC_1H = WatchedSeries(series=Series.of("kraken", "BTC/USD", "1h"), backfill_candles=720)


def make_source(*, attempts: int = 4) -> tuple[KrakenSource, list[float]]:
    """The production exchange object with ccxt's own throttle off, and a sleep that only records."""
    exchange = new_exchange(enableRateLimit=False)
    sleeps: list[float] = []
    return KrakenSource(exchange, attempts=attempts, sleep=sleeps.append), sleeps


def latest_hourly_rows(count: int = 720, *, seed: int = 1) -> list[list]:
    """What Kraken answers for the last ``count`` hours: the last row is the 13:00 candle, still forming."""
    return kraken.ohlc_rows(FORMING_OPEN_S - (count - 1) * HOUR_S, count, seed=seed)


def query_of(call: responses.Call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def ohlc_calls(rsps: responses.RequestsMock) -> list[responses.Call]:
    return [call for call in rsps.calls if urlsplit(call.request.url).path == "/0/public/OHLC"]


# --- a normal answer ---------------------------------------------------------------------


def test_a_normal_answer_becomes_ccxt_rows_and_the_forming_candle_is_not_accepted(rsps):
    # Given Kraken lists its markets and answers the last 720 hours of XBT/USD, the 13:00 candle still forming
    kraken.register_markets(rsps)
    rows = latest_hourly_rows()
    kraken.register_ohlc(rsps, "XXBTZUSD", rows)
    source, _ = make_source()
    since_ms = rows[0][0] * 1000

    # When the history is fetched from the first row on
    got = source.fetch_ohlcv(BTC_1H, since_ms=since_ms, now_ms=NOW_MS)

    # Then every row comes back as ccxt parses it: millisecond open times, float prices, the volume (not the vwap)
    assert got == [[r[0] * 1000, float(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[6])] for r in rows]
    assert all(isinstance(value, float) for row in got for value in row[1:])
    # And screening at 13:20 keeps the 719 closed hours and holds back the forming 13:00 candle
    screened = screen(got, timeframe_ms=HOUR_MS, now_ms=NOW_MS)
    assert screened.rejected == []
    assert screened.forming == 1
    assert len(screened.accepted) == 719
    assert screened.accepted[-1].ts == (FORMING_OPEN_S - HOUR_S) * 1000
    assert FORMING_OPEN_S * 1000 not in {candle.ts for candle in screened.accepted}


@pytest.mark.parametrize(
    ("symbol", "timeframe", "pair_id", "interval_min"),
    [
        ("BTC/USD", "1h", "XXBTZUSD", 60),
        ("ETH/USD", "4h", "XETHZUSD", 240),
        ("SOL/USD", "1h", "SOLUSD", 60),
        ("XRP/USD", "1d", "XXRPZUSD", 1440),
    ],
)
def test_the_requested_since_is_what_kraken_is_asked_for(rsps, symbol, timeframe, pair_id, interval_min):
    # Given a watched series and Kraken answering from one candle before the requested start
    # (ccxt asks for since minus one interval, Kraken's since being exclusive)
    interval_s = interval_min * 60
    watched = parse_watchlist(f"series:\n  - {{source: kraken, symbol: {symbol}, timeframe: {timeframe}}}\n").series[0]
    since_s = FORMING_OPEN_S - FORMING_OPEN_S % interval_s - 10 * interval_s
    kraken.register_markets(rsps)
    kraken.register_ohlc(rsps, pair_id, kraken.ohlc_rows(since_s - interval_s, 12, interval_s, decimals=2))
    source, _ = make_source()

    # When candles from since_s on are fetched
    got = source.fetch_ohlcv(watched, since_ms=since_s * 1000, now_ms=NOW_MS)

    # Then Kraken was asked for that pair, that interval, and from the candle before since (ccxt's minus one
    # interval, on top of the adapter's: that candle's row bounds a quiet interval right after it)
    (call,) = ohlc_calls(rsps)
    expected_since = str(since_s - 2 * interval_s)
    assert query_of(call) == {"pair": [pair_id], "interval": [str(interval_min)], "since": [expected_since]}
    # And nothing before the requested since comes back
    assert [row[0] for row in got] == [(since_s + i * interval_s) * 1000 for i in range(11)]


def test_an_empty_answer_is_an_empty_list(rsps):
    # Given Kraken has no candle after the requested time (the documented envelope with an empty list)
    kraken.register_markets(rsps)
    kraken.register_ohlc(rsps, "XXBTZUSD", [], body=kraken.ohlc_body("XXBTZUSD", [], last=FORMING_OPEN_S - HOUR_S))
    source, sleeps = make_source()

    # When candles are fetched
    got = source.fetch_ohlcv(BTC_1H, since_ms=FORMING_OPEN_S * 1000, now_ms=NOW_MS)

    # Then the answer is no candles, without an error or a retry
    assert got == []
    assert sleeps == []


# --- rate limiting and outages -------------------------------------------------------------


def test_http_429_is_retried_after_a_backoff_and_then_succeeds(rsps):
    # Given Kraken answers HTTP 429 once, then the candles
    kraken.register_markets(rsps)
    rows = latest_hourly_rows(24)
    refused = kraken.register_ohlc(rsps, "XXBTZUSD", [], status=429, body="", content_type="text/plain")
    served = kraken.register_ohlc(rsps, "XXBTZUSD", rows)
    source, sleeps = make_source()

    # When candles are fetched
    got = source.fetch_ohlcv(BTC_1H, since_ms=rows[0][0] * 1000, now_ms=NOW_MS)

    # Then the call was retried once after one recorded backoff (never a real wait) and returned the candles
    assert refused.call_count == 1
    assert served.call_count == 1
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= 8.0
    assert [row[0] for row in got] == [r[0] * 1000 for r in rows]
    # And the markets were loaded once, not once per attempt
    assert sum(urlsplit(c.request.url).path == "/0/public/AssetPairs" for c in rsps.calls) == 1


def test_kraken_rate_limit_error_is_retried(rsps):
    # Given Kraken answers its rate-limit error in the JSON envelope (HTTP 200), then the candles
    kraken.register_markets(rsps)
    rows = latest_hourly_rows(24)
    refused = kraken.register_ohlc(rsps, "XXBTZUSD", [], body=kraken.error_body(kraken.RATE_LIMITED))
    kraken.register_ohlc(rsps, "XXBTZUSD", rows)
    source, sleeps = make_source()

    # When candles are fetched
    got = source.fetch_ohlcv(BTC_1H, since_ms=rows[0][0] * 1000, now_ms=NOW_MS)

    # Then the refusal was retried and the candles returned
    assert refused.call_count == 1
    assert len(sleeps) == 1
    assert len(got) == len(rows)


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (429, "", "text/plain"),
        (200, kraken.error_body(kraken.RATE_LIMITED), kraken.JSON),
    ],
    ids=["http-429", "EAPI:Rate-limit-exceeded"],
)
def test_persistent_rate_limiting_fails_transiently_after_exactly_the_configured_attempts(
    rsps, status, body, content_type
):
    # Given Kraken refuses every call for rate limiting
    kraken.register_markets(rsps)
    refused = kraken.register_ohlc(rsps, "XXBTZUSD", [], status=status, body=body, content_type=content_type)
    source, sleeps = make_source(attempts=3)

    # When candles are fetched
    with pytest.raises(TransientSourceError) as caught:
        source.fetch_ohlcv(BTC_1H, since_ms=FORMING_OPEN_S * 1000, now_ms=NOW_MS)

    # Then Kraken was asked exactly 3 times, with a backoff between tries, and the error says what happened
    assert refused.call_count == 3
    assert len(sleeps) == 2
    assert "kraken BTC/USD" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (503, "<html><head><title>503 Service Unavailable</title></head><body>", "text/html"),
        (503, kraken.error_body(kraken.UNAVAILABLE), kraken.JSON),
        (200, kraken.error_body(kraken.UNAVAILABLE), kraken.JSON),
    ],
    ids=["http-503-html", "http-503-EService", "http-200-EService"],
)
def test_exchange_down_fails_transiently_after_retries(rsps, status, body, content_type):
    # Given Kraken is down for every call
    kraken.register_markets(rsps)
    down = kraken.register_ohlc(rsps, "XXBTZUSD", [], status=status, body=body, content_type=content_type)
    source, sleeps = make_source(attempts=4)

    # When candles are fetched
    with pytest.raises(TransientSourceError):
        source.fetch_ohlcv(BTC_1H, since_ms=FORMING_OPEN_S * 1000, now_ms=NOW_MS)

    # Then every attempt was made, with backoffs recorded between them
    assert down.call_count == 4
    assert len(sleeps) == 3


def test_markets_unavailable_fails_transiently(rsps):
    # Given Kraken's AssetPairs is down (Assets answered) for every call
    rsps.add(responses.GET, kraken.ASSETS_URL, json=kraken.envelope(kraken.ASSETS))
    rsps.add(responses.GET, kraken.ASSET_PAIRS_URL, status=503, body=kraken.error_body(kraken.UNAVAILABLE))
    source, sleeps = make_source(attempts=2)

    # When candles are fetched
    with pytest.raises(TransientSourceError):
        source.fetch_ohlcv(BTC_1H, since_ms=FORMING_OPEN_S * 1000, now_ms=NOW_MS)

    # Then it was retried, and no candle request was made without markets
    assert len(sleeps) == 1
    assert ohlc_calls(rsps) == []


# --- answers that are not what the API documents -------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
        ('{"error":[],"result":{"XXBTZUSD":[[1767182400,"87012.4","87120.0","86950.1","87', kraken.JSON),
        ('{"error":[],"result":{"last":1767268800}}', kraken.JSON),
    ],
    ids=["html", "truncated-json", "no-pair-key"],
)
def test_a_malformed_ohlc_answer_is_a_malformed_response_not_an_empty_list(rsps, body, content_type):
    # Given Kraken answers HTTP 200 with a body that is not the documented OHLC answer
    kraken.register_markets(rsps)
    answered = kraken.register_ohlc(rsps, "XXBTZUSD", [], body=body, content_type=content_type)
    source, sleeps = make_source()

    # When candles are fetched
    with pytest.raises(MalformedResponseError) as caught:
        source.fetch_ohlcv(BTC_1H, since_ms=FORMING_OPEN_S * 1000, now_ms=NOW_MS)

    # Then the run is told the answer was malformed (ccxt alone would have returned [] silently), without retry
    assert "kraken BTC/USD" in str(caught.value)
    assert answered.call_count == 1
    assert sleeps == []


def test_malformed_markets_are_a_malformed_response_then_reloaded(rsps):
    # Given Assets and AssetPairs answer an HTML page once, then their documented answers
    rsps.add(responses.GET, kraken.ASSETS_URL, body="<html>maintenance</html>", content_type="text/html")
    rsps.add(responses.GET, kraken.ASSET_PAIRS_URL, body="<html>maintenance</html>", content_type="text/html")
    kraken.register_markets(rsps)
    rows = latest_hourly_rows(24)
    kraken.register_ohlc(rsps, "XXBTZUSD", rows)
    source, _ = make_source()

    # When candles are fetched, the first time
    with pytest.raises(MalformedResponseError):
        source.fetch_ohlcv(BTC_1H, since_ms=rows[0][0] * 1000, now_ms=NOW_MS)
    # Then BTC/USD was not declared unknown (that would be UnknownSymbolError), and no candle request was made
    assert ohlc_calls(rsps) == []

    # When they are fetched again (the next scheduled run)
    got = source.fetch_ohlcv(BTC_1H, since_ms=rows[0][0] * 1000, now_ms=NOW_MS)

    # Then the markets are loaded afresh and the candles come back
    assert len(got) == len(rows)


# --- markets Kraken does not list ----------------------------------------------------------


def test_a_pair_missing_from_asset_pairs_is_unknown_at_once(rsps):
    # Given Kraken's AssetPairs does not list DOGE/USD
    kraken.register_markets(rsps)
    source, sleeps = make_source()
    watched = WatchedSeries(series=Series.of("kraken", "DOGE/USD", "1h"), backfill_candles=720)

    # When its candles are fetched
    with pytest.raises(UnknownSymbolError) as caught:
        source.fetch_ohlcv(watched, since_ms=FORMING_OPEN_S * 1000, now_ms=NOW_MS)

    # Then it is reported unknown with no retry, and Kraken's OHLC endpoint was never called
    assert "DOGE/USD" in str(caught.value)
    assert sleeps == []
    assert ohlc_calls(rsps) == []


def test_kraken_unknown_asset_pair_error_is_unknown_at_once(rsps):
    # Given Kraken answers the OHLC request with its unknown-pair error (the pair was delisted after markets loaded)
    kraken.register_markets(rsps)
    refused = kraken.register_ohlc(rsps, "XXBTZUSD", [], body=kraken.error_body(kraken.UNKNOWN_PAIR))
    source, sleeps = make_source()

    # When candles are fetched
    with pytest.raises(UnknownSymbolError) as caught:
        source.fetch_ohlcv(BTC_1H, since_ms=FORMING_OPEN_S * 1000, now_ms=NOW_MS)

    # Then it is reported unknown after one call, with no retry
    assert "EQuery:Unknown asset pair" in str(caught.value)
    assert refused.call_count == 1
    assert sleeps == []


# --- the production client ----------------------------------------------------------------


def test_the_production_exchange_respects_kraken_rate_limit():
    # Given the exchange object production builds
    exchange = new_exchange()

    # Then ccxt's own request throttle is on, and a call cannot hang for more than 10 s
    assert exchange.enableRateLimit is True
    assert exchange.rateLimit > 0
    assert exchange.timeout == 10_000
