"""CoinGeckoSource driving the real pycoingecko client through recorded CoinGecko answers."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from crypto_advisor.adapters.coingecko import MIN_INTERVAL_S, CoinGeckoSource, RateLimiter, build_candles
from crypto_advisor.contracts.candle import screen
from crypto_advisor.contracts.errors import (
    ConfigError,
    MalformedResponseError,
    SourceAuthError,
    TransientSourceError,
    UnknownSymbolError,
)
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import WatchedSeries
from tests.recorded import coingecko

MIN = 60_000
HALF_HOUR = 30 * MIN
HOUR = 60 * MIN
DAY = 24 * HOUR

DAY_START = 1_767_225_600_000  # 2026-01-01T00:00Z
NOW_MS = DAY_START + 13 * HOUR + 40 * MIN + 34_000  # 13:40:34: the 13:30 half hour, so the 13:00 hour, is forming
FORMING_HALF_CLOSE = DAY_START + 14 * HOUR  # the forming 30-minute candle is stamped with its coming close

HYPE_1H = WatchedSeries(
    series=Series.of("coingecko", "HYPE/USD", "1h"), backfill_candles=720, coingecko_id="hyperliquid"
)
DEMO_KEY = "CG-dEm0kEyF0rTeStS0nLy"


def two_days_of_half_hours() -> list[list]:
    """``/ohlc?days=2`` at 13:40: 97 half hours, the first closing at 14:00 two days ago, the last still forming."""
    rows = coingecko.ohlc_rows(FORMING_HALF_CLOSE - 96 * HALF_HOUR, 97)
    assert rows[-1][0] == FORMING_HALF_CLOSE
    return rows


def two_days_of_hourly_points() -> dict:
    """``/market_chart?days=2`` at 13:40: hourly points, each a little after the hour."""
    return coingecko.market_chart(NOW_MS - 2 * DAY + 22 * MIN + 7_000, 48)


def make_source(
    clock, *, demo_api_key: str | None = None, attempts: int = 4
) -> tuple[CoinGeckoSource, list[float], RateLimiter]:
    """The source as production builds it, but on a fake clock, with sleeps that only record."""
    interval = MIN_INTERVAL_S["demo" if demo_api_key else "public"]
    limiter = RateLimiter(interval, clock=clock.time, sleep=clock.sleep)
    retry_sleeps: list[float] = []
    source = CoinGeckoSource(demo_api_key=demo_api_key, limiter=limiter, attempts=attempts, sleep=retry_sleeps.append)
    return source, retry_sleeps, limiter


# --- build_candles: 30-minute close-stamped candles into hours ------------------------------


def test_two_half_hours_make_one_hour_with_the_right_open_time_and_prices():
    # Given the two 30-minute candles of the 10:00 hour, each stamped with its close (10:30 and 11:00)
    ten = DAY_START + 10 * HOUR
    ohlc = [[ten + HALF_HOUR, 10.0, 12.0, 9.5, 11.0], [ten + HOUR, 11.1, 13.0, 10.8, 12.5]]
    volumes = [[ten + 50 * MIN, 2_400.0]]

    # When they are built into hourly candles
    candles = build_candles(ohlc, volumes, source_ms=HALF_HOUR, timeframe_ms=HOUR)

    # Then there is one candle opening at 10:00: the first half's open, the highest high,
    # the lowest low and the second half's close
    assert candles == [[ten, 10.0, 13.0, 9.5, 12.5, 100.0]]


def test_an_hour_missing_a_half_is_not_made():
    # Given the 09:00 hour has only its second half (09:30-10:00), the 10:00 hour both, the 11:00 hour only its first
    ten = DAY_START + 10 * HOUR
    ohlc = [
        [ten, 9.0, 9.6, 8.9, 9.5],
        [ten + HALF_HOUR, 9.5, 10.2, 9.4, 10.0],
        [ten + HOUR, 10.0, 10.4, 9.9, 10.3],
        [ten + HOUR + HALF_HOUR, 10.3, 10.5, 10.1, 10.2],
    ]

    # When they are built into hourly candles
    candles = build_candles(ohlc, [[ten, 2_400.0]], source_ms=HALF_HOUR, timeframe_ms=HOUR)

    # Then only the complete 10:00 hour is made: a half hour never passes for an hour
    assert [c[0] for c in candles] == [ten]
    assert candles[0][1:5] == [9.5, 10.4, 9.4, 10.3]


def test_volume_is_the_rolling_24h_volume_at_the_close_scaled_to_one_hour():
    # Given hourly samples of the rolling 24 h volume, taken a few minutes after each hour
    ten = DAY_START + 10 * HOUR
    ohlc = [
        [ten + HALF_HOUR, 10.0, 10.2, 9.9, 10.1],
        [ten + HOUR, 10.1, 10.3, 10.0, 10.2],
        [ten + HOUR + HALF_HOUR, 10.2, 10.4, 10.1, 10.3],
        [ten + 2 * HOUR, 10.3, 10.5, 10.2, 10.4],
    ]
    volumes = [
        [ten + 2 * MIN + 41_337, 480_000_000.0],
        [ten + HOUR + 2 * MIN + 43_001, 504_000_000.0],
        [ten + 2 * HOUR + 2 * MIN + 40_112, 528_000_000.0],
    ]

    # When they are built into hourly candles
    candles = build_candles(ohlc, volumes, source_ms=HALF_HOUR, timeframe_ms=HOUR)

    # Then each hour's volume is the last sample at or before its close, divided by 24
    # (10:00 closes at 11:00: the 10:02 sample; 11:00 closes at 12:00: the 11:02 sample)
    assert [c[5] for c in candles] == [pytest.approx(20_000_000.0), pytest.approx(21_000_000.0)]


# --- a normal fetch through pycoingecko -----------------------------------------------------


def test_a_normal_fetch_returns_closed_hours_from_since(rsps, clock):
    # Given CoinGecko's two-day answers at 13:40 (half hours stamped with their close, hourly volume samples)
    ohlc = two_days_of_half_hours()
    chart = two_days_of_hourly_points()
    ohlc_answer, chart_answer = coingecko.register(rsps, "hyperliquid", ohlc, chart)
    source, retry_sleeps, _ = make_source(clock)
    since_ms = DAY_START - 11 * HOUR  # yesterday 13:00

    # When the hourly candles from yesterday 13:00 are fetched
    got = source.fetch_ohlcv(HYPE_1H, since_ms=since_ms, now_ms=NOW_MS)

    # Then each endpoint was asked once, for USD over two days
    assert ohlc_answer.call_count == 1
    assert chart_answer.call_count == 1
    for call in rsps.calls:
        assert parse_qs(urlsplit(call.request.url).query) == {"vs_currency": ["usd"], "days": ["2"]}
    assert retry_sleeps == []
    # And every hour from since on comes back, each built from its two halves and the volume sample at its close
    by_close = {row[0]: row for row in ohlc}
    samples = chart["total_volumes"]
    expected = []
    for start in range(since_ms, DAY_START + 14 * HOUR, HOUR):
        first, second = by_close[start + HALF_HOUR], by_close[start + HOUR]
        volume = [v for ts, v in samples if ts <= start + HOUR][-1] / 24
        expected.append([start, first[1], max(first[2], second[2]), min(first[3], second[3]), second[4], volume])
    assert got == [[row[0], *[pytest.approx(v) for v in row[1:]]] for row in expected]
    # And screening at 13:40 accepts the 24 closed hours and holds back the forming 13:00 hour
    screened = screen(got, timeframe_ms=HOUR, now_ms=NOW_MS)
    assert screened.rejected == []
    assert screened.forming == 1
    assert [c.ts for c in screened.accepted] == list(range(since_ms, DAY_START + 13 * HOUR, HOUR))


def test_the_first_hour_of_the_answer_missing_a_half_is_not_returned(rsps, clock):
    # Given the two-day answer whose first half hour is the second half of the 13:00 hour two days ago
    ohlc = two_days_of_half_hours()
    coingecko.register(rsps, "hyperliquid", ohlc, two_days_of_hourly_points())
    source, _, _ = make_source(clock)

    # When everything the answer holds is fetched
    got = source.fetch_ohlcv(HYPE_1H, since_ms=0, now_ms=NOW_MS)

    # Then the first hour is the first complete one, 14:00 two days ago
    assert ohlc[0][0] - HALF_HOUR == DAY_START - 2 * DAY + 13 * HOUR + HALF_HOUR
    assert got[0][0] == DAY_START - 2 * DAY + 14 * HOUR
    assert len(got) == 48


# --- the demo key ---------------------------------------------------------------------------


def test_the_demo_key_is_sent_in_the_header_and_never_in_the_url(rsps, clock):
    # Given a configured demo key
    coingecko.register(rsps, "hyperliquid", two_days_of_half_hours(), two_days_of_hourly_points())
    source, _, _ = make_source(clock, demo_api_key=DEMO_KEY)

    # When candles are fetched
    source.fetch_ohlcv(HYPE_1H, since_ms=0, now_ms=NOW_MS)

    # Then both requests carry the key in the x-cg-demo-api-key header, and no URL contains it
    assert len(rsps.calls) == 2
    for call in rsps.calls:
        assert call.request.headers["x-cg-demo-api-key"] == DEMO_KEY
        assert DEMO_KEY not in call.request.url
        assert "x_cg_demo_api_key" not in call.request.url


def test_without_a_key_no_key_header_is_sent(rsps, clock):
    # Given no demo key
    coingecko.register(rsps, "hyperliquid", two_days_of_half_hours(), two_days_of_hourly_points())
    source, _, _ = make_source(clock)

    # When candles are fetched
    source.fetch_ohlcv(HYPE_1H, since_ms=0, now_ms=NOW_MS)

    # Then no request carries a key header (or a key parameter)
    assert len(rsps.calls) == 2
    for call in rsps.calls:
        assert not any(name.lower().startswith("x-cg-") for name in call.request.headers)
        assert "api_key" not in call.request.url


# --- errors ---------------------------------------------------------------------------------


def test_http_429_is_retried_after_a_backoff_and_then_succeeds(rsps, clock):
    # Given CoinGecko refuses the first /ohlc call with its rate-limit answer, then answers
    ohlc = two_days_of_half_hours()
    refused = coingecko.register_ohlc(rsps, "hyperliquid", None, status=429, body=coingecko.RATE_LIMITED)
    coingecko.register(rsps, "hyperliquid", ohlc, two_days_of_hourly_points())
    source, retry_sleeps, _ = make_source(clock)

    # When candles are fetched
    got = source.fetch_ohlcv(HYPE_1H, since_ms=0, now_ms=NOW_MS)

    # Then the refused call was retried once after one recorded backoff, and the candles came back
    assert refused.call_count == 1
    assert len(retry_sleeps) == 1
    assert 0 <= retry_sleeps[0] <= 8.0
    assert len(got) == 48


def test_persistent_rate_limiting_fails_transiently_after_the_configured_attempts(rsps, clock):
    # Given CoinGecko refuses every /ohlc call with its rate-limit answer
    refused = coingecko.register_ohlc(rsps, "hyperliquid", None, status=429, body=coingecko.RATE_LIMITED)
    chart = coingecko.register_market_chart(rsps, "hyperliquid", two_days_of_hourly_points())
    source, retry_sleeps, _ = make_source(clock, attempts=3)

    # When candles are fetched
    with pytest.raises(TransientSourceError) as caught:
        source.fetch_ohlcv(HYPE_1H, since_ms=0, now_ms=NOW_MS)

    # Then /ohlc was asked exactly 3 times with backoffs between, and /market_chart not at all
    assert refused.call_count == 3
    assert len(retry_sleeps) == 2
    assert chart.call_count == 0
    assert "coingecko hyperliquid" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (503, "<html><head><title>503 Service Temporarily Unavailable</title></head></html>"),
        (502, "<html><head><title>502 Bad Gateway</title></head></html>"),
        (500, {"error": "Internal Server Error"}),
    ],
    ids=["503-html", "502-html", "500-json"],
)
def test_coingecko_down_fails_transiently_after_retries(rsps, clock, status, body):
    # Given CoinGecko answers a server error to every call
    down = coingecko.register_ohlc(rsps, "hyperliquid", None, status=status, body=body)
    source, retry_sleeps, _ = make_source(clock, attempts=4)

    # When candles are fetched
    with pytest.raises(TransientSourceError):
        source.fetch_ohlcv(HYPE_1H, since_ms=0, now_ms=NOW_MS)

    # Then every attempt was made, with backoffs recorded between them
    assert down.call_count == 4
    assert len(retry_sleeps) == 3


def test_an_unknown_coin_is_unknown_at_once(rsps, clock):
    # Given CoinGecko does not know the coin id
    missing = coingecko.register_ohlc(rsps, "hyperliquidd", None, status=404, body=coingecko.COIN_NOT_FOUND)
    source, retry_sleeps, _ = make_source(clock)
    watched = WatchedSeries(
        series=Series.of("coingecko", "HYPE/USD", "1h"), backfill_candles=720, coingecko_id="hyperliquidd"
    )

    # When its candles are fetched
    with pytest.raises(UnknownSymbolError) as caught:
        source.fetch_ohlcv(watched, since_ms=0, now_ms=NOW_MS)

    # Then it is reported unknown after one call, without retry
    assert "hyperliquidd" in str(caught.value)
    assert missing.call_count == 1
    assert retry_sleeps == []


def test_a_refused_key_is_an_auth_error(rsps, clock):
    # Given CoinGecko refuses the request for its API key
    refused = coingecko.register_ohlc(rsps, "hyperliquid", None, status=401, body=coingecko.API_KEY_MISSING)
    source, retry_sleeps, _ = make_source(clock, demo_api_key=DEMO_KEY)

    # When candles are fetched
    with pytest.raises(SourceAuthError) as caught:
        source.fetch_ohlcv(HYPE_1H, since_ms=0, now_ms=NOW_MS)

    # Then the run is told the key was refused, after one call, without retry (and without the key in the message)
    assert refused.call_count == 1
    assert retry_sleeps == []
    assert DEMO_KEY not in str(caught.value)


@pytest.mark.parametrize("endpoint", ["ohlc", "market_chart"])
@pytest.mark.parametrize(
    "body",
    ["[[1767225600000,38.1,38.4,37.9,38.2],[1767227400000,38.2,38", "<html><body>Bad gateway</body></html>"],
    ids=["truncated-json", "html"],
)
def test_a_malformed_answer_is_a_malformed_response(rsps, clock, endpoint, body):
    # Given one endpoint answers HTTP 200 with a body that is not JSON
    if endpoint == "ohlc":
        coingecko.register_ohlc(rsps, "hyperliquid", None, body=body)
        coingecko.register_market_chart(rsps, "hyperliquid", two_days_of_hourly_points())
    else:
        coingecko.register_ohlc(rsps, "hyperliquid", two_days_of_half_hours())
        coingecko.register_market_chart(rsps, "hyperliquid", None, body=body)
    source, retry_sleeps, _ = make_source(clock)

    # When candles are fetched
    with pytest.raises(MalformedResponseError):
        source.fetch_ohlcv(HYPE_1H, since_ms=0, now_ms=NOW_MS)

    # Then it is reported as malformed, without retry
    assert retry_sleeps == []


def test_an_answer_of_the_wrong_shape_is_a_malformed_response(rsps, clock):
    # Given /market_chart answers JSON without total_volumes
    coingecko.register_ohlc(rsps, "hyperliquid", two_days_of_half_hours())
    coingecko.register_market_chart(rsps, "hyperliquid", {"prices": [], "market_caps": []})
    source, _, _ = make_source(clock)

    # When candles are fetched, then it is reported as malformed
    with pytest.raises(MalformedResponseError):
        source.fetch_ohlcv(HYPE_1H, since_ms=0, now_ms=NOW_MS)


# --- spacing calls --------------------------------------------------------------------------


def test_the_rate_limiter_spaces_calls(clock):
    # Given a limiter allowing one call every 2.1 s
    limiter = RateLimiter(2.1, clock=clock.time, sleep=clock.sleep)

    # When a first call goes at once, a second comes 0.5 s later, and a third 5 s after that
    limiter.wait()
    first_at = clock.now
    clock.advance(0.5)
    limiter.wait()
    second_at = clock.now
    clock.advance(5.0)
    limiter.wait()

    # Then only the second waited, just long enough to be 2.1 s after the first
    assert clock.sleeps == [pytest.approx(1.6)]
    assert second_at - first_at == pytest.approx(2.1)


@pytest.mark.parametrize(("demo_api_key", "spacing"), [(None, 6.0), (DEMO_KEY, 2.1)], ids=["public", "demo"])
def test_a_fetch_spaces_its_two_calls_by_the_tier_interval(rsps, clock, demo_api_key, spacing):
    # Given a source on the keyless or the demo tier, and a clock that moves only when something sleeps
    sent_at: list[float] = []

    def answer(body: object):
        def callback(request):
            sent_at.append(clock.now)
            return 200, {}, json.dumps(body)

        return callback

    rsps.add_callback(responses.GET, coingecko.ohlc_url("hyperliquid"), callback=answer(two_days_of_half_hours()))
    rsps.add_callback(
        responses.GET, coingecko.market_chart_url("hyperliquid"), callback=answer(two_days_of_hourly_points())
    )
    source, retry_sleeps, _ = make_source(clock, demo_api_key=demo_api_key)

    # When candles are fetched (two calls: /ohlc then /market_chart)
    source.fetch_ohlcv(HYPE_1H, since_ms=0, now_ms=NOW_MS)

    # Then the second call went out one tier interval after the first: waited on the clock, never for real
    assert len(sent_at) == 2
    assert sent_at[1] - sent_at[0] == pytest.approx(spacing)
    assert clock.sleeps == [pytest.approx(spacing)]
    assert retry_sleeps == []


# --- the key read on first use (issue 11) -----------------------------------------------------


def test_a_key_that_cannot_be_read_fails_the_fetch_as_auth_and_calls_nothing(rsps, clock):
    # Given a source whose key reader fails (the secret deleted, or the role not allowed to read it)
    def unreadable() -> str | None:
        raise ConfigError("cannot read secret 'crypto-advisor/coingecko': AccessDeniedException")

    source = CoinGeckoSource(read_key=unreadable, limiter=RateLimiter(0, clock=clock.time, sleep=clock.sleep))

    # When a series is fetched / Then it fails alone as an auth error naming the secret, before any request
    with pytest.raises(SourceAuthError, match="the API key cannot be read: cannot read secret 'crypto-advisor/coing"):
        source.fetch_ohlcv(HYPE_1H, since_ms=0, now_ms=NOW_MS)
    assert len(rsps.calls) == 0


def test_a_key_read_on_first_use_is_sent_and_read_once(rsps, clock):
    # Given a key reader that fails once (a throttled read), then answers
    answers: list[Exception | str] = [ConfigError("cannot read secret 'x': ThrottlingException"), DEMO_KEY]

    def read() -> str | None:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    coingecko.register(rsps, "hyperliquid", two_days_of_half_hours(), two_days_of_hourly_points())
    source = CoinGeckoSource(read_key=read, limiter=RateLimiter(0, clock=clock.time, sleep=clock.sleep))

    # When the first fetch fails on the key and the next two succeed
    with pytest.raises(SourceAuthError):
        source.fetch_ohlcv(HYPE_1H, since_ms=0, now_ms=NOW_MS)
    source.fetch_ohlcv(HYPE_1H, since_ms=0, now_ms=NOW_MS)
    source.fetch_ohlcv(HYPE_1H, since_ms=0, now_ms=NOW_MS)

    # Then the key was read again after the failure, then kept, and every request carried it
    assert answers == [] and len(rsps.calls) == 4
    assert all(call.request.headers["x-cg-demo-api-key"] == DEMO_KEY for call in rsps.calls)
