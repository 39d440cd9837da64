"""The replay: CSV reading (the command line's reader), per-rule statistics, and the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from crypto_advisor.analysis.edge_verdicts import VERDICTS
from crypto_advisor.analysis.replay import HORIZONS, edge, fire, format_table, replay, replay_report
from crypto_advisor.analysis.rule_edge import FiringHistory
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.cli.history_csv import CsvError, read_history
from crypto_advisor.cli.replay import demo_candles, main
from crypto_advisor.contracts.series import Series

HOUR = 3_600_000


def csv_text(header: str, times: list[str]) -> str:
    lines = [header]
    price = 100.0
    for t in times:
        lines.append(f"{t},{price},{price + 2},{price - 1},{price + 1},10,extra")
        price += 1
    return "\n".join(lines) + "\n"


def test_a_csv_with_epoch_seconds_and_capitalised_columns_is_read_as_hourly_candles():
    # Given a typical exchange export: Timestamp in seconds, capitalised columns, an extra column
    text = csv_text(
        "Timestamp,Open,High,Low,Close,Volume,Trades", [str(1_700_000_000 // 3600 * 3600 + i * 3600) for i in range(5)]
    )
    # When it is read
    read = read_history(text)
    candles, timeframe = read.candles, read.timeframe
    # Then the candles are in milliseconds and the timeframe is inferred (the last row, maybe still open, dropped)
    assert timeframe == "1h" and len(candles) == 4 and read.dropped_last is not None
    assert candles[0].ts % HOUR == 0 and candles[1].ts - candles[0].ts == HOUR


def test_a_csv_with_iso_dates_is_read():
    text = csv_text("date,open,high,low,close,volume,x", ["2026-01-01", "2026-01-02", "2026-01-03"])
    read = read_history(text)
    assert read.timeframe == "1d" and read.candles[0].close == 101.0


def test_a_csv_without_volume_names_what_is_missing():
    # (session 17: read as a missing volume on every row, no longer refused; the summary names what is missing)
    rows = "".join(f"{1740787200 + i * 3600},1,2,0.5,1\n" for i in range(4))
    history = read_history("timestamp,open,high,low,close\n" + rows)
    assert all(c.volume is None for c in history.candles)
    assert "the file has no volume column (volume unknown on every row" in history.summary()


def test_a_csv_with_an_inconsistent_row_names_it():
    # (2025-03-01: a row of 1970 is refused before its range is looked at, as no crypto market's)
    text = (
        "timestamp,open,high,low,close,volume\n"
        "1740787200,1,2,0.5,1,1\n1740790800,1,0.5,0.9,1,1\n1740794400,1,2,0.5,1,1\n"
    )
    with pytest.raises(CsvError, match=r"line 3.*inconsistent range"):
        read_history(text)


def test_the_edge_compares_the_hit_rate_with_the_base_rate():
    # Given closes that rise after index 1 and fall after index 3, and two bullish firings there
    closes = np.array([100.0, 100.0, 110.0, 120.0, 90.0, 95.0])
    base = {"up": 0.5, "down": 0.5, "big": 0.5, "median_abs": 0.05}
    # When the 1-candle edge is computed
    stats = edge(closes, [(1, "bullish"), (3, "bullish")], 1, base)
    # Then one of two firings was followed by a rise: 50% against a 50% base, median of +10% and -25%
    assert stats["n"] == 2 and stats["hit_rate"] == 0.5 and stats["edge"] == 0.0
    assert stats["median_return"] == pytest.approx((0.1 - 0.25) / 2)


def test_replay_reports_every_rule_with_consistent_figures():
    # Given 600 hourly candles of the demo market
    candles = demo_candles(count=600)
    rules = build_rules(None)
    # When the rules are replayed
    report = replay(Series.parse("kraken:BTC-USD:1h"), candles, rules, warmup=200)
    # Then every rule is reported, with per-week rates from the replayed span and outcomes no more than firings
    assert [r["rule_id"] for r in report["rules"]] == [r.id for r in rules]
    assert report["replayed"] == 400
    weeks = 400 * HOUR / (7 * 86_400_000)
    for rule in report["rules"]:
        assert rule["per_week"] == pytest.approx(rule["firings"] / weeks, abs=1e-3)
        for stats in rule["horizons"].values():
            assert stats["n"] <= rule["firings"]


def test_the_report_adds_the_out_of_sample_edge_test_of_every_rule_and_horizon():
    # Given the firings of the rules over 600 candles of the demo market
    candles = demo_candles(count=600)
    rules = build_rules(None)
    series = Series.parse("kraken:BTC-USD:1h")
    fired = fire(series, candles, rules, warmup=200)
    # When the report is made
    report = replay_report(series, candles, rules, fired, warmup=200)
    # Then every horizon keeps its descriptive figures and adds the test's, judged at the last candle as one family
    closes = np.array([c.close for c in candles])
    judged = FiringHistory(closes, {r.id: fired.get(r.id, []) for r in rules}, horizons=HORIZONS, start=200)
    expected = judged.records_at(len(candles) - 1)
    for rule in report["rules"]:
        for h in HORIZONS:
            figures, want = rule["horizons"][str(h)], expected[rule["rule_id"]][h]
            assert {"n", "hit_rate", "base_rate", "edge", "median_return"} <= set(figures)
            assert figures["verdict"] in VERDICTS and figures["n"] == want.n
            assert {k: figures[k] for k in want.as_dict()} == want.as_dict()
    tested = sum(1 for r in report["rules"] for f in r["horizons"].values() if f["t"] is not None)
    assert report["edge_test"]["family"] == tested and report["edge_test"]["min_blocks"] == 20
    # and the table shows the t of each tested horizon
    assert "t 24" in format_table(report)


def test_the_report_counts_the_directional_and_the_neutral_family_apart():
    # Given a directional rule and a neutral one, each with enough separate firings to be tested
    candles = demo_candles(count=1_200)
    rules = build_rules(None)[:2]
    fired = {
        rules[0].id: [(i, "bullish") for i in range(200, 1_150, 25)],
        rules[1].id: [(i, "neutral") for i in range(210, 1_150, 25)],
    }
    # When the report is made
    report = replay_report(Series.parse("kraken:BTC-USD:1h"), candles, rules, fired, warmup=200)
    # Then each rule's three horizons are corrected in its own family, and the report says so
    test = report["edge_test"]
    assert test["families"] == {"directional": 3, "neutral": 3} and test["family"] == 6
    assert "two families" in test["method"]
    families = {r["rule_id"]: {f["family"] for f in r["horizons"].values()} for r in report["rules"]}
    assert families == {rules[0].id: {"directional"}, rules[1].id: {"neutral"}}


def test_the_command_line_replays_a_csv_and_writes_json(tmp_path):
    # Given a CSV export of 300 hourly candles
    candles = demo_candles(count=300)
    lines = ["timestamp,open,high,low,close,volume"] + [
        f"{c.ts},{c.open},{c.high},{c.low},{c.close},{c.volume}" for c in candles
    ]
    path = tmp_path / "btc.csv"
    path.write_text("\n".join(lines))
    out = tmp_path / "replay.json"
    # When the replay command runs on it
    code = main(["--csv", str(path), "--series", "kraken:BTC-USD:1h", "--out", str(out), "--warmup", "100"])
    # Then it writes the per-rule figures for that series, over the 299 candles kept (the last row may still have
    # been open when exported, so the reader drops it) less the 100 of warmup
    report = json.loads(out.read_text())
    assert code == 0 and report["series"] == "kraken:BTC-USD:1h" and report["replayed"] == 199
