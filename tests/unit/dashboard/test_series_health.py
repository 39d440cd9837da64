"""A series' data health on the overview and its page: the newest signal's verdict and reasons, and stale once the
feed stopped (a signal judged healthy when its candle was analysed stays so in the store for ever)."""

from __future__ import annotations

import pytest

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.decisions import Decision
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Health, Signal
from crypto_advisor.contracts.units import HOUR_MS, MINUTE_MS
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.dashboard.overview import data_health, last_alert_of, series_row
from crypto_advisor.notify.format import snapshot
from crypto_advisor.notify.view import AlertView

WATCHED = parse_watchlist("series:\n  - {source: kraken, symbol: ETH/USD}\n").series[0]
ETH = WATCHED.series
#: the newest candle's open time: it closed an hour later
LAST = 1_793_000_000_000 // HOUR_MS * HOUR_MS
GAP = "gap: 1 candle missing (2026-11-03 00:00Z)"


def candles(n: int = 30) -> list[Candle]:
    return [Candle(LAST - (n - 1 - i) * HOUR_MS, 100.0, 101.0, 99.0, 100.0 + i, 10.0) for i in range(n)]


def signal(*reasons: str) -> Signal:
    return Signal(
        series=ETH.key,
        candle_ts=LAST,
        close=129.0,
        health=Health(healthy=not reasons, reasons=list(reasons)),
        analyzed_at=LAST + HOUR_MS + MINUTE_MS,
    )


def test_a_row_whose_newest_candle_closed_more_than_two_timeframes_ago_is_stale_and_not_healthy():
    # Given a series whose newest signal found its data healthy, and whose feed then stopped
    closed = LAST + HOUR_MS
    # When the overview is made 2 hours and a minute after that candle closed
    row = series_row(WATCHED, candles(), signal(), None, now=closed + 2 * HOUR_MS + MINUTE_MS)
    # Then the row is stale, and so not healthy, though the stored signal says healthy
    assert (row.stale, row.healthy) == (True, False)
    assert row.last_ts == LAST


def test_a_row_fed_on_time_keeps_its_signals_health():
    # Given the same series while its feed runs: the next candle is not due for another 2 hours
    closed = LAST + HOUR_MS
    # When the overview is made exactly 2 timeframes after its newest candle closed
    row = series_row(WATCHED, candles(), signal(), None, now=closed + 2 * HOUR_MS)
    # Then it is not stale, and as healthy as its signal
    assert (row.stale, row.healthy) == (False, True)


def test_the_newest_signals_health_reasons_reach_the_row():
    # Given a newest signal that found a gap in the data
    row = series_row(WATCHED, candles(), signal(GAP), None, now=LAST + HOUR_MS)
    # Then the row says unhealthy and why, in the analysis' words
    assert (row.healthy, row.health_reasons) == (False, [GAP])


def test_a_series_without_candles_is_empty_not_stale():
    # Given a series every ingest failed for: no candle, no signal
    row = series_row(WATCHED, [], None, None, now=LAST)
    # Then nothing is judged: no health, not stale (the page says no candle is stored)
    assert (row.last_ts, row.stale, row.healthy, row.health_reasons) == (None, False, None, [])


@pytest.mark.parametrize(
    ("timeframe", "age_ms", "stale"),
    [
        ("1m", 14 * MINUTE_MS, False),  # the ingest runs every 5 minutes: a 1m series is minutes behind between runs
        ("1m", 16 * MINUTE_MS, True),
        ("4h", 8 * HOUR_MS, False),
        ("4h", 8 * HOUR_MS + 1, True),
    ],
)
def test_staleness_is_two_timeframes_and_at_least_a_quarter_hour(timeframe: str, age_ms: int, stale: bool):
    series = Series.of("kraken", "BTC/USD", timeframe)
    closed = LAST + series.timeframe_ms
    assert data_health(series, LAST, None, closed + age_ms).stale is stale


def test_the_series_pages_health_is_the_same_verdict():
    # Given a stale series whose newest signal also found a gap
    health = data_health(ETH, LAST, signal(GAP), LAST + 10 * HOUR_MS)
    # Then the page gets both: stale, unhealthy, and the signal's reasons
    assert (health.stale, health.healthy, health.reasons) == (True, False, [GAP])


def test_a_last_alert_names_its_timeframe_so_the_page_can_name_the_candles_close():
    series_alert = Decision(key=ETH.key, candle_ts=LAST, status="sent", rules=("rsi_oversold",))
    market_alert = Decision(key="market#4h", candle_ts=LAST, status="sent")
    assert last_alert_of(series_alert).timeframe == "1h"  # type: ignore[union-attr]
    assert last_alert_of(market_alert).timeframe == "4h"  # type: ignore[union-attr]


def test_the_overviews_volume_ratio_is_the_emails_against_the_candles_before():
    # Given 30 hourly candles of volume 10, the newest one 60: 6x the 20 before it, 60 / 12.5 = 4.8x a 20-candle
    # average that counts it in
    spiked = [*candles()[:-1], Candle(LAST, 100.0, 101.0, 99.0, 129.0, 60.0)]
    # When the overview row is made
    row = series_row(WATCHED, spiked, signal(), None, now=LAST + HOUR_MS)
    # Then its heatmap's ratio is the email's volume row's (and the volume spike rule's): 6x, not 4.8x
    assert row.volume_ratio == pytest.approx(6.0)
    volume = next(f for f in snapshot(AlertView(signal(), ETH, (), tuple(spiked))) if f.label == "Volume")
    assert volume.note.startswith("6.00x the average of the 20 candles before it")
