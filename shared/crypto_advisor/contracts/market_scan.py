"""The market scan: the top N coins by market cap from CoinGecko's ``/coins/markets``, one hourly series each.

Written in the watchlist as a ``series:`` entry of its own::

    - {source: coingecko-markets, top: 250, vs: usd}

Each tick that has a newly closed hour asks ``/coins/markets`` for
``ceil(top / 250)`` pages of 250 coins (``sparkline=true``: the last seven days
of hourly prices; ``total_volume``: the rolling 24-hour volume) and stores one
hourly series per coin, keyed ``coingecko-markets:SOL-USD:1h`` like any other
series (:class:`~crypto_advisor.contracts.series.Series`). Which coins are in
the top N is the market's answer, not the watchlist's: a coin that enters the
top N gets a series (seven days of history from its sparkline), one that
leaves stops growing.

**What such a candle holds, and what it cannot.** CoinGecko's sparkline is a
list of prices, one an hour, without timestamps: the last is the price when
CoinGecko last updated the coin (``last_updated``), each earlier one an hour
before the next. A candle's close is the last sparkline price taken within
its hour, as an exchange's close is the last trade in it; open, high and low
are that same price (there is no true high or low, and no true open). Its
volume is the rolling 24-hour volume the scan read, on the newest candle
only; candles of the sparkline's past have none (``None``: missing, never 0).
So the rules that read closes only apply (RSI, EMA/SMA crosses, MACD, the
price changes, Bollinger bands on closes, Fibonacci levels of closes); the
rules that need a range or a candle's own volume (ATR, ADX, the volume spike,
OBV) are skipped on these series with the reason in the Signal
(:data:`SCAN_SKIPPED_RULES`).

**The allowance.** A CoinGecko demo key allows 30 calls a minute and 10,000 a
month. The scan runs once per closed hour whatever the ingest's schedule
(the other ticks of the hour find it up to date), so it costs
``ceil(top / 250) x 24 x 31`` calls in the longest month; the watchlist's
CoinGecko series cost two calls (``/ohlc`` and ``/market_chart``) per new
candle each. :func:`monthly_calls` does the arithmetic and the watchlist check
refuses a watchlist over :data:`DEMO_MONTHLY_CALLS`, saying so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from crypto_advisor.contracts.rate_budgets import COINGECKO_DEMO
from crypto_advisor.contracts.series import TIMEFRAME_MS, Series
from crypto_advisor.contracts.units import DAY_MS

#: The source name of the scan's series, in their keys and the archive's partitions.
SCAN_SOURCE = "coingecko-markets"
#: The source whose client, key and rate limit the scan's calls use (the planner counts them on its budget).
SCAN_CALLS_SOURCE = "coingecko"
#: The scan's candles are hourly: the sparkline's resolution.
SCAN_TIMEFRAME = "1h"
#: The timeframe field of a scan's own cursor key: not a timeframe, so no coin's series can take that key.
SCAN_CURSOR = "scan"
#: Coins per ``/coins/markets`` page (the API's maximum).
PER_PAGE = 250
#: The largest scan: four pages.
MAX_TOP = 1000
#: Hourly candles a sparkline holds (seven days): a new coin's history.
SPARKLINE_HOURS = 7 * 24
#: A CoinGecko demo key's allowance (the rate budget of ``contracts/rate_budgets.py``).
DEMO_MONTHLY_CALLS: int = COINGECKO_DEMO.monthly_calls or 0
DEMO_CALLS_PER_MINUTE = 30
#: The longest month, over which the allowance is checked.
MONTH_DAYS = 31
#: Calls a CoinGecko series makes for each new candle (``/ohlc`` and ``/market_chart``).
CALLS_PER_COINGECKO_CANDLE = COINGECKO_DEMO.calls_per_series

#: Rules that cannot judge a scan candle, and why: the Signal's ``skipped`` says so on every scan series.
SCAN_SKIPPED_RULES: dict[str, str] = {
    "atr_spike": "scan candles have no true high or low (open=high=low=close of the sparkline's hourly price)",
    "adx_trend": "scan candles have no true high or low (open=high=low=close of the sparkline's hourly price)",
    "volume_spike": "a scan candle's volume is CoinGecko's rolling 24 h volume, not the hour's own",
    "obv_divergence": "a scan candle's volume is CoinGecko's rolling 24 h volume, not the hour's own",
}


@dataclass(frozen=True)
class MarketScan:
    """One ``coingecko-markets`` entry of the watchlist: the top ``top`` coins, priced in ``vs``."""

    top: int
    vs: str  # upper case, as in a series' quote: "USD"

    @property
    def pages(self) -> int:
        """``/coins/markets`` calls per scan."""
        return math.ceil(self.top / PER_PAGE)

    @property
    def name(self) -> str:
        """How logs, the digest and the alert log name the scan: ``top 250 USD``."""
        return f"top {self.top} {self.vs}"

    @property
    def log_key(self) -> str:
        """Where the notification log keeps the scan's emails (``scan#USD``): :func:`budget_key` of any of its coins."""
        return SCAN_LOG_PREFIX + self.vs

    def series_of(self, coin_symbol: str) -> Series:
        """One coin's series (``SOL`` -> ``coingecko-markets:SOL-USD:1h``); SeriesError if the symbol is malformed."""
        return Series.of(SCAN_SOURCE, f"{coin_symbol}-{self.vs}", SCAN_TIMEFRAME)

    def covers(self, series: Series) -> bool:
        """Whether ``series`` is one of this scan's coins (by its key's form: membership changes hour by hour)."""
        return series.source == SCAN_SOURCE and series.quote == self.vs and series.timeframe == SCAN_TIMEFRAME

    @property
    def cursor_series(self) -> Series:
        """Where the ingest keeps the scan's own cursor (the hour last scanned).

        Its key ``coingecko-markets:USD:scan`` cannot be parsed as a series, so no coin's series can collide with it.
        """
        return Series(SCAN_SOURCE, self.vs, SCAN_CURSOR)


def is_scan_cursor(key: str) -> bool:
    """Whether a series key is a scan's own cursor (``coingecko-markets:USD:scan``), not a coin's series: the
    ingest logs it with the number of coins the scan stored, which is not one series' candles."""
    return key.startswith(f"{SCAN_SOURCE}:") and key.endswith(f":{SCAN_CURSOR}")


@dataclass(frozen=True)
class ScanCoin:
    """One coin of a scan's answer: its series, its candle rows ``[ts, o, h, l, c, v]``, and what the digest shows."""

    series: Series
    coin_id: str
    name: str
    rank: int | None
    rows: list[list[Any]]
    volume_24h: float | None
    change_24h_pct: float | None


@dataclass
class ScanAnswer:
    """A scan's coins in market-cap order, the coins refused (``(coin, reason)``), and the calls it took."""

    coins: list[ScanCoin] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    calls: int = 0


#: What the notification log's partition key of a scan's alert emails starts with (a series key never does).
SCAN_LOG_PREFIX = "scan#"


def budget_key(series_key: str) -> str:
    """Where the notification log keeps a series' alert emails: the series itself, or for a scan coin its scan.

    A market scan is one alert budget group: its coins' emails are claimed under ``scan#<VS>`` (one per
    candle hour for the whole scan), so the weekly cap and each rule's cooldown count the scan's emails
    together, not each coin's; their decisions to hold back stay under the coin's own key.
    """
    if not is_scan_series(series_key):
        return series_key
    return SCAN_LOG_PREFIX + series_key.split(":")[1].rpartition("-")[2]


def is_scan_series(series: Series | str) -> bool:
    """Whether a series (or series key) is a market scan's."""
    key = series if isinstance(series, str) else series.key
    return key.startswith(SCAN_SOURCE + ":")


@dataclass(frozen=True)
class Allowance:
    """CoinGecko calls a month: the scans', the CoinGecko series', and the key's allowance."""

    scan_calls: int
    series_calls: int
    limit: int = DEMO_MONTHLY_CALLS

    @property
    def total(self) -> int:
        return self.scan_calls + self.series_calls

    @property
    def fits(self) -> bool:
        return self.total <= self.limit


def monthly_calls(scans: Iterable[MarketScan], coingecko_timeframes: Iterable[str]) -> tuple[Allowance, str]:
    """The month's CoinGecko calls and the arithmetic in words (what the watchlist check quotes).

    One scan per closed hour (24 x 31 in the longest month), ``pages`` calls
    each; a CoinGecko series two calls per candle of its timeframe.
    """
    hours = 24 * MONTH_DAYS
    parts: list[str] = []
    scan_calls = 0
    for scan in scans:
        calls = scan.pages * hours
        scan_calls += calls
        parts.append(f"the {scan.name} scan: {scan.pages} call(s)/tick x 24 ticks x {MONTH_DAYS} days = {calls:,}")
    series_calls = 0
    by_timeframe: dict[str, int] = {}
    for timeframe in coingecko_timeframes:
        by_timeframe[timeframe] = by_timeframe.get(timeframe, 0) + 1
    for timeframe, count in by_timeframe.items():
        candles = MONTH_DAYS * DAY_MS // TIMEFRAME_MS[timeframe]
        calls = count * CALLS_PER_COINGECKO_CANDLE * candles
        series_calls += calls
        parts.append(
            f"{count} coingecko {timeframe} series x {CALLS_PER_COINGECKO_CANDLE} calls x {candles:,} candles "
            f"= {calls:,}"
        )
    allowance = Allowance(scan_calls, series_calls)
    words = "; ".join(parts) + f"; total {allowance.total:,} calls/month against the demo key's {allowance.limit:,}"
    return allowance, words
