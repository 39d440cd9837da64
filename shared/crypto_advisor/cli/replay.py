"""``make replay``: the rules' track record over history, as a table and JSON.

    python -m crypto_advisor.cli.replay                       # the demo market (BTC-USD 1h, 2,000 candles)
    python -m crypto_advisor.cli.replay --csv btc.csv --series kraken:BTC-USD:1h

The CSV columns are documented in :func:`crypto_advisor.analysis.replay.read_csv`
(the common ``timestamp/date, open, high, low, close, volume`` exports). The
JSON (``--out``) is what the notifier quotes in emails; ``make demo`` stores it
in the archive bucket under ``stats/replay/...``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crypto_advisor.analysis.replay import CsvError, format_table, read_csv, replay
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.contracts.candle import Candle, screen
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import HOUR_MS


def demo_candles(symbol: str = "BTC-USD", count: int = 2000, seed: int = 7) -> list[Candle]:
    """``count`` closed hourly candles of the seeded demo market."""
    from crypto_advisor.local.market import SimulatedMarket

    market = SimulatedMarket(seed=seed)
    hour = HOUR_MS
    end = market.epoch_ms + (count + 1) * hour
    rows = market.candles(symbol, hour, end)
    return screen(rows, timeframe_ms=hour, now_ms=end).accepted[-count:]


def history(csv: Path | None, series_key: str | None, *, count: int) -> tuple[Series, list[Candle]]:
    """The candles a command-line run works on: a CSV (its own timeframe wins) or ``count`` demo-market candles.

    Raises :class:`CsvError` naming the line or column when the CSV cannot be read.
    """
    if csv is not None:
        candles, timeframe = read_csv(csv.read_text())
        named = Series.parse(series_key) if series_key else Series("kraken", "UNKNOWN-USD", timeframe)
        return Series(named.source, named.symbol, timeframe), candles
    series = Series.parse(series_key or "kraken:BTC-USD:1h")
    return series, demo_candles(series.symbol, count=count)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, help="candles to replay (default: the seeded demo market)")
    parser.add_argument("--series", default=None, help="series key, e.g. kraken:BTC-USD:1h (timeframe from the CSV)")
    parser.add_argument("--out", type=Path, default=Path(".local/replay/replay.json"))
    parser.add_argument("--warmup", type=int, default=200, help="candles of history before the first analysis")
    args = parser.parse_args(argv)
    try:
        series, candles = history(args.csv, args.series, count=2000)
    except CsvError as exc:
        print(f"{args.csv}: {exc}", file=sys.stderr)
        return 2
    if len(candles) <= args.warmup:
        print(f"need more than {args.warmup} candles, got {len(candles)}", file=sys.stderr)
        return 2
    report = replay(series, candles, build_rules(None), warmup=args.warmup)
    print(format_table(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"\nJSON: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
