"""``make alert-quality`` over a file or a range with nothing to decide says why, with the numbers to act on."""

from __future__ import annotations

from datetime import UTC, datetime

from crypto_advisor.cli.alert_quality import main
from crypto_advisor.cli.alert_simulation import WARMUP, nothing_to_decide
from crypto_advisor.cli.replay import demo_candles
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS

JUNE_17_2021 = 1_623_888_000  # a young coin's first daily candle, epoch s (00:00 UTC)


def _utc(ts: int, shape: str = "%Y-%m-%d %H:%M") -> str:
    return datetime.fromtimestamp(ts / 1000, tz=UTC).strftime(shape)


def _daily_csv(rows: int) -> str:
    lines = []
    for i in range(rows):
        low = 29 + i % 5
        lines.append(f"{JUNE_17_2021 + i * 86_400},{low + 1},{low + 3},{low},{low + 2},1000")
    return "time,open,high,low,close,volume\n" + "\n".join(lines) + "\n"


def test_a_young_coin_is_refused_with_how_many_candles_it_has_and_needs(tmp_path, capsys):
    # Given a coin listed 120 days ago: 120 daily rows, the newest dropped as perhaps still open
    csv = tmp_path / "sol.csv"
    csv.write_text(_daily_csv(120))
    out = tmp_path / "report.json"
    # When alert-quality runs on it
    code = main(["--csv", str(csv), "--series", "kraken:SOL-USD:1d", "--out", str(out)])
    # Then it stops saying how many candles it got, how many the warm-up takes and how many more are needed
    assert code == 2 and not out.exists()
    assert (
        "need more than 200 candles, got 119: the first 200 are history for the indicators, so 82 more are needed "
        "before one candle can be decided" in capsys.readouterr().err
    )


def test_a_range_that_ends_in_the_warm_up_names_the_first_candle_that_can_be_decided():
    # Given 300 hourly candles (not starting at midnight) and a range that ends on the first day
    candles = demo_candles(count=300)
    first_day = candles[0].ts - candles[0].ts % DAY_MS
    assert candles[0].ts % DAY_MS and candles[WARMUP].ts % DAY_MS and candles[-1].ts % DAY_MS
    # When asked what there is to decide
    why = nothing_to_decide(candles, None, first_day + DAY_MS - 1)
    # Then the answer names the range's end, the first decidable candle (the 201st) and the span that can be decided
    decidable = f"{_utc(candles[WARMUP].ts)}..{_utc(candles[-1].ts)}"
    assert why == (
        f"the range ends {_utc(first_day, '%Y-%m-%d')}, before the first candle that can be decided "
        f"({_utc(candles[WARMUP].ts)}: the first 200 of the 300 candles are history for the indicators); "
        f"candles can be decided {decidable}"
    )


def test_a_range_after_the_file_names_its_last_candle():
    candles = demo_candles(count=300)
    after = candles[-1].ts + 30 * DAY_MS
    why = nothing_to_decide(candles, after - after % DAY_MS, None)
    assert why == f"the range starts {_utc(after, '%Y-%m-%d')}, after the last candle ({_utc(candles[-1].ts)})"


def test_a_range_that_holds_candles_after_the_warm_up_has_something_to_decide():
    candles = demo_candles(count=300)
    assert nothing_to_decide(candles, candles[WARMUP].ts, candles[WARMUP].ts + HOUR_MS) is None
