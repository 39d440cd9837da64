"""``make replay``: the rules' track record over history, as a table and JSON.

    python -m crypto_advisor.cli.replay                       # the demo market (BTC-USD 1h, 2,000 candles)
    python -m crypto_advisor.cli.replay --csv btc.csv --series kraken:BTC-USD:1h --from 2019-01-01 --to 2022-12-31

The CSV is read by :func:`crypto_advisor.cli.history_csv.read_history` (Kraken's
headerless OHLCVT, CryptoDataDownload exports, plain ``timestamp, open, high,
low, close, volume``), and its one-line summary of every choice the reader made
is printed before the table. The JSON (``--out``) is what the notifier quotes in
emails; ``make demo`` stores it in the archive bucket under ``stats/replay/...``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crypto_advisor.analysis.replay import format_table, replay
from crypto_advisor.analysis.rules import Rule, build_rules, with_conditions
from crypto_advisor.cli.history_csv import CsvError, between, read_history_file
from crypto_advisor.contracts.candle import Candle, screen
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import AlertPolicy, UserCondition
from crypto_advisor.contracts.watchlist_file import parse_watchlist


def demo_candles(symbol: str = "BTC-USD", count: int = 2000, seed: int = 7) -> list[Candle]:
    """``count`` closed hourly candles of the seeded demo market."""
    from crypto_advisor.local.market import SimulatedMarket

    market = SimulatedMarket(seed=seed)
    hour = HOUR_MS
    end = market.epoch_ms + (count + 1) * hour
    rows = market.candles(symbol, hour, end)
    return screen(rows, timeframe_ms=hour, now_ms=end).accepted[-count:]


def history(
    csv: Path | None,
    series_key: str | None,
    *,
    count: int,
    start: str | None = None,
    end: str | None = None,
) -> tuple[Series, list[Candle], str | None]:
    """The candles a command-line run works on, and the CSV reader's summary line (``None`` for the demo market).

    A CSV's own timeframe wins over the series key's; ``start``/``end``
    (``YYYY-MM-DD``, inclusive, UTC) keep a window of it. Without a CSV,
    ``count`` candles of the seeded demo market. Raises ValueError (a
    :class:`~crypto_advisor.cli.history_csv.CsvError` naming the line or column
    when the CSV cannot be read).
    """
    if csv is not None:
        read = read_history_file(csv)
        if start is not None or end is not None:
            read = between(read, start, end)
        if series_key:
            named = Series.parse(series_key)
            return Series(named.source, named.symbol, read.timeframe), read.candles, read.summary()
        # Named from the file's own symbol column where it has one (a CryptoDataDownload export's LTC/USDT); the source
        # is a label only here (the series' own source, Binance's, is not one the stack fetches from): --series sets it.
        named = Series("kraken", read.symbol or "UNKNOWN-USD", read.timeframe)
        told = "from the file's symbol column" if read.symbol else "(the file names no pair)"
        return named, read.candles, f"{read.summary()}; series {named.key} {told}, --series to name it otherwise"
    if start is not None or end is not None:
        raise ValueError("--from/--to select a window of a CSV: give --csv too")
    series = Series.parse(series_key or "kraken:BTC-USD:1h")
    return series, demo_candles(series.symbol, count=count), None


def add_history_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every command over history takes: the CSV, the series, the window."""
    parser.add_argument("--csv", type=Path, help="candles to read (default: the seeded demo market)")
    parser.add_argument("--series", default=None, help="series key, e.g. kraken:BTC-USD:1h (timeframe from the CSV)")
    parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day of the CSV to use (UTC)")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day of the CSV to use (UTC, inclusive)")


def announced_history(args: argparse.Namespace, *, count: int) -> tuple[Series, list[Candle]] | None:
    """:func:`history` for the options of :func:`add_history_arguments`, the CSV's summary line printed first.

    ``None`` when the history cannot be had; the reason is on stderr, the CSV's line or column named.
    """
    try:
        series, candles, summary = history(args.csv, args.series, count=count, start=args.start, end=args.end)
    except CsvError as exc:
        print(f"{args.csv}: {exc}", file=sys.stderr)
        return None
    except ValueError as exc:  # a malformed series key or window
        print(exc, file=sys.stderr)
        return None
    if summary:
        print(summary)
    return series, candles


def _example_policy() -> AlertPolicy:
    """The default policy, addressed to an example recipient: a command over history emails nobody."""
    return AlertPolicy(recipients=("you@example.com",))


@dataclass(frozen=True)
class RuleSetup:
    """What a watchlist says about one series for a command over history: its rules, conditions and alert policy."""

    rules: list[Rule]
    conditions: tuple[UserCondition, ...]
    #: the series' policy, its cooldown floored for its timeframe (:meth:`AlertPolicy.on_timeframe`)
    policy: AlertPolicy


def rule_setup(watchlist: Path | None, series: Series) -> RuleSetup:
    """The built-in rules (with the watchlist's overrides), the series' conditions (the top-level ones when the
    watchlist does not list it) and its alert policy; the defaults without a watchlist.

    Raises ValueError (a :class:`~crypto_advisor.contracts.watchlist.WatchlistError` naming every problem, or an
    unreadable file).
    """
    if watchlist is None:
        return RuleSetup(build_rules(None), (), _example_policy().on_timeframe(series.timeframe_ms))
    try:
        text = watchlist.read_text()
    except OSError as exc:
        raise ValueError(f"{watchlist}: {exc.strerror}") from None
    parsed = parse_watchlist(text, origin=str(watchlist))
    watched = parsed.find(series.key)
    if watched is None:  # the top-level policy, as a series of this timeframe would have it
        return RuleSetup(build_rules(parsed.rules), parsed.conditions, parsed.alerts.on_timeframe(series.timeframe_ms))
    return RuleSetup(build_rules(parsed.rules), watched.conditions, watched.alerts)


def write_report(report: dict[str, Any], out: Path) -> None:
    """A command's JSON report at ``out`` (folders made), and where it went."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"\nJSON: {out}")


def _warmup(text: str) -> int:
    """``--warmup``: a count of candles, 0 or more (a negative one read candles from the end: a traceback)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of candles: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_history_arguments(parser)
    parser.add_argument("--out", type=Path, default=Path(".local/replay/replay.json"))
    parser.add_argument(
        "--warmup", type=_warmup, default=200, help="candles of history before the first analysis (0 or more)"
    )
    parser.add_argument("--watchlist", type=Path, help="rule overrides and the series' own conditions from here")
    args = parser.parse_args(argv)
    loaded = announced_history(args, count=2000)
    if loaded is None:
        return 2
    series, candles = loaded
    if len(candles) <= args.warmup:
        print(
            f"need more than {args.warmup} candles, got {len(candles)}: the first {args.warmup} are history for the"
            " indicators (--warmup; the rules' longest lookback is 200)",
            file=sys.stderr,
        )
        return 2
    try:
        setup = rule_setup(args.watchlist, series)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    report = replay(series, candles, with_conditions(setup.rules, setup.conditions), warmup=args.warmup)
    print(format_table(report))
    write_report(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
