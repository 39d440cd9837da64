"""``make bench-scale``'s harness, small: it runs the stack over a tick and reports every field (no timed asserts)."""

from __future__ import annotations

from crypto_advisor.cli.bench_scale import format_table, parser, run

#: One hourly tick over 60 seeded candles, its Kinesis lanes delivered by one local worker process: starting a
#: process per lane costs these small mixes more than it saves (the reports' fields are the same either way).
ONE_SMALL_TICK = ["--ticks", "1", "--history", "60", "--workers", "1"]


def test_a_small_watchlist_over_one_tick_reports_every_series_calls_requests_and_times(aws, tmp_path):
    # Given 20 hourly series, 2 of them on the CoinGecko-like source, seeded with 60 candles
    out = str(tmp_path / "s.json")
    args = parser().parse_args(["--series", "20", "--coingecko", "2", "--scan", "0", *ONE_SMALL_TICK, "--out", out])
    # When the harness runs one hourly tick after the seeding one
    report = run(args, aws=aws)
    [tick] = report["ticks"]
    # Then the seed put each series' 60 candles (CoinGecko's two days: 47 closed), and the tick wrote a signal for each
    assert report["seed"]["candles"] == 18 * 60 + 2 * 47
    assert tick["signals_written"] == 20 and tick["analysis"]["failed"] == 0, tick
    # And each source was called for each of its series (CoinGecko twice: candles, then volumes), inside its
    # budget, with its spacing added up
    calls = tick["exchange_calls"]
    assert (calls["kraken"]["calls"], calls["coingecko"]["calls"]) == (18, 2 * 2)
    assert calls["kraken"]["inside"] and calls["coingecko"]["inside"]
    assert calls["coingecko"]["paced_s"] == 4 * 2.1
    # And the ingest ran inline: the planner's one run, no messages
    assert tick["invocations"]["IngestFunction"] == 1 and tick["messages"] == 0
    # And the hot path: one read (the candle window) and one write per update, plus one read per invocation for
    # its coins' news summaries and BTC's window once per batch without BTC's update: at most 2 reads per update,
    # and one read more per update (a Query of each coin's news, as before the summaries) fails here
    hot = tick["hot_path"]
    invocations = tick["invocations"]["AnalyzeFunction"]
    assert hot["updates"] == 20 and hot["writes_per_update"] == 1.0
    assert hot["requests_by_table"]["NewsTable"] == {"BatchGetItem": invocations}, hot
    reads = 20 + invocations + tick["analysis"]["batches_without_btc"]
    assert hot["reads_per_update"] == round(reads / 20, 3) <= 2, tick
    assert hot["read_units_per_update"] > 0
    assert set(tick["aws_requests"]) >= {"dynamodb", "s3", "kinesis"}
    # And both times are reported, the Lambda one with its parts; the table prints them
    assert tick["local"]["tick_to_last_signal_s"] > 0
    projected = tick["lambda"]
    assert projected["tick_to_last_signal_s"] == round(projected["ingest_s"] + projected["analysis_s"], 1)
    assert "Lambda: tick to last signal, s" in format_table(report)
    within = tick["kraken_within_target"]
    assert within["series"] > 0 and within["other_updates"] == 2, within
    assert "Kraken series within 10 min (measured)" in format_table(report)


def test_the_market_scan_is_part_of_the_mix_and_its_pages_are_coingeckos_calls(aws, tmp_path):
    # Given 20 series: the top-8 market scan's coins, 2 CoinGecko series and 10 Kraken ones (BTC's among them)
    out = str(tmp_path / "s.json")
    args = parser().parse_args(["--series", "20", "--coingecko", "2", "--scan", "8", *ONE_SMALL_TICK, "--out", out])
    # When the harness runs one hourly tick after the seeding one
    report = run(args, aws=aws, stack_name="bench-scan")
    [tick] = report["ticks"]
    assert report["sources"] == {"kraken": 10, "coingecko": 2, "coingecko-markets": 8}
    # Then the scan's coins were seeded like the others (60 candles each) and every series got its signal
    assert report["seed"]["candles"] == 10 * 60 + 2 * 47 + 8 * 60
    assert tick["signals_written"] == 20 and tick["analysis"]["failed"] == 0, tick
    # And the scan's one page is a CoinGecko call, counted on its budget beside the series' two calls each
    calls = tick["exchange_calls"]
    assert calls["coingecko"]["calls"] == 2 * 2 + 1 and calls["coingecko"]["scan_pages"] == 1
    assert calls["coingecko"]["inside"] and calls["kraken"]["calls"] == 10
    # And the Kraken series the target allows are counted beside the tick's 10 other updates
    assert tick["kraken_within_target"]["other_updates"] == 10


def test_a_mix_beyond_the_largest_scan_is_refused_naming_it():
    import pytest

    from crypto_advisor.cli.bench_scale import bench_symbols

    with pytest.raises(ValueError, match="--scan must be between 0 and 1000"):
        bench_symbols(2000, 5, 1001)
    with pytest.raises(ValueError, match="one of the 10 series beside the scan's 990 is Kraken's BTC"):
        bench_symbols(1000, 10, 990)


def test_a_tick_that_fans_out_counts_its_chunks_workers_and_projects_the_paced_source(aws, tmp_path):
    # Given 20 series on a stack that runs nothing inline (IngestInlineSeconds=0: every source with due series
    # fans out, as Kraken does past 120 series at the defaults)
    out = str(tmp_path / "s.json")
    args = parser().parse_args(["--series", "20", "--coingecko", "2", "--scan", "0", *ONE_SMALL_TICK, "--out", out])
    # When the harness runs one hourly tick after the seeding one
    report = run(args, aws=aws, stack_name="bench-fan-out", parameters={"IngestInlineSeconds": "0"})
    [tick] = report["ticks"]
    # Then the planner queued chunks (Kraken's 18 series, CoinGecko's 2) that the workers took, one an invocation,
    # and every series still got its signal
    assert tick["ingest_stage"] == "planned" and tick["messages"] >= 2, tick
    assert tick["worker_invocations"] == {"IngestWorkerFunction": tick["messages"]}
    assert tick["signals_written"] == 20 and tick["analysis"]["failed"] == 0
    assert tick["aws_requests"]["sqs"]["SendMessageBatch"] >= 1
    # And the sources' calls are the workers', each inside its budget
    calls = tick["exchange_calls"]
    assert (calls["kraken"]["calls"], calls["coingecko"]["calls"]) == (18, 2 * 2)
    # And on Lambda the ingest lasts at least as long as the slowest source's spacing, whatever the workers do
    assert tick["lambda"]["ingest_s"] >= max(calls["kraken"]["paced_s"], calls["coingecko"]["paced_s"])
