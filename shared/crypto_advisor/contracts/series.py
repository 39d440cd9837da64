"""The series contract: (source, symbol, timeframe) and its one string form.

The string form ``kraken:BTC-USD:1h`` is used in every table key, Kinesis
record and log line. Symbols are written BASE-QUOTE (a dash, not ccxt's slash)
so the same text can stand in an S3 partition (``symbol=BTC-USD``) unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crypto_advisor.contracts.units import DAY_MS, HOUR_MS, MINUTE_MS, WEEK_MS

#: Timeframes the project understands, in milliseconds. Kraken's OHLC endpoint
#: offers exactly these intervals; CoinGecko candles are built to match them.
TIMEFRAME_MS: dict[str, int] = {
    "1m": MINUTE_MS,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": HOUR_MS,
    "4h": 14_400_000,
    "1d": DAY_MS,
    "1w": WEEK_MS,
}

#: Sources the project can fetch from, with the timeframes each can serve.
#: CoinGecko's free OHLC has no candle shorter than 30 minutes. ``coingecko-markets`` is the market scan's
#: (:mod:`crypto_advisor.contracts.market_scan`): hourly closes of the top N coins, from ``/coins/markets``.
SOURCE_TIMEFRAMES: dict[str, tuple[str, ...]] = {
    "kraken": tuple(TIMEFRAME_MS),
    "coingecko": ("30m", "1h", "4h", "1d", "1w"),
    "coingecko-markets": ("1h",),
}
SOURCES: tuple[str, ...] = tuple(SOURCE_TIMEFRAMES)

_SYMBOL = re.compile(r"^[A-Z0-9]{1,15}-[A-Z0-9]{1,15}$")


class SeriesError(ValueError):
    """A series, symbol or timeframe that the project cannot use."""


def timeframe_ms(timeframe: str) -> int:
    """Length of one candle of ``timeframe`` in milliseconds."""
    try:
        return TIMEFRAME_MS[timeframe]
    except KeyError:
        raise SeriesError(f"unknown timeframe {timeframe!r}; expected one of {', '.join(TIMEFRAME_MS)}") from None


def normalize_symbol(symbol: str) -> str:
    """``btc/usd`` or ``BTC-USD`` -> ``BTC-USD``; anything else is an error."""
    candidate = symbol.strip().upper().replace("/", "-")
    if not _SYMBOL.match(candidate):
        raise SeriesError(f"malformed symbol {symbol!r}; expected BASE/QUOTE such as BTC/USD")
    return candidate


@dataclass(frozen=True, order=True)
class Series:
    """One watched series. Build it with :meth:`of` to get validation."""

    source: str
    symbol: str
    timeframe: str

    @classmethod
    def of(cls, source: str, symbol: str, timeframe: str) -> Series:
        if source not in SOURCES:
            raise SeriesError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
        timeframe_ms(timeframe)
        return cls(source, normalize_symbol(symbol), timeframe)

    @classmethod
    def parse(cls, key: str) -> Series:
        """Inverse of :attr:`key`."""
        parts = key.split(":")
        if len(parts) != 3:
            raise SeriesError(f"malformed series key {key!r}; expected source:BASE-QUOTE:timeframe")
        return cls.of(*parts)

    @property
    def key(self) -> str:
        return f"{self.source}:{self.symbol}:{self.timeframe}"

    @property
    def base(self) -> str:
        return self.symbol.split("-")[0]

    @property
    def quote(self) -> str:
        return self.symbol.split("-")[1]

    @property
    def pair(self) -> str:
        """The ccxt unified symbol, ``BTC/USD``."""
        return f"{self.base}/{self.quote}"

    @property
    def label(self) -> str:
        """``BTC/USD 1h``: how the emails, the digest and the confirmation pages name a series."""
        return f"{self.pair} {self.timeframe}"

    @property
    def timeframe_ms(self) -> int:
        return TIMEFRAME_MS[self.timeframe]

    def __str__(self) -> str:
        return self.key
