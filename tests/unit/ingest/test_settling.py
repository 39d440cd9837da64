"""A CoinGecko candle is stored only once CoinGecko's data for it is final (ingest/settling.py, coingecko_ohlc.py).

CoinGecko's ``/ohlc`` answer is cached up to 15 minutes and ends with the candle still forming, stamped with its
coming close. The real :class:`CoinGeckoSource` builds the candles here, from a fake pycoingecko client that
answers what CoinGecko would at that moment; the stores are the in-memory fakes.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from crypto_advisor.adapters.coingecko import CoinGeckoSource, RateLimiter
from crypto_advisor.adapters.coingecko_ohlc import SETTLE_MS
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.ingest.service import Stores, ingest_series, next_fetch_from
from tests.fakes.ingest import MemoryArchive, MemoryCandleStore, MemoryStream, ScriptedExchange

MIN = 60_000
HALF = 30 * MIN
H = 60 * MIN
FOUR = 4 * H
DAY = 24 * H
DAY0 = 1_767_225_600_000  # 2026-01-01T00:00Z
TICK = DAY0 + 13 * H + MIN  # 13:01, the schedule's tick a minute past the hour

HYPE_1H = WatchedSeries(series=Series.of("coingecko", "HYPE/USD", "1h"), backfill_candles=3, coingecko_id="hyperliquid")
HYPE_1D = WatchedSeries(series=Series.of("coingecko", "HYPE/USD", "1d"), backfill_candles=3, coingecko_id="hyperliquid")
BTC_1H = WatchedSeries(series=Series.of("kraken", "BTC/USD", "1h"), backfill_candles=3)


class CoinGeckoAnswers:
    """pycoingecko's client as CoinGeckoSource calls it: ``/ohlc`` candles of ``candle_ms`` stamped with their close,
    the last one closing at ``last_close`` (CoinGecko's forming candle, or the one its cached answer ended with),
    each closing at 100 unless ``closes`` says otherwise; ``/market_chart``'s hourly volume samples."""

    def __init__(self, *, last_close: int, candle_ms: int, days: int, closes: dict[int, float] | None = None) -> None:
        self.session = SimpleNamespace(headers={})
        self.last_close, self.candle_ms, self.days = last_close, candle_ms, days
        self.closes = closes or {}
        self.calls = 0

    def get_coin_ohlc_by_id(self, **_: Any) -> list[list[float]]:
        self.calls += 1
        count = self.days * DAY // self.candle_ms
        rows = []
        for t in range(self.last_close - (count - 1) * self.candle_ms, self.last_close + 1, self.candle_ms):
            close = self.closes.get(t, 100.0)
            rows.append([t, 100.0, max(100.0, close), min(100.0, close), close])
        return rows

    def get_coin_market_chart_by_id(self, **_: Any) -> dict:
        first = self.last_close - self.days * DAY
        return {"total_volumes": [[t + 2 * MIN, 2400.0] for t in range(first, self.last_close, H)]}


def coingecko(answers: CoinGeckoAnswers) -> CoinGeckoSource:
    return CoinGeckoSource(answers, limiter=RateLimiter(0, sleep=lambda s: None))  # type: ignore[arg-type]


def world(cursor: tuple[WatchedSeries, int] | None = None) -> tuple[MemoryCandleStore, MemoryStream, Stores]:
    candles, stream = MemoryCandleStore(), MemoryStream()
    if cursor is not None:
        candles.cursors[cursor[0].series.key] = cursor[1]
    return candles, stream, Stores(candles=candles, archive=MemoryArchive(), stream=stream)


# At 13:01 the answer may have been computed at 12:50: its last row, stamped 13:00, is the half hour from 12:30 still
# forming, its close so far 101. The true close at 13:00 was 93 (a fall in the last ten minutes).
STALE_AT_1301 = {"last_close": DAY0 + 13 * H, "candle_ms": HALF, "days": 2, "closes": {DAY0 + 13 * H: 101.0}}
# From 13:15 every answer was computed after 13:00: the 13:00 row is final, and the half hour to 13:30 is forming.
FRESH_AT_1316 = {"last_close": DAY0 + 13 * H + HALF, "candle_ms": HALF, "days": 2, "closes": {DAY0 + 13 * H: 93.0}}


def test_at_1301_the_hour_that_closed_at_1300_is_settling_not_fetched_and_at_1316_it_is_stored_with_its_true_close():
    # Given an hourly CoinGecko series stored up to the 11:00 hour
    candles, stream, stores = world((HYPE_1H, DAY0 + 11 * H))
    stale = CoinGeckoAnswers(**STALE_AT_1301)

    # When the 13:01 tick runs
    report = ingest_series(HYPE_1H, now_ms=TICK, source=coingecko(stale), stores=stores)

    # Then the 12:00 hour is not stored: it is settling (not due, so CoinGecko is not even asked), not a failure,
    # not a gap, not lagging; the cursor and the stream are untouched
    assert (report.status, report.settling) == ("up_to_date", DAY0 + 12 * H)
    assert report.as_dict()["settling"] == DAY0 + 12 * H
    assert (report.error, report.gaps, report.lagging) == (None, [], None)
    assert stale.calls == 0
    assert DAY0 + 12 * H not in candles.candles[HYPE_1H.series.key]
    assert candles.cursors[HYPE_1H.series.key] == DAY0 + 11 * H and stream.records == []

    # When the 13:16 tick runs, CoinGecko's answer now computed after 13:00
    fresh = CoinGeckoAnswers(**FRESH_AT_1316)
    report = ingest_series(HYPE_1H, now_ms=TICK + 15 * MIN, source=coingecko(fresh), stores=stores)

    # Then the 12:00 hour is stored with its true close, and the cursor moves to it
    assert (report.status, report.stored, report.settling, report.gaps) == ("stored", 1, None, [])
    assert candles.candles[HYPE_1H.series.key][DAY0 + 12 * H].close == 93.0
    assert candles.cursors[HYPE_1H.series.key] == DAY0 + 12 * H


def test_a_first_run_at_1301_backfills_the_settled_hours_only_and_the_next_settled_tick_adds_the_last():
    # Given an hourly CoinGecko series never ingested, and CoinGecko's 12:50 answer served at 13:01
    candles, _, stores = world()

    # When the 13:01 tick runs
    report = ingest_series(HYPE_1H, now_ms=TICK, source=coingecko(CoinGeckoAnswers(**STALE_AT_1301)), stores=stores)

    # Then the backfill's three hours end at the 11:00 hour: the 12:00 one, built from the answer's last (forming)
    # row, is settling, and neither a gap nor a lagging source
    assert report.status == "stored"
    assert candles.ts(HYPE_1H) == [DAY0 + 9 * H, DAY0 + 10 * H, DAY0 + 11 * H]
    assert (report.settling, report.gaps, report.lagging) == (DAY0 + 12 * H, [], None)

    # When the 13:16 tick runs
    report = ingest_series(
        HYPE_1H, now_ms=TICK + 15 * MIN, source=coingecko(CoinGeckoAnswers(**FRESH_AT_1316)), stores=stores
    )

    # Then the 12:00 hour follows with its true close
    assert candles.ts(HYPE_1H)[-1] == DAY0 + 12 * H and report.gaps == []
    assert candles.candles[HYPE_1H.series.key][DAY0 + 12 * H].close == 93.0


def test_a_coingecko_day_is_stored_only_from_0035():
    # Given a daily CoinGecko series stored up to the day before yesterday, and CoinGecko's 4-hour rows whose last
    # one closes at midnight (yesterday's last four hours, still forming in a cached answer)
    yesterday = DAY0 + DAY
    midnight = yesterday + DAY
    candles, _, stores = world((HYPE_1D, DAY0))
    answers = CoinGeckoAnswers(last_close=midnight, candle_ms=FOUR, days=30, closes={midnight: 101.0})

    # When the ticks at 00:01 and 00:31 run, then the one at 00:36 (a fresh answer: the day's true close was 93)
    early = [
        ingest_series(HYPE_1D, now_ms=midnight + m * MIN, source=coingecko(answers), stores=stores) for m in (1, 31)
    ]
    fresh = CoinGeckoAnswers(last_close=midnight + FOUR, candle_ms=FOUR, days=30, closes={midnight: 93.0})
    late = ingest_series(HYPE_1D, now_ms=midnight + 36 * MIN, source=coingecko(fresh), stores=stores)

    # Then yesterday is settling until 00:35 and stored at 00:36 with its true close
    assert [(r.status, r.settling) for r in early] == [("up_to_date", yesterday)] * 2
    assert answers.calls == 0
    assert late.status == "stored"
    assert candles.candles[HYPE_1D.series.key][yesterday].close == 93.0


@pytest.mark.parametrize(
    ("watched", "after_close_ms", "due"),
    [
        (HYPE_1H, 15 * MIN - 1, False),
        (HYPE_1H, 15 * MIN, True),
        (HYPE_1D, 35 * MIN - 1, False),
        (HYPE_1D, 35 * MIN, True),
    ],
    ids=["1h-14m59s", "1h-15m", "1d-34m59s", "1d-35m"],
)
def test_a_coingecko_candle_is_due_once_its_settling_margin_after_its_close_has_passed(watched, after_close_ms, due):
    # Given a CoinGecko series stored up to the candle before the one that closes at DAY0 + 2 days
    tf = watched.series.timeframe_ms
    close = DAY0 + 2 * DAY
    candles, _, stores = world((watched, close - 2 * tf))
    part, days = (HALF, 2) if tf < DAY else (FOUR, 30)
    answers = CoinGeckoAnswers(last_close=close + part, candle_ms=part, days=days)  # the last row: forming

    # When a tick runs that long after the close
    report = ingest_series(watched, now_ms=close + after_close_ms, source=coingecko(answers), stores=stores)

    # Then the closed candle is asked for and stored only once settled (15 minutes, 35 for a day: CoinGecko's docs)
    assert (answers.calls == 1, report.status == "stored") == (due, due)
    assert (candles.cursors[watched.series.key] == close - tf) is due


def test_a_source_without_a_settling_margin_stores_the_candle_at_its_close():
    # Given a Kraken series stored up to the 11:00 hour (an exchange: its data is final at the close, its forming
    # candle the one it sends last, which the clock drops)
    _, _, stores = world((BTC_1H, DAY0 + 11 * H))

    # When the tick at 13:00 runs / Then the 12:00 hour is due and stored, nothing is settling
    report = ingest_series(BTC_1H, now_ms=DAY0 + 13 * H, source=ScriptedExchange(), stores=stores)
    assert (report.status, report.last_ts, report.settling) == ("stored", DAY0 + 12 * H, None)
    assert next_fetch_from(BTC_1H, DAY0 + 11 * H, DAY0 + 13 * H) == DAY0 + 12 * H


def test_coingecko_s_margins_are_its_docs_cache_period_and_its_daily_availability():
    # 15 minutes: /ohlc is cached and updated every 15 minutes; 35: a completed UTC day is available at 00:35
    source = coingecko(CoinGeckoAnswers(last_close=DAY0, candle_ms=HALF, days=2))
    margins = {tf: source.settle_ms(Series.of("coingecko", "HYPE/USD", tf)) for tf in ("30m", "1h", "4h", "1d", "1w")}
    assert margins == {"30m": 15 * MIN, "1h": 15 * MIN, "4h": 15 * MIN, "1d": 35 * MIN, "1w": 35 * MIN}
    assert SETTLE_MS == (15 * MIN, 35 * MIN)
