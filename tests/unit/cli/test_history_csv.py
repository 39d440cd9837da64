"""The CSV reader: the shapes of the exports users have, the rules it applies, and the lines its errors name.

Every text here is written by hand in the shape of a real export (Kraken's
headerless OHLCVT, a CryptoDataDownload file, a plain header): the tests never
read ../shared, which a fresh clone does not have.
"""

from __future__ import annotations

import json

import pytest

from crypto_advisor.cli.history_csv import CsvError, Gap, between, read_history, read_history_file
from crypto_advisor.cli.replay import demo_candles, main
from crypto_advisor.cli.replay import history as history_of
from crypto_advisor.contracts.candle import Candle

HOUR = 3_600_000
T22 = 1_699_999_200_000  # 2023-11-14 22:00 UTC

# Kraken's bulk download: no header, unix seconds, 7 columns; 00:00 and 01:00 had no trades, so no rows.
KRAKEN = """\
1699999200,100.0,102.0,99.0,101.0,5.5,12
1700002800,101.0,103.0,100.0,102.0,6.0,15
1700013600,102.0,104.0,101.0,103.0,7.0,9
1700017200,103.0,105.0,102.0,104.0,8.0,11
1700020800,104.0,106.0,103.0,105.0,9.0,20
"""

# CryptoDataDownload: a banner, Volume <BASE>/<QUOTE>, newest first, two exports joined (ms rows with a trade
# count, s rows with NULL and 07-AM dates) that overlap at 03:00 (ms row first) and 02:00 (s row first).
CDD = """\
https://www.CryptoDataDownload.com
unix,date,symbol,open,high,low,close,Volume LTC,Volume USDT,tradecount
1700020800000,2023-11-15 04:00:00,LTC/USDT,74.0,75.0,73.5,74.5,120.5,8900.1,310
1700017200000,2023-11-15 03:00:00,LTC/USDT,73.0,74.2,72.8,74.0,110.0,8100.0,290
1700017200.0,2023-11-15 03-AM,LTC/USDT,73.1,74.1,72.9,73.9,109.0,8050.0,NULL
1700013600.0,2023-11-15 02-AM,LTC/USDT,72.4,73.4,72.1,73.1,99.0,7250.0,NULL
1700013600000,2023-11-15 02:00:00,LTC/USDT,72.5,73.5,72.0,73.0,100.0,7300.0,250
1700010000.0,2023-11-15 01-AM,LTC/USDT,72.0,72.8,71.5,72.4,90.0,6500.0,NULL
1700006400.0,2023-11-15 12-AM,LTC/USDT,71.0,72.2,70.9,72.0,80.0,5700.0,NULL
"""


def test_kraken_headerless_rows_are_recognised_by_shape_and_the_missing_hours_are_a_gap():
    # Given Kraken's headerless hourly rows with two hours missing
    # When they are read
    history = read_history(KRAKEN)
    # Then they are hourly Kraken candles in ms, the newest row dropped, and the hole reported, not filled
    assert history.format == "kraken-ohlcvt" and history.timeframe == "1h"
    assert [c.ts for c in history.candles] == [T22, T22 + HOUR, T22 + 4 * HOUR, T22 + 5 * HOUR]
    assert history.candles[0] == Candle(T22, 100.0, 102.0, 99.0, 101.0, 5.5)
    assert history.dropped_last == Candle(T22 + 6 * HOUR, 104.0, 106.0, 103.0, 105.0, 9.0)
    assert history.gaps == (Gap(after_ts=T22 + HOUR, missing=2),)
    assert history.duplicates == 0


def test_kraken_rows_without_the_trades_column_are_read_too():
    six = "\n".join(line.rsplit(",", 1)[0] for line in KRAKEN.splitlines())
    history = read_history(six)
    assert history.format == "kraken-ohlcvt" and len(history.candles) == 4


def test_a_cryptodatadownload_export_is_read_ascending_with_base_volume_and_one_candle_per_hour():
    # Given a CryptoDataDownload file: banner, descending, s and ms mixed, two overlapping hours
    # When it is read
    history = read_history(CDD)
    # Then the candles are ascending, one per hour, from the epoch column whatever its unit
    assert history.format == "cryptodatadownload" and history.timeframe == "1h"
    assert [c.ts for c in history.candles] == [T22 + 2 * HOUR, T22 + 3 * HOUR, T22 + 4 * HOUR, T22 + 5 * HOUR]
    # and the volume is the base currency's (LTC), not the quote's (USDT)
    assert [c.volume for c in history.candles] == [80.0, 90.0, 100.0, 110.0]
    # and the newest row, perhaps still open at export, is dropped
    assert history.dropped_last is not None and history.dropped_last.ts == T22 + 6 * HOUR
    assert history.gaps == ()


def test_overlapping_exports_keep_the_millisecond_row_whichever_comes_first():
    # Given hours written twice: in ms (newer export) and in s, the ms row first at 03:00 and second at 02:00
    history = read_history(CDD)
    by_ts = {c.ts: c for c in history.candles}
    # Then both hours keep the ms row's values, and the two dropped rows are counted as differing
    assert by_ts[T22 + 5 * HOUR] == Candle(T22 + 5 * HOUR, 73.0, 74.2, 72.8, 74.0, 110.0)
    assert by_ts[T22 + 4 * HOUR] == Candle(T22 + 4 * HOUR, 72.5, 73.5, 72.0, 73.0, 100.0)
    assert history.duplicates == 2 and history.differing == 2


def test_duplicates_written_in_the_same_unit_keep_the_first_row_in_the_file():
    # Given two ascending blocks of the same hours, the second with other closes
    text = (
        "timestamp,open,high,low,close,volume\n"
        "1699999200,10,12,9,11,1\n1700002800,11,13,10,12,1\n1700006400,12,14,11,13,1\n"
        "1700002800,11,13,10,12.5,1\n1700006400,12,14,11,13.5,1\n1700010000,13,15,12,14,1\n"
    )
    history = read_history(text)
    # Then the first block's values stand, both repeats are counted, and the order is reported as none
    assert [c.close for c in history.candles] == [11.0, 12.0, 13.0]
    assert history.duplicates == 2 and history.order == "in no order"


# Two CryptoDataDownload exports joined as `cat older.csv newer.csv` (one header kept): the older one was exported
# while 02:00 was still open, so its newest row is partial (less volume, a narrower range, another close); the newer
# export has the closed hour. Both write epoch ms, so the unit cannot tell them apart.
OLDER_EXPORT = """\
1700013600000,2023-11-15 02:00:00,LTC/USDT,72.5,73.0,72.3,72.6,20.0,1450.0,50
1700010000000,2023-11-15 01:00:00,LTC/USDT,72.0,72.8,71.5,72.4,90.0,6500.0,200
1700006400000,2023-11-15 00:00:00,LTC/USDT,71.0,72.2,70.9,72.0,80.0,5700.0,180
"""
NEWER_EXPORT = """\
1700020800000,2023-11-15 04:00:00,LTC/USDT,74.0,75.0,73.5,74.5,120.5,8900.1,310
1700017200000,2023-11-15 03:00:00,LTC/USDT,73.0,74.2,72.8,74.0,110.0,8100.0,290
1700013600000,2023-11-15 02:00:00,LTC/USDT,72.5,73.5,72.0,73.0,100.0,7300.0,250
1700010000000,2023-11-15 01:00:00,LTC/USDT,72.0,72.8,71.5,72.4,90.0,6500.0,200
"""
CDD_HEADER = "unix,date,symbol,open,high,low,close,Volume LTC,Volume USDT,tradecount\n"
CLOSED_0200 = Candle(T22 + 4 * HOUR, 72.5, 73.5, 72.0, 73.0, 100.0)


@pytest.mark.parametrize(
    ("text", "kept", "dropped"),
    [(CDD_HEADER + OLDER_EXPORT + NEWER_EXPORT, 7, 2), (CDD_HEADER + NEWER_EXPORT + OLDER_EXPORT, 4, 6)],
    ids=["older export first", "newer export first"],
)
def test_joined_exports_keep_the_closed_candle_over_the_one_still_open_at_export(text, kept, dropped):
    # Given two exports joined, the older one's newest hour (02:00) partial, in either order
    # When the file is read
    history = read_history(text, origin="joined.csv")
    # Then 02:00 is the closed candle (the row with the larger volume), whichever export came first
    assert {c.ts: c for c in history.candles}[T22 + 4 * HOUR] == CLOSED_0200
    # and the summary names the conflict with its time and both lines, not only a count
    assert (
        f"1 of the rows dropped differed in value: 1 by volume, 2023-11-15 02:00 line {kept} (volume 100) kept over "
        f"line {dropped} (volume 20)" in history.summary()
    )
    assert history.duplicates == 2 and history.differing == 1


def test_two_whole_exports_joined_with_cat_skip_the_second_banner_and_header():
    # Given two CryptoDataDownload files joined as they are, each with its banner line and its header
    banner = "https://www.CryptoDataDownload.com\n"
    text = banner + CDD_HEADER + OLDER_EXPORT + banner + CDD_HEADER + NEWER_EXPORT
    # When the file is read
    history = read_history(text, origin="joined.csv")
    # Then the second banner and header are skipped and named (they are no rows), and 02:00 is the closed candle
    assert {c.ts: c for c in history.candles}[T22 + 4 * HOUR] == CLOSED_0200
    assert "2 lines repeating the banner or header skipped (lines 6, 7: files joined)" in history.summary()


def test_rows_alike_in_unit_and_volume_keep_the_first_and_the_summary_names_both_lines():
    # Given an hour written twice in seconds with the same volume and another close
    text = (
        "timestamp,open,high,low,close,volume\n"
        "1699999200,10,12,9,11,1\n1700002800,11,13,10,12,1\n1700006400,12,14,11,13,1\n"
        "1700002800,11,13,10,12.5,1\n1700010000,13,15,12,14,1\n"
    )
    history = read_history(text)
    # Then the first row stands, and the summary says which rule chose and names both lines and what differed
    assert [c.close for c in history.candles] == [11.0, 12.0, 13.0]
    assert "1 by file order (same volume), 2023-11-14 23:00 line 3 kept over line 5 (close 12 over 12.5)" in (
        history.summary()
    )


def test_an_empty_volume_cell_is_a_missing_volume_and_the_summary_counts_it():
    # Given a plain export whose 23:00 and 00:00 rows leave the volume cell empty (the source had none)
    text = (
        "timestamp,open,high,low,close,volume\n"
        "1699999200,10,12,9,11,5\n1700002800,11,13,10,12,\n1700006400,12,14,11,13, \n1700010000,13,15,12,14,7\n"
        "1700013600,14,16,13,15,8\n"
    )
    # When it is read
    history = read_history(text)
    # Then those candles have no volume (None: unknown, not 0) and the summary says how many rows had none
    assert [c.volume for c in history.candles] == [5.0, None, None, 7.0]
    assert "2 rows with an empty volume cell (volume unknown, not 0)" in history.summary()


def test_a_file_without_a_volume_column_reads_every_volume_as_unknown_and_the_rules_without_volume_still_judge(
    tmp_path,
):
    # Given a chart's price export: time, open, high, low, close and no volume (1,000 hourly candles of the demo market)
    candles = demo_candles(count=1001)
    path = tmp_path / "chart_export.csv"
    path.write_text(
        "time,open,high,low,close\n" + "".join(f"{c.ts},{c.open},{c.high},{c.low},{c.close}\n" for c in candles)
    )
    # When it is read
    history = read_history_file(path)
    # Then every candle has its prices and an unknown volume (None, not 0), and the summary says why, once
    assert len(history.candles) == 1000 and all(c.volume is None for c in history.candles)
    assert [c.close for c in history.candles] == [c.close for c in candles[:-1]]
    summary = history.summary()
    assert "volume none: the file has no volume column (volume unknown on every row, not 0" in summary
    assert "empty volume cell" not in summary
    # And a replay over it judges every rule: the price rules fire, the rules that need a volume never do
    out = tmp_path / "replay.json"
    assert main(["--csv", str(path), "--series", "kraken:ETH-USD:1h", "--out", str(out), "--warmup", "300"]) == 0
    fired = {r["rule_id"]: r["firings"] for r in json.loads(out.read_text())["rules"]}
    assert fired["rsi_oversold"] + fired["bb_breakout"] + fired["macd_cross"] > 0
    assert fired["volume_spike"] == fired["obv_divergence"] == 0


def test_a_volume_that_is_no_number_is_still_refused():
    text = "timestamp,open,high,low,close,volume\n1699999200,10,12,9,11,5\n1700002800,11,13,10,12,n/a\n"
    with pytest.raises(CsvError, match="line 3: volume 'n/a' is not a number"):
        read_history(text + "1700006400,12,14,11,13,1\n")


def _rows(first_s: int, step_s: int, count: int) -> str:
    return "".join(f"{first_s + i * step_s},10,12,9,11,1\n" for i in range(count))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        # Binance's weekly candles open on Monday; the contract's weeks are the Unix epoch's (Thursday)
        (
            "timestamp,open,high,low,close,volume\n" + _rows(1_699_833_600, 7 * 86_400, 4),
            "line 2: timestamp 1699833600000 is not aligned to the 1w timeframe: 1w candles must open on Thursday "
            "00:00 UTC (the Unix epoch's weeks: 1970-01-01 was a Thursday); this file's candles open on Monday 00:00 "
            "UTC (all 4 rows)",
        ),
        # daily candles cut at 04:00 UTC (New York's midnight)
        (
            "timestamp,open,high,low,close,volume\n" + _rows(1_699_833_600 + 4 * 3_600, 86_400, 4),
            "line 2: timestamp 1699848000000 is not aligned to the 1d timeframe: 1d candles must open at 00:00 UTC; "
            "this file's candles open at 04:00 UTC (all 4 rows)",
        ),
        # one hourly row half an hour off among aligned ones
        (
            KRAKEN.replace("1700013600,", "1700015400,"),
            "line 3: timestamp 1700015400000 is not aligned to the 1h timeframe: 1h candles must open every 1h from "
            "00:00 UTC (00:00, 01:00, ...); this row opens at 02:30 UTC, the only one of the file's 5 rows that does",
        ),
    ],
    ids=["weekly on Monday", "daily at 04:00", "one hour off"],
)
def test_candles_off_the_epoch_grid_are_refused_saying_where_they_should_open_and_where_they_do(text, says):
    with pytest.raises(CsvError) as raised:
        read_history(text)
    assert says in str(raised.value)


def test_a_plain_header_is_read_in_any_case_and_order_with_iso_dates_and_extra_columns():
    text = (
        "Close,VOLUME,Open,Date,High,Low,Exchange\n"
        "101,5,100,2023-11-12T00:00:00Z,102,99,kraken\n"
        "102,6,101,2023-11-13T00:00:00Z,103,100,kraken\n"
        "103,7,102,2023-11-14T00:00:00Z,104,101,kraken\n"
        "104,8,103,2023-11-15T00:00:00Z,105,102,kraken\n"
    )
    history = read_history(text)
    assert history.format == "plain" and history.timeframe == "1d"
    assert history.candles[0] == Candle(1_699_747_200_000, 100.0, 102.0, 99.0, 101.0, 5.0)
    assert len(history.candles) == 3 and history.time_column == "Date"


def test_an_epoch_column_is_preferred_to_a_date_column():
    # Given a date column that disagrees with the epoch column by an hour
    text = (
        "date,unix,open,high,low,close,volume\n"
        "2023-11-14 23:00:00,1699999200000,1,2,0.5,1,1\n"
        "2023-11-15 00:00:00,1700002800000,1,2,0.5,1,1\n"
        "2023-11-15 01:00:00,1700006400000,1,2,0.5,1,1\n"
    )
    history = read_history(text)
    assert history.time_column == "unix" and history.candles[0].ts == T22


def test_an_old_cryptodatadownload_file_with_only_am_pm_dates_is_read():
    text = (
        "Date,Symbol,Open,High,Low,Close,Volume BTC,Volume USD\n"
        "2020-11-20 01-PM,BTCUSD,10,12,9,11,3,33\n"
        "2020-11-20 12-PM,BTCUSD,10,12,9,10,2,20\n"
        "2020-11-20 11-AM,BTCUSD,10,12,9,10,1,10\n"
    )
    history = read_history(text)
    noon = 1_605_873_600_000  # 2020-11-20 12:00 UTC
    assert [c.ts for c in history.candles] == [noon - HOUR, noon]
    assert [c.volume for c in history.candles] == [1.0, 2.0]  # Volume BTC, the base of BTCUSD


def test_the_summary_is_one_line_that_says_every_choice():
    summary = read_history(CDD, origin="ltc.csv").summary()
    assert "\n" not in summary
    for said in (
        "ltc.csv: format cryptodatadownload",
        "1 banner line skipped",
        "date not used for time",
        "volume from column Volume LTC, the base currency of LTC/USDT",
        "time column unix, epoch s (4 rows), epoch ms (3 rows)",
        "rows descending, sorted ascending",
        "2 duplicate timestamps resolved",
        "ms over s, else the larger volume, as a candle still open when exported has traded less, else the first "
        "in the file; 2 of the rows dropped differed in value: 2 by epoch unit, e.g. 2023-11-15 02:00 line 7 "
        "(epoch ms) kept over line 6 (epoch s)",
        "last row 2023-11-15 04:00 dropped",
        "timeframe 1h",
        "no gaps",
        "7 rows read, 4 candles kept, 2023-11-15 00:00..2023-11-15 03:00 UTC",
    ):
        assert said in summary


def test_the_summary_says_how_many_gaps_how_large_and_where():
    summary = read_history(KRAKEN).summary()
    assert "1 gap (2 candles missing, not filled): largest 2 after 2023-11-14 23:00" in summary


def test_between_keeps_whole_utc_days_and_the_gaps_inside_them():
    history = read_history(KRAKEN)
    later = between(history, "2023-11-15", None)
    earlier = between(history, None, "2023-11-14")
    assert [c.ts for c in later.candles] == [T22 + 4 * HOUR, T22 + 5 * HOUR] and later.gaps == ()
    assert [c.ts for c in earlier.candles] == [T22, T22 + HOUR]
    assert "between 2023-11-15 and the end" in later.summary()


@pytest.mark.parametrize(("start", "end"), [("2023/11/15", None), (None, "15-11-2023"), ("2023-11-15", "2023-11-14")])
def test_between_rejects_a_malformed_or_reversed_window(start, end):
    with pytest.raises(ValueError, match="2023"):
        between(read_history(KRAKEN), start, end)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        # a high below the low on line 6 of the file (the banner and the header count)
        (CDD.replace("72.4,73.4,72.1,73.1", "72.4,71.0,72.1,73.1"), "line 6: inconsistent range"),
        (CDD.replace("1700010000.0", "yesterday"), "line 8: cannot read time 'yesterday'"),
        (CDD.replace("72.0,72.8,71.5,72.4,90.0", "NULL,72.8,71.5,72.4,90.0"), "line 8: open 'NULL' is not a number"),
        (KRAKEN.replace("1700013600,", "1700015400,"), "line 3: timestamp 1700015400000 is not aligned"),
        (KRAKEN.replace("1700017200,103.0,105.0,102.0,104.0,8.0,11", "1700017200,103.0,105.0"), "line 4: 3 fields"),
        ("1,2,3,4,5,6,7,8,9,10,11,12\n", "line 1: 12 numbers and no header"),
        # without a volume column the prices must still be there
        ("\n\ntimestamp,open,high,close\n1,1,1,1\n", "nor a header naming open, high, low, close (volume if it has"),
        # a header (';'-separated, as CoinMarketCap's) and no rows
        ("ts;open;high;low;close;volume\n", "0 distinct times in 0 rows: need at least 3"),
        ("", "line 1: the file holds no rows"),
        ("1699999200,1,2,0.5,1,1,1\n1699999200,1,2,0.5,1,1,1\n1700002800,1,2,0.5,1,1,1\n", "2 distinct times"),
    ],
)
def test_a_csv_that_cannot_be_read_says_which_line_and_why(text, says):
    with pytest.raises(CsvError) as raised:
        read_history(text)
    assert says in str(raised.value)


def test_a_step_that_is_no_known_timeframe_is_named():
    text = "\n".join(f"{1_699_999_200 + i * 7200},1,2,0.5,1,1,1" for i in range(4))
    with pytest.raises(CsvError, match=r"7200 s .* no timeframe"):
        read_history(text)


def test_a_file_that_is_not_text_is_a_csv_error(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(CsvError, match="not UTF-8"):
        read_history_file(path)


def test_make_replay_prints_the_summary_before_the_table(tmp_path, capsys):
    # Given Kraken's headerless export of 301 hourly candles (the newest one will be dropped)
    rows = [f"{c.ts // 1000},{c.open},{c.high},{c.low},{c.close},{c.volume},7" for c in demo_candles(count=301)]
    path = tmp_path / "ETHUSD_60.csv"
    path.write_text("\n".join(rows) + "\n")
    out = tmp_path / "replay.json"
    # When the replay command runs on it
    code = main(["--csv", str(path), "--series", "kraken:ETH-USD:1h", "--out", str(out), "--warmup", "100"])
    # Then the first line printed is the reader's summary and 300 closed candles were replayed
    first = capsys.readouterr().out.splitlines()[0]
    assert code == 0 and first.startswith("ETHUSD_60.csv: format kraken-ohlcvt")
    report = json.loads(out.read_text())
    assert report["candles"] == 300 and report["replayed"] == 200


def test_make_replay_names_the_bad_line_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(KRAKEN.replace("103.0,105.0,102.0", "103.0,-1,102.0"))
    out = tmp_path / "replay.json"
    code = main(["--csv", str(path), "--out", str(out)])
    assert code == 2 and not out.exists()
    assert "bad.csv: line 4: " in capsys.readouterr().err


# Binance's spot kline file (data.binance.vision, or /api/v3/klines saved as CSV): no header, 12 columns, times in
# ms; column 7 closes the candle 1 ms before the next opens; column 6 is the base volume, 8 the quote's.
BINANCE_MS = """\
1699999200000,100.0,102.0,99.0,101.0,5.5,1700002799999,555.5,12,2.5,252.5,0
1700002800000,101.0,103.0,100.0,102.0,6.0,1700006399999,612.0,15,3.0,306.0,0
1700006400000,102.0,104.0,101.0,103.0,7.0,1700009999999,721.0,9,3.5,360.5,0
1700010000000,103.0,105.0,102.0,104.0,8.0,1700013599999,832.0,11,4.0,416.0,0
1700013600000,104.0,106.0,103.0,105.0,9.0,1700017199999,945.0,20,4.5,472.5,0
"""

# The same hours as Binance writes spot files from 2025-01-01 on: times in µs, the close 1 µs before the next open.
BINANCE_US = """\
1699999200000000,100.0,102.0,99.0,101.0,5.5,1700002799999999,555.5,12,2.5,252.5,0
1700002800000000,101.0,103.0,100.0,102.0,6.0,1700006399999999,612.0,15,3.0,306.0,0
1700006400000000,102.0,104.0,101.0,103.0,7.0,1700009999999999,721.0,9,3.5,360.5,0
1700010000000000,103.0,105.0,102.0,104.0,8.0,1700013599999999,832.0,11,4.0,416.0,0
1700013600000000,104.0,106.0,103.0,105.0,9.0,1700017199999999,945.0,20,4.5,472.5,0
"""

# Binance's futures files name the columns on a first line.
BINANCE_HEADER = (
    "open_time,open,high,low,close,volume,close_time,"
    "quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n"
)


def test_binance_klines_in_ms_and_in_us_read_to_the_same_candles():
    # Given the same four closed hours (and an open one) written by Binance in ms and in µs
    # When both files are read
    in_ms, in_us = read_history(BINANCE_MS, origin="ms.csv"), read_history(BINANCE_US, origin="us.csv")
    # Then both are Binance klines, hourly, with the same candles in ms and the base volume of column 6
    assert in_ms.format == in_us.format == "binance-klines" and in_ms.timeframe == in_us.timeframe == "1h"
    assert in_ms.candles == in_us.candles
    assert [c.ts for c in in_ms.candles] == [T22, T22 + HOUR, T22 + 2 * HOUR, T22 + 3 * HOUR]
    assert in_ms.candles[0] == Candle(T22, 100.0, 102.0, 99.0, 101.0, 5.5)
    assert in_ms.dropped_last == in_us.dropped_last == Candle(T22 + 4 * HOUR, 104.0, 106.0, 103.0, 105.0, 9.0)
    # and each summary names the format and the unit it read
    for history, unit in ((in_ms, "epoch ms (5 rows)"), (in_us, "epoch µs (5 rows)")):
        summary = history.summary()
        assert f"{history.origin}: format binance-klines (no header, Binance's 12 kline columns" in summary
        assert f"time column 1, {unit}" in summary
        assert "volume from column 6, in the base asset" in summary


def test_a_binance_file_joined_across_the_switch_to_microseconds_reads_each_row_in_its_unit():
    # Given 2024's rows in ms followed by 2025's in µs (two downloads joined)
    text = "".join(BINANCE_MS.splitlines(keepends=True)[:2] + BINANCE_US.splitlines(keepends=True)[2:])
    history = read_history(text)
    assert history.candles == read_history(BINANCE_MS).candles
    assert "time column 1, epoch µs (3 rows), epoch ms (2 rows)" in history.summary()


def test_a_binance_file_with_its_header_is_read_as_binance_klines():
    # Given a Binance futures file: the same rows under Binance's header
    history = read_history(BINANCE_HEADER + BINANCE_MS)
    # Then it is Binance's format (its close times checked), not a plain file, with the same candles
    assert history.format == "binance-klines" and history.time_column == "open_time"
    assert history.candles == read_history(BINANCE_MS).candles
    assert "format binance-klines (Binance's header on line 1; close time = open time + timeframe" in history.summary()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        # the third hour's close time is the fourth's: 1 h off
        (
            BINANCE_MS.replace("1700009999999,", "1700013599999,"),
            "line 3: close time 1700013599999 is not the open time + 1h - 1 ms (1700009999999)",
        ),
        # a µs row with a close time in ms
        (
            BINANCE_US.replace("1700009999999999,", "1700009999999,"),
            "line 3: close time 1700009999999 is not the open time + 1h - 1 µs (1700009999999999)",
        ),
        # under the header, the same row is line 4
        (
            BINANCE_HEADER + BINANCE_MS.replace("1700009999999,", "1700010000000,"),
            "line 4: close time 1700010000000 is not the open time + 1h - 1 ms (1700009999999)",
        ),
        (BINANCE_MS.replace("1700009999999,", "soon,"), "line 3: close time 'soon' is not a number"),
    ],
)
def test_a_binance_row_whose_close_time_disagrees_is_rejected_naming_its_line(text, says):
    with pytest.raises(CsvError) as raised:
        read_history(text)
    assert says in str(raised.value)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        # column 7 is a count, not a time
        (
            "\n".join(f"{T22 + i * HOUR},1,2,0.5,1,1,{150 + i},1,1,1,1,1" for i in range(4)),
            "line 1: 12 numbers and no header, but not Binance's klines: column 7 (the close time) 150 is not after",
        ),
        # times in seconds: Binance writes ms or µs
        (
            "\n".join(
                f"{(T22 + i * HOUR) // 1000},1,2,0.5,1,1,{(T22 + (i + 1) * HOUR) // 1000 - 1},1,1,1,1,1"
                for i in range(4)
            ),
            "line 1: 12 numbers and no header, but not Binance's klines: column 1 (the open time) 1699999200 is no",
        ),
        # column 7 is a time after the open everywhere, but never the candle's close (half an hour in)
        (
            "\n".join(f"{T22 + i * HOUR},1,2,0.5,1,1,{T22 + i * HOUR + HOUR // 2},1,1,1,1,1" for i in range(4)),
            "not Binance's klines: on none of the 4 rows is column 7 the close time (the open time + 1h - 1 ms",
        ),
    ],
)
def test_a_12_column_file_that_is_not_binance_says_so(text, says):
    with pytest.raises(CsvError) as raised:
        read_history(text)
    assert says in str(raised.value)


@pytest.mark.parametrize(
    ("symbol", "named"),
    [("LTC/USDT", "LTC-USDT"), ("ltc-usdt", "LTC-USDT"), ("LTCUSDT", "LTC-USDT"), ("LTC", None), ("", None)],
)
def test_a_run_given_no_series_is_named_from_the_files_symbol_column(tmp_path, symbol, named):
    # Given a CryptoDataDownload export whose symbol column names its pair (written as exports write it)
    rows = "".join(
        f"{1700020800000 - i * HOUR},2023-11-15,{symbol},74.0,75.0,73.5,74.5,120.5,8900.1,310\n" for i in range(5)
    )
    path = tmp_path / "Binance_LTCUSDT_1h.csv"
    path.write_text("https://www.CryptoDataDownload.com\n" + CDD_HEADER + rows)
    # When it is read, and a command over history is given no --series
    assert read_history_file(path).symbol == named
    series, _, summary = history_of(path, None, count=0)
    # Then the series carries the file's pair, and the summary line says where the name came from; a symbol that
    # cannot be split into base and quote leaves the placeholder, saying so
    assert series.key == f"kraken:{named or 'UNKNOWN-USD'}:1h"
    told = "from the file's symbol column" if named else "(the file names no pair)"
    assert summary is not None and summary.endswith(f"; series {series.key} {told}, --series to name it otherwise")
    # A --series given wins, and the summary is the reader's alone
    given, _, said = history_of(path, "kraken:ETH-USD:1h", count=0)
    assert given.key == "kraken:ETH-USD:1h" and said is not None and "--series" not in said


# CoinMarketCap's historical export: ';' between quoted fields, ISO times, newest first; its "timestamp" is the day's
# last millisecond (a snapshot), "timeOpen" the candle's open.
CMC = """\
"timeOpen";"timeClose";"timeHigh";"timeLow";"name";"open";"high";"low";"close";"volume";"marketCap";"timestamp"
"2024-01-04T00:00:00.000Z";"2024-01-04T23:59:59.999Z";"2024-01-04T10:00:00.000Z";"2024-01-04T01:00:00.000Z";"2781";42850.0;44700.0;42600.0;44180.0;30448.1;865548309128.2;"2024-01-04T23:59:59.999Z"
"2024-01-03T00:00:00.000Z";"2024-01-03T23:59:59.999Z";"2024-01-03T08:10:00.000Z";"2024-01-03T12:05:00.000Z";"2781";44961.6;45503.2;40813.5;42848.2;46342.3;839391917047.6;"2024-01-03T23:59:59.999Z"
"2024-01-02T00:00:00.000Z";"2024-01-02T23:59:59.999Z";"2024-01-02T20:00:00.000Z";"2024-01-02T00:00:00.000Z";"2781";44187.1;45899.7;44176.9;44958.0;39335.2;880533745379.1;"2024-01-02T23:59:59.999Z"
"2024-01-01T00:00:00.000Z";"2024-01-01T23:59:59.999Z";"2024-01-01T23:50:00.000Z";"2024-01-01T00:01:00.000Z";"2781";42280.2;44200.0;42214.9;44187.1;18426.9;865548309128.2;"2024-01-01T23:59:59.999Z"
"""


def test_a_coinmarketcap_export_is_read_by_its_open_times_with_its_semicolons():
    # When CoinMarketCap's export is read
    history = read_history(CMC)
    # Then each candle opens at its day's 00:00 UTC (timeOpen, not the end-of-day snapshot), oldest first, the newest
    # dropped as for any export, and the summary says how the fields were separated and what was not used
    day = 24 * HOUR
    first = 1_704_067_200_000  # 2024-01-01 00:00 UTC
    assert history.timeframe == "1d"
    assert [c.ts for c in history.candles] == [first, first + day, first + 2 * day]
    assert history.candles[0] == Candle(first, 42280.2, 44200.0, 42214.9, 44187.1, 18426.9)
    summary = history.summary()
    assert summary.startswith(
        "CSV: format plain (fields separated by ';'; header on line 1; timestamp not used for time"
    )
    assert "marketCap not used; its volume is read as written (CoinMarketCap's is in the quote currency" in summary
    assert "time column timeOpen" in summary


def test_a_tab_separated_export_is_read_like_a_comma_separated_one():
    tabbed = KRAKEN.replace(",", "\t")
    assert read_history(tabbed).candles == read_history(KRAKEN).candles
    assert read_history(tabbed).summary().startswith("CSV: format kraken-ohlcvt (fields separated by tabs;")
