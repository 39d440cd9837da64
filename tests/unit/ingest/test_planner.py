"""The ingest planner: which series are due, the rate budgets' arithmetic, inline or fanned out, and the chunks."""

from __future__ import annotations

import pytest

from crypto_advisor.contracts.ingest_chunk import ChunkError, IngestChunk
from crypto_advisor.contracts.market_scan import MarketScan
from crypto_advisor.contracts.rate_budgets import (
    BUDGETS,
    COINGECKO_DEMO,
    COINGECKO_PUBLIC,
    KRAKEN,
    TickCosts,
    series_within_target,
)
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.ingest.planner import FanOut, always_inline, plan_tick

H = 3_600_000
T0 = 1_740_787_200_000  # 2025-03-01T00:00Z, an hour's start
TICK = T0 + 60_000  # a minute past the hour: the hour before has just closed
FAN_OUT = FanOut(chunk_seconds=120.0, concurrency={"kraken": 2, "coingecko": 2})


def watched(source: str, n: int, timeframe: str = "1h") -> list[WatchedSeries]:
    coins = [f"C{i:04d}" for i in range(n)]
    return [
        WatchedSeries(
            series=Series.of(source, f"{c}/USD", timeframe),
            backfill_candles=24,
            coingecko_id=c.lower() if source == "coingecko" else None,
        )
        for c in coins
    ]


def caught_up(series: list[WatchedSeries], now_ms: int = TICK) -> dict[str, int | None]:
    """Cursors at the candle before the one that closed at ``now_ms``'s hour: every hourly series is due."""
    return {w.series.key: (now_ms // H) * H - 2 * H for w in series}


def plan(series: list[WatchedSeries], cursors: dict[str, int | None] | None = None, **kwargs):
    options = {"now_ms": TICK, "budgets": BUDGETS, "inline_seconds": 120.0, "fan_out": FAN_OUT, **kwargs}
    return plan_tick(series, caught_up(series) if cursors is None else cursors, **options)


def test_the_budgets_carry_the_sources_documented_rates():
    # Kraken: one call a second, ccxt's own spacing; CoinGecko's demo key: 30 a minute (2.1 s with margin), 10,000 a
    # month, two calls a series
    import ccxt

    assert KRAKEN.interval_s * 1000 == ccxt.kraken().rateLimit
    assert COINGECKO_DEMO.interval_s >= 60 / 30 and COINGECKO_DEMO.monthly_calls == 10_000
    assert (KRAKEN.seconds_per_series, COINGECKO_DEMO.seconds_per_series) == (1.0, 4.2)


def test_the_workers_pacing_keeps_the_source_within_its_rate_whatever_the_concurrency():
    for budget in (KRAKEN, COINGECKO_DEMO):
        for concurrency in (2, 5, 40):
            together = concurrency / budget.worker_interval_s(concurrency)
            assert together == pytest.approx(budget.calls_per_second)


def test_the_inline_budget_allows_120_kraken_series_or_28_coingecko_ones_and_the_demo_key_6_hourly_coins():
    # the README's table: inline (120 s), within the 10-minute target (600 s), the month's allowance
    assert KRAKEN.series_within(120) == 120 and KRAKEN.series_within(600) == 600
    assert COINGECKO_DEMO.series_within(120) == 28 and COINGECKO_DEMO.series_within(600) == 142
    assert COINGECKO_PUBLIC.series_within(120) == 10 and COINGECKO_PUBLIC.series_within(600) == 50
    # hourly: 24 x 31 ticks a month, two calls each, within 10,000 calls
    assert COINGECKO_DEMO.monthly_series(24 * 31) == 6


def test_a_20_series_watchlist_keeps_the_single_inline_run_and_consults_no_queue():
    # Given today's size: 15 Kraken and 5 CoinGecko hourly series, every one due on this tick
    series = watched("kraken", 15) + watched("coingecko", 5)
    asked: list[str] = []
    # When the tick is planned with the ingest queues configured
    result = plan(series, busy=lambda source: asked.append(source) or True)
    # Then every series is walked inline, in the watchlist's order, nothing is queued, and no queue was asked
    assert result.inline == tuple(series)
    assert result.chunks == [] and not result.fanned_out
    assert asked == []
    assert always_inline(series, BUDGETS, 120.0)


def test_only_series_a_candle_may_have_closed_for_are_due():
    # Given one series caught up to the last closed hour, one behind, one never ingested
    a, b, c = watched("kraken", 3)
    cursors = {a.series.key: T0 - H, b.series.key: T0 - 2 * H}
    # When planned
    result = plan([a, b, c], cursors)
    # Then b and c are due (c's backfill), a is not, and all three are walked inline (a costs no call)
    (kraken,) = result.sources
    assert kraken.due == (b, c)
    assert kraken.seconds == 2 * KRAKEN.seconds_per_series
    assert result.inline == (a, b, c)


def test_a_series_whose_candle_is_still_settling_is_not_due_until_its_source_data_is_final():
    # Given CoinGecko series whose candles are final 15 minutes after their close (its cached answers), beside Kraken's
    gecko, kraken = watched("coingecko", 3), watched("kraken", 2)
    settle = {"coingecko": 15 * 60_000, "kraken": 0}

    def planned(now_ms: int):
        everyone = gecko + kraken
        return plan(everyone, caught_up(everyone), now_ms=now_ms, settle=lambda s: settle[s.source])

    # When the tick a minute past the hour is planned, then the one at 16 past
    early, settled = planned(TICK), planned(TICK + 15 * 60_000)
    # Then at :01 only Kraken's are due (CoinGecko's would call nothing: counting them would overstate its work),
    # and at :16 CoinGecko's are
    assert {s.source: len(s.due) for s in early.sources} == {"coingecko": 0, "kraken": 2}
    assert {s.source: len(s.due) for s in settled.sources}["coingecko"] == 3


def test_due_work_beyond_the_inline_budget_fans_out_in_chunks_one_worker_fetches_in_its_time():
    # Given 1,000 Kraken series due: 1,000 s of calls, over the 120 s budget
    series = watched("kraken", 1000)
    # When planned
    result = plan(series)
    # Then none is inline; they are cut into chunks of 60 (120 s at one call every 2 s: two workers share 1 call/s)
    assert result.inline == () and result.fanned_out
    chunks = result.chunks
    assert [len(c.series) for c in chunks] == [60] * 16 + [40]
    assert {c.source for c in chunks} == {"kraken"} and {c.chunks for c in chunks} == {17}
    assert [c.chunk for c in chunks] == list(range(17))
    assert [k for c in chunks for k in c.series] == [w.series.key for w in series]
    assert {c.tick_ms for c in chunks} == {TICK}


def test_the_source_that_fits_stays_inline_and_only_the_other_fans_out():
    # Given 10 CoinGecko series (42 s) and 300 Kraken ones (300 s)
    gecko, kraken = watched("coingecko", 10), watched("kraken", 300)
    # When planned
    result = plan(kraken + gecko)
    # Then CoinGecko is fetched inline and Kraken goes to its queue
    modes = {s.source: s.mode for s in result.sources}
    assert modes == {"kraken": "fan_out", "coingecko": "inline"}
    assert result.inline == tuple(gecko)
    assert sum(len(c.series) for c in result.chunks) == 300


def test_coingecko_chunks_are_sized_to_its_slower_pace():
    # Given 100 CoinGecko series: 2 calls each, every 2.1 s x 2 workers
    result = plan(watched("coingecko", 100))
    # Then a chunk holds what one worker fetches in 120 s: 14 series (8.4 s each)
    assert [len(c.series) for c in result.chunks] == [14] * 7 + [2]


def test_a_source_whose_queue_still_holds_chunks_is_left_to_them():
    # Given a large Kraken watchlist whose queue still holds an earlier tick's chunks, and a few CoinGecko series
    kraken, gecko = watched("kraken", 300), watched("coingecko", 3)
    # When planned
    result = plan(kraken + gecko, busy=lambda source: source == "kraken")
    # Then Kraken is neither fetched inline nor queued again; CoinGecko is fetched as usual
    modes = {s.source: s.mode for s in result.sources}
    assert modes == {"kraken": "busy", "coingecko": "inline"}
    assert result.chunks == [] and result.inline == tuple(gecko)


def test_without_queues_everything_runs_inline_whatever_it_costs():
    series = watched("kraken", 1000)
    result = plan(series, fan_out=None)
    assert result.inline == tuple(series) and result.chunks == []


def test_a_source_without_a_budget_or_a_queue_is_inline():
    series = watched("kraken", 300) + watched("coingecko", 300)
    result = plan(series, fan_out=FanOut(120.0, {"kraken": 2}))
    modes = {s.source: s.mode for s in result.sources}
    assert modes == {"kraken": "fan_out", "coingecko": "inline"}


def test_the_plan_reads_as_json_for_the_log():
    result = plan(watched("kraken", 200))
    assert result.as_dict()["sources"]["kraken"] == {
        "mode": "fan_out",
        "watched": 200,
        "due": 200,
        "seconds": 200.0,
        "chunks": 4,
    }


def test_a_chunk_round_trips_and_bad_ones_are_refused_naming_what_is_wrong():
    chunk = IngestChunk(TICK, "kraken", 0, 2, ("kraken:BTC-USD:1h", "kraken:ETH-USD:1h"))
    assert IngestChunk.from_json(chunk.to_json()) == chunk
    bad = {
        "[1, 2": "must be JSON",
        '{"schema": "crypto-advisor/training-task", "version": 1}': "not a crypto-advisor/ingest-chunk",
        chunk.to_json().replace('"chunk":0', '"chunk":2'): "chunk must be an integer in [0, chunks)",
        chunk.to_json().replace(f'"tick_ms":{TICK}', '"tick_ms":-1'): "tick_ms must be a positive integer",
        chunk.to_json().replace('"source":"kraken"', '"source":"binance"'): "source must be one of",
        chunk.to_json().replace("kraken:ETH-USD:1h", "coingecko:ETH-USD:1h"): "another source than kraken",
        chunk.to_json().replace("kraken:ETH-USD:1h", "kraken:ETH:1h"): "series 'kraken:ETH:1h'",
    }
    for text, reason in bad.items():
        with pytest.raises(ChunkError, match=None) as caught:
            IngestChunk.from_json(text)
        assert reason in str(caught.value), text


def test_a_due_market_scan_counts_its_pages_on_coingeckos_budget_once_an_hour():
    # Given the top 1,000 scan (4 pages) and 4 hourly CoinGecko series, every one due
    scan = MarketScan(1000, "USD")
    gecko = watched("coingecko", 4)
    # When planned with the scan's cursor an hour behind
    due = plan(gecko, {**caught_up(gecko), scan.cursor_series.key: T0 - 2 * H}, scans=[scan])
    # Then CoinGecko's estimate holds the series' 8 calls and the scan's 4, each 2.1 s apart, and the plan says so
    (cg,) = due.sources
    assert cg.scan_calls == 4 and cg.seconds == pytest.approx(12 * 2.1)
    assert due.as_dict()["sources"]["coingecko"]["scan_calls"] == 4
    # And on the hour's other ticks (the scan caught up to the newest closed hour) the scan costs nothing
    later = plan(gecko, {**caught_up(gecko), scan.cursor_series.key: T0 - H}, scans=[scan])
    assert later.sources[0].scan_calls == 0 and later.sources[0].seconds == pytest.approx(8 * 2.1)


def test_a_scan_alone_gives_coingecko_a_plan_of_its_own():
    # Given a watchlist of Kraken series and a top-500 scan never run
    kraken = watched("kraken", 10)
    result = plan(kraken, scans=[MarketScan(500, "USD")])
    # Then CoinGecko's part is the scan's two calls, inline
    modes = {s.source: (s.mode, s.scan_calls) for s in result.sources}
    assert modes == {"kraken": ("inline", 0), "coingecko": ("inline", 2)}


def test_the_scans_source_stays_inline_first_and_the_other_source_fans_out():
    # Given 30 Kraken series (30 s) and 6 CoinGecko ones (25.2 s) beside the top 1,000 scan (8.4 s): 63.6 s, and an
    # inline budget of 50 s, where smallest first would have kept Kraken and fanned CoinGecko out beside the scan
    kraken, gecko = watched("kraken", 30), watched("coingecko", 6)
    result = plan(kraken + gecko, scans=[MarketScan(1000, "USD")], inline_seconds=50.0)
    # Then CoinGecko's series stay inline with the scan (one client, one rate), and Kraken goes to its queue
    modes = {s.source: s.mode for s in result.sources}
    assert modes == {"kraken": "fan_out", "coingecko": "inline"}
    assert result.inline == tuple(gecko)


def test_a_scan_counts_when_judging_whether_a_watchlist_always_fits_inline():
    series = watched("kraken", 100) + watched("coingecko", 4)  # 116.8 s
    assert always_inline(series, BUDGETS, 120.0)
    assert not always_inline(series, BUDGETS, 120.0, [MarketScan(1000, "USD")])  # + 8.4 s


def test_series_within_the_target_is_the_rate_plus_each_series_measured_share_of_the_tick():
    costs = TickCosts(fixed_s=20.0, ingest_s_per_series=0.05, analysis_s_per_update=0.05)
    # (600 - 20) / (1 + 0.05 + 0.05) = 527.3; with 500 other updates, (600 - 20 - 25) / 1.1 = 504.5
    assert series_within_target(KRAKEN, costs=costs) == 527
    assert series_within_target(KRAKEN, other_updates=500, costs=costs) == 504
    # CoinGecko's demo key: two calls 2.1 s apart a series: (600 - 20) / 4.3 = 134.9
    assert series_within_target(COINGECKO_DEMO, costs=costs) == 134
    # Whatever the costs, the rate alone bounds it: never more than 600 Kraken series
    assert series_within_target(KRAKEN, costs=TickCosts(0.0, 0.0, 0.0)) == 600


def test_more_due_kraken_series_than_the_target_allows_are_all_planned_with_a_warning_naming_the_figure():
    limit = series_within_target(KRAKEN)
    # Given exactly the figure: no warning
    assert plan(watched("kraken", limit)).warnings == ()
    # Given 1,000 due Kraken series
    result = plan(watched("kraken", 1000))
    # Then every one is still planned (fanned out, within the rate), and the plan warns with the figure
    assert sum(len(c.series) for c in result.chunks) == 1000
    (warning,) = result.warnings
    assert warning.startswith("kraken: 1000 series due on this tick;") and f"at most {limit} reach" in warning
    assert result.as_dict()["warnings"] == [warning]
    # And a scan's coins share the analysis: the figure drops with the top 1,000 beside them
    with_scan = plan(watched("kraken", limit), scans=[MarketScan(1000, "USD")])
    (warning,) = with_scan.warnings
    assert f"at most {series_within_target(KRAKEN, other_updates=1000)} reach" in warning
