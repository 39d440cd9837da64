"""Candle history from the CSV exports people actually have, recognised by shape and reported in one line.

A replay or a training run is only as honest as its input, and the files users
bring are not tidy: Kraken's bulk download has no header and leaves out hours
without trades; CryptoDataDownload puts a banner above the header, names the
volume columns after the currencies, writes newest first and, in files joined
from two exports, mixes epoch seconds and milliseconds and repeats hours with
slightly different values. Reading such a file quietly (sorting, dropping,
guessing) would hide choices that change every figure computed from it, so
:func:`read_history` makes each choice by a stated rule and
:meth:`History.summary` says all of them in one line.

Shapes (never the file name):

``kraken-ohlcvt``
    No header; every row ``unix_seconds,open,high,low,close,volume[,trades]``
    (6 or 7 numbers). Volume is in the base currency.
``binance-klines``
    Binance's kline files (data.binance.vision) and its REST ``/api/v3/klines``
    answer saved as CSV: 12 columns ``open_time,open,high,low,close,volume,
    close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,
    ignore``, without a header (spot files) or with that one (futures files
    since mid-2022). Times are epoch milliseconds, or microseconds in spot files
    from 2025-01-01 on (read per row, like every epoch). Volume is column 6, in
    the base asset like Kraken's (COIN-M futures files count contracts there:
    they are not told apart). Column 7, the close time, must be the open time +
    the timeframe - 1 ms (1 µs in a microsecond row): it is how a Binance file
    is told from another 12-number file, and a row where it is not stops the
    read with its line.
``cryptodatadownload``
    Optional banner lines (``https://www.CryptoDataDownload.com``) before a
    header such as ``unix,date,symbol,open,high,low,close,Volume LTC,Volume
    USDT,tradecount``. The base-currency volume is used (``Volume LTC`` for
    LTC/USDT, told by the ``symbol`` column; without it, the first ``Volume``
    column, CryptoDataDownload's order): the project's volume is in base units,
    like Kraken's. ``tradecount`` (NULL in older exports) is not read.
``plain``
    A header (case-insensitive, any order, extra columns ignored) with open,
    high, low, close, volume (if the file has one) and a time column named
    timeOpen, time_open, timestamp, date, datetime, time, ts, open_time or unix.
    CoinMarketCap's export is one: ``;`` between quoted fields, ISO times, its
    ``timeOpen`` the candle's open (its ``timestamp`` is the day's last
    millisecond), its volume in the quote currency (named in the summary).

Fields may be separated by ``,``, ``;`` or tabs: the one most used on the first
lines is taken, and the summary names any but the comma.

The rules, the same for every shape:

- **time**: an epoch column is preferred to a date column (``unix`` over
  CryptoDataDownload's ``2020-11-20 07-AM``). Epoch numbers are read one row at
  a time by magnitude: below 1e11 seconds, below 1e14 milliseconds, below 1e17
  microseconds, so a file that mixes units reads right. Dates are ISO 8601
  (UTC when no offset is given) or ``YYYY-MM-DD HH-AM``.
- **order**: rows may come in any order; candles are returned ascending.
- **duplicates**: one candle per timestamp. The row whose epoch was written with
  the finer unit wins (milliseconds over seconds: in CryptoDataDownload files
  that is the newer export, with full precision and a trade count); between
  rows of the same unit, the one with the larger volume. That is the rule for
  two exports joined (``cat older.csv newer.csv``): the older one's newest row
  may have been exported while its candle was still open, and an open candle
  has traded less than the same candle closed (its volume only grows), so the
  closed candle is kept whichever file comes first, where "the first in the
  file" kept the partial one. A known volume ranks above a missing one; rows
  alike in unit and volume keep the first in the file. The rows dropped are
  counted, and every one that differed in value from the row kept is a
  :class:`Conflict`: the summary counts them by the rule that decided and names
  the first ones with their time and both lines (one for the epoch unit, which
  settles CryptoDataDownload's routine overlap by the thousand, up to three for
  each other rule), e.g. ``2021-06-01 12:00 line 11002 (volume 39,785.8) kept
  over line 2 (volume 7,957.16)``.
- **volume**: an empty volume cell is a missing volume (``None``, as the candle
  contract has it for a source without one; never 0, which says nothing
  traded); the summary counts those rows. A file without a volume column (a
  chart's price export) reads as a missing volume on every row, and the
  summary says so: the rules that need volume stay silent, the others judge
  the prices as they would a CoinGecko series'.
- **the pair**: a ``symbol`` column's first row (``LTC/USDT``, ``ltc-usdt``, or
  ``LTCUSDT`` beside ``Volume LTC`` and ``Volume USDT``) is :attr:`History.symbol`,
  which names a command's series when it is given no ``--series``.
- **the last row**: the newest candle may still have been open when the file
  was exported (the export time is unknown), so it is always dropped and
  reported in :attr:`History.dropped_last`.
- **timeframe**: the most common step between consecutive timestamps (the
  shorter step on a tie); it must be one of ``contracts.series.TIMEFRAME_MS``.
- **gaps**: missing candles between consecutive timestamps (Kraken writes no
  candle for an hour without trades) are reported, never filled.
- **the candle contract**: every row, duplicates included, must pass
  :func:`crypto_advisor.contracts.candle.check` (prices > 0, volume >= 0 or
  missing, a consistent range, a time aligned to the timeframe), and the result
  passes :func:`~crypto_advisor.contracts.candle.screen`. The first row that
  does not raises :class:`CsvError` naming its line: nothing is returned
  half-read. Alignment is the Unix epoch's grid (weeks open on Thursday 00:00
  UTC, days at 00:00 UTC, 4h candles at 00:00, 04:00, ...); exchanges that cut
  elsewhere (Binance's weeks open on Monday, some daily candles at 04:00 UTC)
  are refused with what the grid expects, where the file's candles open, and
  whether all rows or only some do.

What it says of the real files in ``../shared/data`` (their README gives each origin), one line each,
wrapped here, from ``python -m crypto_advisor.cli.history_csv ../shared/data/*.csv``::

    binance_LTCUSDT_1h_cdd.csv: format cryptodatadownload (header on line 1; date not used for time; Volume USDT not
        used; volume from column Volume LTC, the base currency of LTC/USDT, like Kraken's); time column unix, epoch
        s (25,758 rows), epoch ms (11,000 rows); rows descending, sorted ascending; 2,649 duplicate timestamps
        resolved (one candle each: the row with the finer epoch unit, ms over s, else the larger volume, as a candle
        still open when exported has traded less, else the first in the file; 2,649 of the rows dropped differed in
        value: 2,649 by epoch unit, e.g. 2020-08-01 23:00 line 13649 (epoch ms) kept over line 13650 (epoch s)); last
        row 2021-11-04 00:00 dropped (it may still have been open when exported); timeframe 1h (the most common
        step); 10 gaps (1,969 candles missing, not filled): largest 1,951
        after 2017-09-22 19:00, 4 after 2021-08-13 01:00, 3 after 2020-12-21 14:00; first after 2017-09-22 19:00,
        last after 2021-09-29 06:00; 36,758 rows read, 34,108 candles kept, 2017-09-22 19:00..2021-11-03 23:00 UTC
    kraken_ADAUSD_1440.csv: format plain (header on line 1; volume from column volume); time column time, epoch s
        (2,012 rows); rows ascending; no duplicate timestamps; last row 2024-03-31 dropped (it may still have been
        open when exported); timeframe 1d (the most common step); no gaps; 2,012 rows read, 2,011 candles kept,
        2018-09-28..2024-03-30 UTC
    kraken_ETHUSD_1440.csv: format plain (header on line 1; volume from column volume); time column time, epoch s
        (3,154 rows); rows ascending; no duplicate timestamps; last row 2024-03-31 dropped (it may still have been
        open when exported); timeframe 1d (the most common step); 5 gaps (6 candles missing, not filled): largest 2
        after 2015-08-08, 1 after 2015-09-03, 1 after 2015-09-20; first after 2015-08-08, last after 2018-01-11;
        3,154 rows read, 3,153 candles kept, 2015-08-07..2024-03-30 UTC
    kraken_ETHUSD_60.csv: format kraken-ohlcvt (no header, columns time,open,high,low,close,volume,trades; volume
        from column 6, in the base currency); time column 1, epoch s (63,568 rows); rows ascending; no duplicate
        timestamps; last row 2023-03-31 23:00 dropped (it may still have been open when exported); timeframe 1h (the
        most common step); 842 gaps (3,474 candles missing, not filled): largest 51 after 2015-08-08 21:00, 48 after
        2015-10-09 20:00, 40 after 2018-01-11 18:00; first after 2015-08-07 14:00, last after 2021-07-23 12:00;
        63,568 rows read, 63,567 candles kept, 2015-08-07 14:00..2023-03-31 22:00 UTC
    kraken_LTCUSD_1440.csv: format plain (header on line 1; volume from column volume); time column time, epoch s
        (3,625 rows); rows ascending; no duplicate timestamps; last row 2024-03-31 dropped (it may still have been
        open when exported); timeframe 1d (the most common step); 88 gaps (187 candles missing, not filled): largest
        15 after 2015-03-25, 10 after 2013-10-24, 9 after 2015-02-03; first after 2013-10-24, last after 2018-01-11;
        3,625 rows read, 3,624 candles kept, 2013-10-24..2024-03-30 UTC
    kraken_SOLUSD_1440.csv: format plain (header on line 1; volume from column volume); time column time, epoch s
        (1,019 rows); rows ascending; no duplicate timestamps; last row 2024-03-31 dropped (it may still have been
        open when exported); timeframe 1d (the most common step); no gaps; 1,019 rows read, 1,018 candles kept,
        2021-06-17..2024-03-30 UTC
    kraken_XRPUSD_1440.csv: format plain (header on line 1; volume from column volume); time column time, epoch s
        (2,507 rows); rows ascending; no duplicate timestamps; last row 2024-03-31 dropped (it may still have been
        open when exported); timeframe 1d (the most common step); 2 gaps (3 candles missing, not filled): largest 2
        after 2022-05-10, 1 after 2018-01-11; 2,507 rows read, 2,506 candles kept, 2017-05-18..2024-03-30 UTC
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from crypto_advisor.contracts.candle import Candle, check, screen
from crypto_advisor.contracts.series import TIMEFRAME_MS, SeriesError, normalize_symbol
from crypto_advisor.contracts.units import DAY_MS, WEEK_MS

FORMATS = ("kraken-ohlcvt", "binance-klines", "cryptodatadownload", "plain")
#: Time column names, the epoch-like first: when several are present the first whose
#: first value is a number is used, else the first present. An open time named as one
#: (CoinMarketCap's ``timeOpen``) comes before all: its ``timestamp`` is the day's last
#: millisecond, the candle contract's time is its open.
TIME_COLUMNS = ("timeopen", "time_open", "unix", "timestamp", "ts", "open_time", "time", "date", "datetime")
#: Field separators a file may use, tried in this order (CoinMarketCap's exports use ``;``).
DELIMITERS = (",", ";", "\t")
_PRICES = ("open", "high", "low", "close")
_KRAKEN_COLUMNS = ("time", "open", "high", "low", "close", "volume", "trades")
#: Binance's kline columns, as named in the header of its futures files.
_BINANCE_COLUMNS = (
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "count",
    "taker_buy_volume",
    "taker_buy_quote_volume",
    "ignore",
)
#: The columns that tell Binance's header (later ones are named differently by some tools).
_BINANCE_HEADER = _BINANCE_COLUMNS[:7]
_BINANCE_CLOSE = 6
#: How far down a banner may push the header.
_HEADER_SEARCH_LINES = 5
#: Epoch units by magnitude: (upper bound, unit, milliseconds per unit as a divisor/multiplier).
_EPOCH_UNITS: tuple[tuple[float, str, Decimal], ...] = (
    (1e11, "s", Decimal(1000)),
    (1e14, "ms", Decimal(1)),
    (1e17, "us", Decimal("0.001")),
)
#: Ticks per millisecond of the epoch units Binance writes (its close time is the open time + timeframe - 1 tick).
_TICKS_PER_MS = {"ms": Decimal(1), "us": Decimal(1000)}
#: Precision rank of a time unit: the lower wins a duplicate timestamp.
_UNIT_RANK = {"us": 0, "ms": 1, "s": 2}
#: Where the volume is in :attr:`_Row.values` (open, high, low, close, volume).
_VOLUME = 4
#: The index of a column the file does not have (only the volume may be missing: read as an empty cell on every row).
_NO_COLUMN = -1
#: :attr:`History.volume` of a file without a volume column.
NO_VOLUME_COLUMN = (
    "none: the file has no volume column (volume unknown on every row, not 0; the volume rules stay silent)"
)
_UNIT_LABEL = {
    "s": "epoch s",
    "ms": "epoch ms",
    "us": "epoch µs",
    "iso": "ISO 8601 (UTC assumed)",
    "iso+offset": "ISO 8601 with offset",
    "hour-am-pm": "YYYY-MM-DD HH-AM (UTC assumed)",
}
_AM_PM = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(\d{1,2})-(AM|PM)$", re.IGNORECASE)
_VOLUME_OF = re.compile(r"^volume[ _]+([a-z0-9]+)$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CsvError(ValueError):
    """The CSV cannot be read; the message names the line (1-based, as in the file) or the column, and why."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line is not None else message)
        self.line = line


@dataclass(frozen=True)
class Gap:
    """``missing`` candles absent after the candle at ``after_ts``: the source had none, nothing was filled."""

    after_ts: int
    missing: int


#: How many conflicts of each rule the summary names: the unit rule settles CryptoDataDownload's routine overlap
#: (thousands of hours in a real file, one example shows the pattern); the other two are rare, each a candle to check.
_CONFLICTS_NAMED = {"unit": 1, "volume": 3, "first": 3}
_CONFLICT_RULES = {"unit": "by epoch unit", "volume": "by volume", "first": "by file order (same volume)"}


@dataclass(frozen=True)
class Conflict:
    """Two rows of one timestamp that differ in value: the one kept, the one dropped, and the rule that chose.

    ``rule`` is the step of the preference that decided: ``unit`` (the finer
    epoch unit), ``volume`` (the larger volume), ``first`` (the earlier line,
    when unit and volume are alike). Lines are 1-based, as in the file.
    """

    ts: int
    rule: str
    kept_line: int
    dropped_line: int
    kept: Candle
    dropped: Candle
    kept_unit: str
    dropped_unit: str

    def words(self) -> str:
        """Both lines and what told them apart: ``line 11002 (volume 39,785.8) kept over line 2 (volume 7,957.16)``."""
        if self.rule == "unit":
            kept, dropped = (_UNIT_LABEL.get(u, u) for u in (self.kept_unit, self.dropped_unit))
        elif self.rule == "volume":
            kept, dropped = (_volume_words(c.volume) for c in (self.kept, self.dropped))
        else:
            name, kept, dropped = _first_difference(self.kept, self.dropped)
            return f"line {self.kept_line} kept over line {self.dropped_line} ({name} {kept} over {dropped})"
        return f"line {self.kept_line} ({kept}) kept over line {self.dropped_line} ({dropped})"


def _volume_words(volume: float | None) -> str:
    return "no volume" if volume is None else f"volume {volume:,.6g}"


def _first_difference(kept: Candle, dropped: Candle) -> tuple[str, str, str]:
    """The first price that differs between two candles of one time (their volumes are alike), both as written."""
    for name in ("open", "high", "low", "close"):
        a, b = getattr(kept, name), getattr(dropped, name)
        if a != b:
            return name, f"{a:g}", f"{b:g}"
    return "values", "", ""  # unreachable: the candles differ and their volumes do not


@dataclass(frozen=True)
class History:
    """The closed candles of one CSV and every choice made reading it.

    ``candles`` are ascending, one per timestamp, closed; ``dropped_last`` is
    the newest row, left out because it may have been open at export;
    ``duplicates`` counts the rows dropped because their timestamp was already
    taken (``conflicts``: those of them that differed in value from the row
    kept, each with both lines); ``gaps`` lie between consecutive ``candles``.
    The fields after ``gaps`` describe the reading for :meth:`summary`:
    ``rows`` is the number of data rows in the file, ``time_units`` how many
    rows wrote their time in each unit, ``order`` the order the rows came in,
    ``without_volume`` how many rows left the volume cell empty (read as a
    missing volume), ``window`` the days :func:`between` kept.
    """

    candles: list[Candle]
    timeframe: str
    format: str
    dropped_last: Candle | None
    duplicates: int
    gaps: tuple[Gap, ...]
    origin: str = "CSV"
    rows: int = 0
    time_column: str = "timestamp"
    time_units: tuple[tuple[str, int], ...] = ()
    order: str = "ascending"
    volume: str = "from column volume"
    conflicts: tuple[Conflict, ...] = ()
    notes: tuple[str, ...] = ()
    without_volume: int = 0
    window: tuple[str | None, str | None] | None = None
    #: the pair the file's ``symbol`` column names on its first row, as a series symbol (``LTC-USDT``); None: none
    symbol: str | None = None

    @property
    def timeframe_ms(self) -> int:
        return TIMEFRAME_MS[self.timeframe]

    @property
    def differing(self) -> int:
        """How many of the rows dropped as duplicates differed in value from the row kept."""
        return len(self.conflicts)

    def summary(self) -> str:
        """One line a person can check the reading against: every rule applied and what it did."""
        at = self._when
        units = ", ".join(f"{_UNIT_LABEL.get(unit, unit)} ({count:,} rows)" for unit, count in self.time_units)
        parts = [f"{self.origin}: format {self.format} ({'; '.join((*self.notes, f'volume {self.volume}'))})"]
        if self.without_volume and self.volume != NO_VOLUME_COLUMN:
            rows = f"{self.without_volume:,} row{'s' if self.without_volume > 1 else ''}"
            parts.append(f"{rows} with an empty volume cell (volume unknown, not 0)")
        parts.append(f"time column {self.time_column}" + (f", {units}" if units else ""))
        parts.append(f"rows {self.order}" + ("" if self.order == "ascending" else ", sorted ascending"))
        parts.append(self._duplicates_text())
        if self.dropped_last is not None:
            parts.append(f"last row {at(self.dropped_last.ts)} dropped (it may still have been open when exported)")
        parts.append(f"timeframe {self.timeframe} (the most common step)")
        parts.append(self._gaps_text())
        kept = f"{len(self.candles):,} candles kept"
        if self.window is not None:
            start, end = self.window
            kept += f" between {start or 'the start'} and {end or 'the end'} (inclusive, UTC)"
        span = f", {at(self.candles[0].ts)}..{at(self.candles[-1].ts)} UTC" if self.candles else ""
        parts.append(f"{self.rows:,} rows read, {kept}{span}")
        return "; ".join(parts)

    def _when(self, ts: int) -> str:
        moment = datetime.fromtimestamp(ts / 1000, tz=UTC)
        return moment.strftime("%Y-%m-%d" if self.timeframe_ms >= DAY_MS else "%Y-%m-%d %H:%M")

    def _duplicates_text(self) -> str:
        if not self.duplicates:
            return "no duplicate timestamps"
        text = (
            f"{self.duplicates:,} duplicate timestamps resolved (one candle each: the row with the finer epoch unit, "
            "ms over s, else the larger volume, as a candle still open when exported has traded less, else the "
            f"first in the file; {self.differing:,} of the rows dropped differed in value"
        )
        by_rule = [(rule, [c for c in self.conflicts if c.rule == rule]) for rule in _CONFLICT_RULES]
        named = [self._conflicts_text(rule, found) for rule, found in by_rule if found]
        return text + (f": {'; '.join(named)})" if named else ")")

    def _conflicts_text(self, rule: str, conflicts: Sequence[Conflict]) -> str:
        """``n by <rule>`` and the first few of them, each with both lines."""
        shown = conflicts[: _CONFLICTS_NAMED[rule]]
        examples = ", ".join(f"{self._when(c.ts)} {c.words()}" for c in shown)
        lead = "e.g. " if len(conflicts) > len(shown) else ""
        more = ", ..." if len(conflicts) > len(shown) and len(shown) > 1 else ""
        return f"{len(conflicts):,} {_CONFLICT_RULES[rule]}, {lead}{examples}{more}"

    def _gaps_text(self) -> str:
        if not self.gaps:
            return "no gaps"
        missing = sum(g.missing for g in self.gaps)
        largest = sorted(self.gaps, key=lambda g: (-g.missing, g.after_ts))[:3]
        where = ", ".join(f"{g.missing:,} after {self._when(g.after_ts)}" for g in largest)
        count = f"{len(self.gaps):,} gap{'s' if len(self.gaps) > 1 else ''}"
        text = f"{count} ({missing:,} candles missing, not filled): largest {where}"
        if len(self.gaps) > len(largest):
            first, last = self.gaps[0].after_ts, self.gaps[-1].after_ts
            text += f"; first after {self._when(first)}, last after {self._when(last)}"
        return text


@dataclass(frozen=True)
class _Layout:
    """Where the fields of a data row are, as told by the file's shape."""

    format: str
    time_index: int
    time_column: str
    value_indexes: tuple[int, int, int, int, int]  # open, high, low, close, volume
    volume: str
    notes: tuple[str, ...]
    width: int  # the fewest fields a data row may have
    close_index: int | None = None  # Binance's close time, checked against the open time and the timeframe
    symbol: str | None = None  # the pair a symbol column names (``LTC-USDT``), for a run given no series


@dataclass(frozen=True)
class _Row:
    line: int
    ts: int
    unit: str
    values: tuple[str, ...]  # open, high, low, close, volume as written
    close: Decimal | None = None  # Binance's close time, as written (in the row's unit)


def read_history_file(path: Path) -> History:
    """:func:`read_history` of a file; a file that cannot be opened or decoded is a :class:`CsvError` too."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError(f"not UTF-8 text (byte {exc.start}): is it a CSV?") from None
    except OSError as exc:
        raise CsvError(f"cannot open: {exc.strerror or exc}") from None
    return read_history(text, origin=path.name)


def read_history(text: str, *, origin: str = "CSV") -> History:
    """The closed candles of a CSV export, by the rules in the module docstring.

    Raises :class:`CsvError` naming the line (or the column) and why, before
    anything is returned.
    """
    text = text.lstrip("\ufeff")
    delimiter = _delimiter(text)
    records = [(line, cells) for line, cells in _records(text, delimiter) if any(c.strip() for c in cells)]
    if not records:
        raise CsvError("the file holds no rows", line=1)
    layout, data = _layout(records)
    data, repeated = _without_repeated_heads(records[: len(records) - len(data)], data)
    notes = (*layout.notes, repeated) if repeated else layout.notes
    if delimiter != ",":
        notes = (f"fields separated by {'tabs' if delimiter == chr(9) else repr(delimiter)}", *notes)
    rows = [_row(line, cells, layout) for line, cells in data]
    distinct = sorted({r.ts for r in rows})
    if len(distinct) < 3:
        raise CsvError(f"{len(distinct)} distinct times in {len(rows)} rows: need at least 3 to tell the timeframe")
    timeframe = _timeframe(distinct)
    tf = TIMEFRAME_MS[timeframe]
    if layout.close_index is not None:
        _check_close_times(rows, timeframe)
    offsets = Counter(r.ts % tf for r in rows)
    checked = [_checked(r, timeframe, offsets) for r in rows]
    kept, conflicts = _one_per_time(checked)
    ordered = [kept[ts] for ts in distinct]
    screened = screen([c.as_row() for _, c in ordered], timeframe_ms=tf, now_ms=distinct[-1])
    if screened.rejected:  # check() passed every row, so only a broken invariant lands here
        first = screened.rejected[0]
        line = next((r.line for r, _ in ordered if r.ts == first.ts), None)
        raise CsvError(first.reason, line=line)
    candles = screened.accepted
    return History(
        candles=candles,
        timeframe=timeframe,
        format=layout.format,
        dropped_last=ordered[-1][1],
        duplicates=len(rows) - len(distinct),
        gaps=_gaps(candles, tf),
        origin=origin,
        rows=len(rows),
        time_column=layout.time_column,
        time_units=tuple(sorted(Counter(r.unit for r in rows).items(), key=lambda item: -item[1])),
        order=_order([r.ts for r in rows]),
        volume=layout.volume,
        conflicts=conflicts,
        notes=notes,
        without_volume=sum(1 for r in rows if not r.values[_VOLUME]),
        symbol=layout.symbol,
    )


def _without_repeated_heads(
    head: list[tuple[int, list[str]]], data: list[tuple[int, list[str]]]
) -> tuple[list[tuple[int, list[str]]], str | None]:
    """``data`` without the lines that repeat the file's banner or header, and a note naming them (None: none).

    Two exports joined as ``cat older.csv newer.csv`` carry the second file's banner and header in the middle; they
    are the first file's lines again, not rows, and reading them as rows would refuse the file ("cannot read time
    'unix'")."""
    seen = {tuple(c.strip() for c in cells) for _, cells in head}
    kept: list[tuple[int, list[str]]] = []
    repeats: list[int] = []
    for line, cells in data:
        if tuple(c.strip() for c in cells) in seen:
            repeats.append(line)
        else:
            kept.append((line, cells))
    if not repeats:
        return data, None
    lines = ", ".join(str(line) for line in repeats[:4]) + (", ..." if len(repeats) > 4 else "")
    plural = "s" if len(repeats) > 1 else ""
    return (
        kept,
        f"{len(repeats)} line{plural} repeating the banner or header skipped (line{plural} {lines}: files joined)",
    )


def between(history: History, start: str | None, end: str | None) -> History:
    """The candles from ``start`` to ``end`` (``YYYY-MM-DD``, both days included, UTC); ``None`` leaves a side open.

    Gaps are those between the candles kept; what the file-wide reading found
    (duplicates, the dropped last row, rows read) stays as it was, and the
    summary names the window. Raises ValueError for a malformed or reversed date.
    """
    low = _day_ms(start, "from") if start is not None else None
    high = _day_ms(end, "to") + DAY_MS if end is not None else None
    if low is not None and high is not None and high <= low:
        raise ValueError(f"the window {start}..{end} ends before it starts")
    candles = [c for c in history.candles if (low is None or c.ts >= low) and (high is None or c.ts < high)]
    return replace(history, candles=candles, gaps=_gaps(candles, history.timeframe_ms), window=(start, end))


def _day_ms(text: str, name: str) -> int:
    if not _DAY.match(text):
        raise ValueError(f"{name} date {text!r}: expected YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{name} date {text!r}: {exc}") from None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def _delimiter(text: str) -> str:
    """The field separator: the one of :data:`DELIMITERS` most used on the file's first lines (a comma on a tie)."""
    head = "\n".join(text.splitlines()[:_HEADER_SEARCH_LINES])
    return max(DELIMITERS, key=lambda d: (head.count(d), d == ","))


def _records(text: str, delimiter: str = ",") -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    out: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            out.append((reader.line_num, cells))
    except csv.Error as exc:
        raise CsvError(f"not CSV: {exc}", line=reader.line_num) from None
    return out


def _layout(records: list[tuple[int, list[str]]]) -> tuple[_Layout, list[tuple[int, list[str]]]]:
    """The file's shape and its data rows: headerless numbers (Kraken's, Binance's), or a header after a banner."""
    first_line, first = records[0]
    if all(_is_number(c) for c in first):
        return _headerless_layout(first_line, first), records
    for position, (line, cells) in enumerate(records[:_HEADER_SEARCH_LINES]):
        shown = [c.strip().strip('"') for c in cells]
        if tuple(n.lower() for n in shown[: len(_BINANCE_HEADER)]) == _BINANCE_HEADER:
            return _binance_layout(shown[0], f"Binance's header on line {line}"), records[position + 1 :]
        if all(p in [n.lower() for n in shown] for p in _PRICES):
            banner = records[:position]
            return _header_layout(line, shown, banner, records[position + 1 :]), records[position + 1 :]
    raise CsvError(
        f"{first[:3]!r}... is neither Kraken's headerless OHLCVT row (6 or 7 numbers) nor a header naming "
        f"open, high, low, close (volume if it has one) and a time column ({', '.join(TIME_COLUMNS)}) "
        f"in the first {_HEADER_SEARCH_LINES} lines",
        line=first_line,
    )


def _headerless_layout(line: int, first: list[str]) -> _Layout:
    """Kraken's OHLCVT (6 or 7 numbers a row) or Binance's klines (12), told by the first row."""
    if len(first) in (6, 7):
        names = ",".join(_KRAKEN_COLUMNS[: len(first)])
        return _Layout(
            format="kraken-ohlcvt",
            time_index=0,
            time_column="1",
            value_indexes=(1, 2, 3, 4, 5),
            volume="from column 6, in the base currency",
            notes=(f"no header, columns {names}",),
            width=6,
        )
    shapes = (
        "Kraken's headerless OHLCVT has 6 or 7 (time, open, high, low, close, volume[, trades]), Binance's klines 12 "
        "(open time, open, high, low, close, volume, close time, ...); other files need a header"
    )
    if len(first) != len(_BINANCE_COLUMNS):
        raise CsvError(f"{len(first)} numbers and no header: {shapes}", line=line)
    if not_binance := _not_binance_times(first[0].strip(), first[_BINANCE_CLOSE].strip()):
        raise CsvError(
            f"{len(first)} numbers and no header, but not Binance's klines: {not_binance}; {shapes}", line=line
        )
    named = ",".join(_BINANCE_HEADER)
    return _binance_layout("1", f"no header, Binance's 12 kline columns {named},... (columns 8-12 not read)")


def _not_binance_times(open_time: str, close_time: str) -> str | None:
    """Why a row's columns 1 and 7 cannot be Binance's open and close times (epoch ms or µs, close after open)."""
    unit = _epoch_unit(Decimal(open_time))
    if unit is None or unit[0] not in _TICKS_PER_MS:
        return f"column 1 (the open time) {open_time} is no epoch in ms or µs"
    if Decimal(close_time) <= Decimal(open_time):
        return f"column 7 (the close time) {close_time} is not after column 1 (the open time) {open_time}"
    return None


def _binance_layout(time_column: str, how: str) -> _Layout:
    """Binance's kline columns; ``how`` says whether a header named them."""
    return _Layout(
        format="binance-klines",
        time_index=0,
        time_column=time_column,
        value_indexes=(1, 2, 3, 4, 5),
        volume="from column 6, in the base asset, like Kraken's",
        notes=(how, "close time = open time + timeframe - 1 tick (1 ms, or 1 µs in µs rows) on every row"),
        width=_BINANCE_CLOSE + 1,
        close_index=_BINANCE_CLOSE,
    )


def _header_layout(
    line: int, shown: list[str], banner: list[tuple[int, list[str]]], data: list[tuple[int, list[str]]]
) -> _Layout:
    names = [n.lower() for n in shown]
    notes = [f"header on line {line}"]
    if banner:
        notes.insert(0, f"{len(banner)} banner line{'s' if len(banner) > 1 else ''} skipped")
    present = [n for n in TIME_COLUMNS if n in names]
    if not present:
        raise CsvError(f"no time column: expected one of {', '.join(TIME_COLUMNS)} among {shown}", line=line)
    sample = data[0][1] if data else []
    numeric = [n for n in present if names.index(n) < len(sample) and _is_number(sample[names.index(n)])]
    time_column = (numeric or present)[0]
    unused = [shown[names.index(n)] for n in present if n != time_column]
    if unused:
        notes.append(f"{', '.join(unused)} not used for time")
    volume_index, volume, cdd_volume = _volume(line, shown, sample)
    if cdd_volume:
        others = [shown[i] for i, n in enumerate(names) if _VOLUME_OF.match(n) and i != volume_index]
        if others:
            notes.append(f"{', '.join(others)} not used")
    if "marketcap" in names and not cdd_volume:
        notes.append(
            f"{shown[names.index('marketcap')]} not used; its volume is read as written (CoinMarketCap's is in "
            "the quote currency, Kraken's in the base: the volume rules compare a candle with its own series)"
        )
    mentions_cdd = any("cryptodatadownload" in ",".join(cells).lower() for _, cells in banner)
    o, h, lo, c = (names.index(p) for p in _PRICES)
    time_index = names.index(time_column)
    return _Layout(
        format="cryptodatadownload" if cdd_volume or mentions_cdd else "plain",
        time_index=time_index,
        time_column=shown[time_index],
        value_indexes=(o, h, lo, c, volume_index),
        volume=volume,
        notes=tuple(notes),
        width=max(o, h, lo, c, volume_index, time_index) + 1,
        symbol=_pair_of(names, sample),
    )


def _pair_of(names: list[str], sample: list[str]) -> str | None:
    """The pair the ``symbol`` column names on the first row, as a series symbol: ``LTC/USDT``, ``ltc-usdt``, or
    ``LTCUSDT`` when ``Volume <BASE>`` columns name both currencies. None without the column, or when it cannot be
    split into base and quote (a run then needs ``--series`` to be named)."""
    if "symbol" not in names or names.index("symbol") >= len(sample):
        return None
    written = sample[names.index("symbol")].strip()
    try:
        return normalize_symbol(written.replace("_", "/"))
    except SeriesError:
        pass
    squashed = re.sub(r"[^a-z0-9]", "", written.lower())
    currencies = [m.group(1) for n in names if (m := _VOLUME_OF.match(n))]
    for base in currencies:
        quote = squashed[len(base) :]
        if squashed.startswith(base) and quote != base and quote in currencies:
            return normalize_symbol(f"{base}/{quote}")
    return None


def _volume(line: int, shown: list[str], sample: list[str]) -> tuple[int, str, bool]:
    """The volume column: ``volume``, or CryptoDataDownload's base-currency ``Volume <BASE>`` (and whether it was)."""
    names = [n.lower() for n in shown]
    if "volume" in names:
        return names.index("volume"), f"from column {shown[names.index('volume')]}", False
    currencies = {m.group(1): i for i, n in enumerate(names) if (m := _VOLUME_OF.match(n))}
    if not currencies:
        return _NO_COLUMN, NO_VOLUME_COLUMN, False
    symbol = ""
    if "symbol" in names and names.index("symbol") < len(sample):
        symbol = sample[names.index("symbol")].strip().lower()
    base, _, quote = symbol.replace("-", "/").replace("_", "/").partition("/")
    squashed = re.sub(r"[^a-z0-9]", "", symbol)  # BTCUSDT
    for currency, index in currencies.items():
        if (base == currency and quote) or (squashed.startswith(currency) and squashed[len(currency) :] in currencies):
            return index, f"from column {shown[index]}, the base currency of {symbol.upper()}, like Kraken's", True
    first = min(currencies.values())
    told = "no symbol to tell base from quote; CryptoDataDownload lists base first"
    return first, f"from column {shown[first]}, taken as the base currency ({told})", True


def _row(line: int, cells: list[str], layout: _Layout) -> _Row:
    if len(cells) < layout.width:
        raise CsvError(f"{len(cells)} fields, expected at least {layout.width}", line=line)
    ts, unit = _time(cells[layout.time_index].strip(), line)
    close = None if layout.close_index is None else _close_time(cells[layout.close_index].strip(), line)
    values = tuple("" if i == _NO_COLUMN else cells[i].strip() for i in layout.value_indexes)
    return _Row(line, ts, unit, values, close)


def _close_time(text: str, line: int) -> Decimal:
    """Binance's close time as written: compared in the row's own unit, as µs are no whole milliseconds."""
    if not _is_number(text):
        raise CsvError(f"close time {text!r} is not a number", line=line)
    return Decimal(text)


def _check_close_times(rows: Sequence[_Row], timeframe: str) -> None:
    """Binance's close time is the open time + the timeframe - 1 tick (ms, or µs): every row must say so.

    On no row at all, the file is not Binance's (its column 7 is something
    else); on some rows only, the first row that disagrees is named.
    """
    wrong = [(row, why) for row in rows if (why := _close_time_wrong(row, timeframe))]
    if not wrong:
        return
    row, why = wrong[0]
    if len(wrong) == len(rows):
        raise CsvError(
            f"not Binance's klines: on none of the {len(rows):,} rows is column 7 the close time (the open time + "
            f"{timeframe} - 1 ms, or - 1 µs in µs rows), e.g. line {row.line}: {why}; other 12-column files need a "
            "header naming open, high, low, close (volume if they have one) and a time column"
        )
    raise CsvError(f"{why}: Binance's klines end 1 tick before the next open", line=row.line)


def _close_time_wrong(row: _Row, timeframe: str) -> str | None:
    """Why the row's close time does not end its candle, or None when it does."""
    per_ms = _TICKS_PER_MS.get(row.unit)
    if per_ms is None:
        return f"open time in {_UNIT_LABEL.get(row.unit, row.unit)}: Binance writes epoch ms or µs"
    expected = (row.ts + TIMEFRAME_MS[timeframe]) * per_ms - 1
    if row.close == expected:
        return None
    tick = "ms" if per_ms == 1 else "µs"
    return f"close time {row.close} is not the open time + {timeframe} - 1 {tick} ({expected})"


def _time(text: str, line: int) -> tuple[int, str]:
    """Epoch milliseconds and the unit the row wrote its time in."""
    if _is_number(text):
        number = Decimal(text)
        found = _epoch_unit(number)
        if found is None:
            raise CsvError(f"time {text} is no positive epoch in s, ms or µs", line=line)
        unit, factor = found
        ms = number * factor
        if ms != ms.to_integral_value():
            raise CsvError(f"time {text} is not a whole millisecond", line=line)
        return int(ms), unit
    if match := _AM_PM.match(text):
        day, hour, half = match.groups()
        clock = int(hour) % 12 + (12 if half.upper() == "PM" else 0)
        if int(hour) > 12:
            raise CsvError(f"time {text!r}: hour {hour} on a 12-hour clock", line=line)
        moment = datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(hours=clock)
        return int(moment.timestamp() * 1000), "hour-am-pm"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CsvError(f"cannot read time {text!r}: expected epoch s/ms or ISO 8601", line=line) from None
    unit = "iso+offset" if moment.tzinfo is not None else "iso"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000), unit


def _epoch_unit(number: Decimal) -> tuple[str, Decimal] | None:
    """The epoch unit of a number by its magnitude, and its factor to milliseconds; None for no epoch."""
    return next(((unit, factor) for bound, unit, factor in _EPOCH_UNITS if 0 < number < bound), None)


def _is_number(text: str) -> bool:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return False
    return value.is_finite()


def _timeframe(distinct: Sequence[int]) -> str:
    steps = Counter(b - a for a, b in itertools.pairwise(distinct))
    step = min(steps, key=lambda s: (-steps[s], s))
    for name, ms in TIMEFRAME_MS.items():
        if ms == step:
            return name
    raise CsvError(
        f"the most common step between rows is {step / 1000:g} s ({steps[step]:,} times), which is no timeframe "
        f"the project knows ({', '.join(TIMEFRAME_MS)})"
    )


def _checked(row: _Row, timeframe: str, offsets: Counter[int]) -> tuple[_Row, Candle]:
    """The row as a candle by the candle contract; an empty volume cell is a missing volume (``None``), not 0.

    ``offsets`` counts the file's rows by how far they open past the epoch's
    grid, so that a misaligned row's error can say whether the whole file is
    cut elsewhere or this row alone is off.
    """
    tf = TIMEFRAME_MS[timeframe]
    if row.ts % tf:
        raise CsvError(_misaligned(row.ts, timeframe, offsets), line=row.line)
    volume = row.values[_VOLUME] or None
    candle, reason = check([row.ts, *row.values[:_VOLUME], volume], tf)
    if candle is None:
        raise CsvError(reason or "not a candle", line=row.line)
    return row, candle


def _misaligned(ts: int, timeframe: str, offsets: Counter[int]) -> str:
    """Why a candle's open time breaks the contract's grid, in the words of a calendar rather than a modulus.

    The contract (:func:`~crypto_advisor.contracts.candle.check`) wants every
    candle to open on a whole number of timeframes since the Unix epoch: weeks
    open on Thursday (1970-01-01 was one), days at 00:00 UTC. Exchanges cut
    otherwise (Binance's weeks open on Monday; some daily candles at New York
    midnight), and a bare modulus does not tell the user which it is.
    """
    tf = TIMEFRAME_MS[timeframe]
    moment = datetime.fromtimestamp(ts / 1000, tz=UTC)
    clock = moment.strftime("%H:%M:%S" if moment.second or moment.microsecond else "%H:%M")
    opens = f"on {moment:%A} {clock} UTC" if tf > DAY_MS else f"at {clock} UTC"
    same, total = offsets[ts % tf], sum(offsets.values())
    if same == total:
        found = (
            f"this file's candles open {opens} (all {total:,} rows), and re-cutting them needs the shorter candles "
            "they were made of"
        )
    elif same == 1:
        found = f"this row opens {opens}, the only one of the file's {total:,} rows that does"
    else:
        found = f"this row opens {opens}, as {same:,} of the file's {total:,} rows do"
    expected = f"{timeframe} candles must open {_grid(timeframe)}"
    return f"timestamp {ts} is not aligned to the {timeframe} timeframe: {expected}; {found}"


def _grid(timeframe: str) -> str:
    """Where candles of ``timeframe`` open on the Unix epoch's grid, as a person reads a clock and a calendar."""
    tf = TIMEFRAME_MS[timeframe]
    if tf == WEEK_MS:
        return "on Thursday 00:00 UTC (the Unix epoch's weeks: 1970-01-01 was a Thursday)"
    if tf >= DAY_MS:
        return "at 00:00 UTC"
    first, second = (datetime.fromtimestamp(n * tf / 1000, tz=UTC).strftime("%H:%M") for n in (0, 1))
    return f"every {timeframe} from 00:00 UTC ({first}, {second}, ...)"


def _one_per_time(
    checked: Sequence[tuple[_Row, Candle]],
) -> tuple[dict[int, tuple[_Row, Candle]], tuple[Conflict, ...]]:
    """One candle per timestamp by :func:`_preference`, and every dropped row that disagreed with the one kept.

    The winner is chosen among all the rows of a time at once, so a conflict
    always names the row actually kept.
    """
    by_ts: dict[int, list[tuple[_Row, Candle]]] = {}
    for pair in checked:
        by_ts.setdefault(pair[0].ts, []).append(pair)
    kept: dict[int, tuple[_Row, Candle]] = {}
    conflicts: list[Conflict] = []
    for ts, pairs in by_ts.items():
        winner = min(pairs, key=_preference)
        kept[ts] = winner
        conflicts.extend(_conflict(winner, pair) for pair in pairs if pair is not winner and pair[1] != winner[1])
    return kept, tuple(sorted(conflicts, key=lambda c: (c.ts, c.dropped_line)))


def _preference(pair: tuple[_Row, Candle]) -> tuple[int, bool, float, int]:
    """Sort key of the rows of one time, the one to keep first: finer epoch unit, then larger volume, then file order.

    The finer unit is CryptoDataDownload's newer export (full precision, a
    trade count). Between rows of the same unit, the larger volume: a candle
    still open when its export was made has traded less than the closed one
    (so ``cat old.csv new.csv`` keeps the new export's closed hour, whichever
    file comes first); a known volume ranks above a missing one. Only rows
    alike in both are decided by the order of the file.
    """
    row, candle = pair
    volume = candle.volume
    return _UNIT_RANK.get(row.unit, 2), volume is None, -(volume or 0.0), row.line


def _conflict(winner: tuple[_Row, Candle], loser: tuple[_Row, Candle]) -> Conflict:
    """The dropped row that differed from the kept one, and which step of :func:`_preference` decided."""
    (kept_row, kept), (dropped_row, dropped) = winner, loser
    if _UNIT_RANK.get(kept_row.unit, 2) != _UNIT_RANK.get(dropped_row.unit, 2):
        rule = "unit"
    elif kept.volume != dropped.volume:
        rule = "volume"
    else:
        rule = "first"
    return Conflict(
        ts=kept.ts,
        rule=rule,
        kept_line=kept_row.line,
        dropped_line=dropped_row.line,
        kept=kept,
        dropped=dropped,
        kept_unit=kept_row.unit,
        dropped_unit=dropped_row.unit,
    )


def _gaps(candles: Sequence[Candle], timeframe_ms: int) -> tuple[Gap, ...]:
    return tuple(
        Gap(a.ts, (b.ts - a.ts) // timeframe_ms - 1)
        for a, b in itertools.pairwise(candles)
        if b.ts - a.ts > timeframe_ms
    )


def _order(times: Sequence[int]) -> str:
    steps = [b - a for a, b in itertools.pairwise(times)]
    if all(s >= 0 for s in steps):
        return "ascending"
    if all(s <= 0 for s in steps):
        return "descending"
    return "in no order"


def main(argv: list[str] | None = None) -> int:
    """Print the summary line of each CSV named: a quick look at what a replay would read."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("csv", type=Path, nargs="+")
    args = parser.parse_args(argv)
    failed = 0
    for path in args.csv:
        try:
            print(read_history_file(path).summary())
        except CsvError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
