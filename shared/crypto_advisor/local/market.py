"""A seeded synthetic market that behaves like the real sources.

Prices follow a regime-switching random walk (calm ranges, trends up and down,
volatility bursts) with volume that rises with the size of the move and the
occasional spike, so every kind of trigger has something to fire on. The path
of a symbol is a pure function of (seed, symbol, candle time): a later clock
reveals new candles but never changes old ones, as with a real exchange.

With ``market_vol`` the coins also share a **common factor**, as real coins
do (real ones correlate about 0.7 to 0.9 with BTC hour by hour; the demo's
about 0.7, DOGE's 0.1): each hour has one market return, and a symbol's return
is its beta (:data:`BETAS`) times that plus its own walk, scaled down so its
volatility stays about what it was.
``shocks`` add a market-wide move on chosen hours, which every coin feels at
its beta: the demo plants one to show the market email. Without
``market_vol`` (the default) every symbol walks on its own, exactly as before
the factor existed, so the seeded paths the tests rely on are unchanged.

:class:`SimulatedSource` answers like the exchange it stands for: at most the
source's history limit, newest last, the still-forming candle included, and an
unknown symbol raises :class:`UnknownSymbolError`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from crypto_advisor.contracts.errors import UnknownSymbolError
from crypto_advisor.contracts.market_scan import SPARKLINE_HOURS, MarketScan, ScanAnswer, ScanCoin
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import WatchedSeries

#: Starting prices of the symbols the simulated market lists.
LISTED: dict[str, float] = {
    "BTC-USD": 90_000.0,
    "ETH-USD": 3_000.0,
    "SOL-USD": 150.0,
    "XRP-USD": 2.2,
    "HYPE-USD": 35.0,
    "ADA-USD": 0.6,
    "DOGE-USD": 0.16,
    "LINK-USD": 14.0,
}

#: Long-tail coins the simulated market scan lists below the large ones (never on the simulated Kraken's watchlist).
LONG_TAIL: dict[str, float] = {
    "PEPE-USD": 0.000012,
    "WIF-USD": 2.1,
    "BONK-USD": 0.000025,
    "FET-USD": 1.4,
}

#: Each symbol's sensitivity to the market's common return (used only with ``market_vol``).
BETAS: dict[str, float] = {
    "BTC-USD": 1.0,
    "ETH-USD": 1.2,
    "SOL-USD": 1.5,
    "XRP-USD": 1.1,
    "HYPE-USD": 1.4,
    "ADA-USD": 1.2,
    "DOGE-USD": 0.1,
    "LINK-USD": 1.3,
}
#: With the common factor, how much of a symbol's own walk is kept: its total volatility stays about the same.
OWN_SHARE = 0.45

#: Regimes: (drift per hour, volatility per hour, volume multiplier)
REGIMES = (
    (0.0, 0.004, 1.0),  # calm range
    (0.0012, 0.006, 1.4),  # trend up
    (-0.0012, 0.006, 1.4),  # trend down
    (0.0, 0.016, 2.5),  # volatility burst
)


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "little")


@dataclass
class SimulatedMarket:
    """Hourly base path per symbol from ``epoch_ms``; longer timeframes aggregate it."""

    seed: int = 7
    epoch_ms: int = 1_735_689_600_000  # 2025-01-01T00:00Z
    #: (symbol, candle ts) -> what to corrupt, to show rejection: "high_below_low" or "negative_volume"
    glitches: dict[tuple[str, int], str] = field(default_factory=dict)
    #: the hourly volatility of the coins' common market return; None: no common factor
    market_vol: float | None = None
    #: hour open time (ms) -> a market-wide return added on that hour (needs ``market_vol``)
    shocks: dict[int, float] = field(default_factory=dict)
    _paths: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def hourly(self, symbol: str, upto_ms: int) -> np.ndarray:
        """Rows [ts, o, h, l, c, v] of hourly candles from the epoch through ``upto_ms``."""
        if symbol not in LISTED and symbol not in LONG_TAIL:
            raise UnknownSymbolError(f"simulated market does not list {symbol}")
        needed = (upto_ms - self.epoch_ms) // HOUR_MS + 1
        path = self._paths.get(symbol)
        if path is None or len(path) < needed:
            # a month ahead, so an hourly clock does not regenerate the path on every tick (a later draw keeps
            # every earlier one: the path's prefix never changes)
            path = self._generate(symbol, max(needed + 24 * 31, 24 * 400))
            self._paths[symbol] = path
        return path[:needed]

    def _market(self, count: int) -> np.ndarray:
        """The common hourly market return of the first ``count`` hours: a fat-tailed walk plus the shocks."""
        rng = np.random.default_rng(_seed(self.seed, "market"))
        assert self.market_vol is not None
        returns = self.market_vol * rng.standard_t(4, size=count) / math.sqrt(2)
        for ts, shock in self.shocks.items():
            index = (ts - self.epoch_ms) // HOUR_MS
            if 0 <= index < count:
                returns[index] += shock
        return returns

    def _generate(self, symbol: str, count: int) -> np.ndarray:
        market = self._market(count) if self.market_vol is not None else None
        beta = BETAS.get(symbol, 1.0)
        rng = np.random.default_rng(_seed(self.seed, symbol))
        regime = 0
        price = LISTED.get(symbol) or LONG_TAIL[symbol]
        base_volume = 1_000_000 / price
        rows = np.empty((count, 6))
        for i in range(count):
            if rng.random() < 0.02:  # on average a regime lasts about two days
                regime = int(rng.integers(len(REGIMES)))
            drift, vol, vol_mult = REGIMES[regime]
            ret = drift + vol * rng.standard_t(4) / math.sqrt(2)
            if market is not None:
                ret = beta * market[i] + OWN_SHARE * ret
            o = price
            c = o * math.exp(ret)
            wick = abs(rng.normal(0, vol * 0.6))
            h = max(o, c) * math.exp(wick * rng.random())
            lo = min(o, c) * math.exp(-wick * rng.random())
            spike = 6.0 if rng.random() < 0.01 else 1.0
            v = base_volume * vol_mult * spike * (1 + 40 * abs(ret)) * rng.lognormal(0, 0.3)
            rows[i] = (self.epoch_ms + i * HOUR_MS, o, h, lo, c, v)
            price = c
        return rows

    def candles(self, symbol: str, timeframe_ms: int, now_ms: int, from_ms: int | None = None) -> list[list[Any]]:
        """Every candle up to ``now_ms`` (from ``from_ms`` on, if given), the last one still forming (built from
        the hours so far). Building only the candles asked for keeps a fetch's cost near a real client's: the
        handler that calls it is timed (``make cost``), and this stands in for an HTTP answer."""
        hours = self.hourly(symbol, now_ms)
        if timeframe_ms < HOUR_MS:
            raise ValueError("the simulated market starts at 1h candles")
        step = timeframe_ms // HOUR_MS
        out: list[list[Any]] = []
        first = int(hours[0, 0])
        start = first + (-first % timeframe_ms)
        if from_ms is not None and from_ms > start:
            start += -(-(from_ms - start) // timeframe_ms) * timeframe_ms
        if step == 1:
            # Hourly: each candle is one row of the path, as it is (``make bench-scale`` seeds 720,000 of them)
            out = [[int(r[0]), *r[1:]] for r in hours[(start - first) // HOUR_MS :].tolist()]
            if out and out[-1][0] + timeframe_ms > now_ms:
                out[-1] = self._forming(out[-1], now_ms)
            return [self._glitch(symbol, row) for row in out]
        for begin in range(int((start - first) // HOUR_MS), len(hours), step):
            chunk = hours[begin : begin + step]
            row = [
                int(chunk[0, 0]),
                float(chunk[0, 1]),
                float(chunk[:, 2].max()),
                float(chunk[:, 3].min()),
                float(chunk[-1, 4]),
                float(chunk[:, 5].sum()),
            ]
            if len(chunk) < step or int(chunk[0, 0]) + timeframe_ms > now_ms:
                row = self._forming(row, now_ms)
            out.append(self._glitch(symbol, row))
        return out

    @staticmethod
    def _forming(row: list[Any], now_ms: int) -> list[Any]:
        """The current candle as an exchange shows it mid-period: fewer trades so far."""
        elapsed = max(0.05, min(1.0, (now_ms - row[0]) / HOUR_MS))
        return [row[0], row[1], row[2], row[3], row[4], row[5] * elapsed]

    def _glitch(self, symbol: str, row: list[Any]) -> list[Any]:
        kind = self.glitches.get((symbol, row[0]))
        if kind == "high_below_low":
            return [row[0], row[1], row[3] * 0.99, row[3], row[4], row[5]]
        if kind == "negative_volume":
            return [row[0], row[1], row[2], row[3], row[4], -row[5]]
        if kind == "volume_missing":  # CoinGecko with no volume sample at or before the candle's close
            return [row[0], row[1], row[2], row[3], row[4], None]
        return row


class SimulatedSource:
    """Stands in for one real source, with that source's history limit."""

    def __init__(
        self, name: str, market: SimulatedMarket, *, max_candles: int, listed_as: Callable[[str], str] | None = None
    ) -> None:
        """``listed_as`` names the listed symbol whose path a watched symbol follows (``make bench-scale``'s
        thousand made-up symbols walk the eight listed paths); None: the symbol itself."""
        self.name = name
        self._market = market
        self._max = max_candles
        self._listed_as = listed_as

    @property
    def max_candles(self) -> int:
        return self._max

    def fetch_ohlcv(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]:
        series = watched.series
        tf = series.timeframe_ms
        oldest = now_ms // tf * tf - (self._max - 1) * tf  # the answer's oldest candle at most: the history limit
        symbol = series.symbol if self._listed_as is None else self._listed_as(series.symbol)
        rows = self._market.candles(symbol, tf, now_ms, from_ms=max(since_ms, oldest))
        rows = [r for r in rows if r[0] <= now_ms][-self._max :]
        return [list(r) for r in rows if r[0] >= since_ms]


def simulated_sources(market: SimulatedMarket) -> dict[str, SimulatedSource]:
    """The two sources with the history limits of the real ones (Kraken 720 candles, CoinGecko 2 days of 1h)."""
    return {
        "kraken": SimulatedSource("kraken", market, max_candles=720),
        "coingecko": SimulatedSource("coingecko", market, max_candles=48),
    }


class SimulatedScanSource:
    """Stands in for CoinGecko's ``/coins/markets`` scan: the large coins, then the long tail, in that rank order.

    Each coin's sparkline is its last seven days of hourly closes up to the forming hour (whose point is the
    price at the hour's start, as the forming candle's is), and its 24 h volume the sum of its last 24 closed
    hours', carried on the newest closed candle only, as the real scan's candles are made
    (:func:`crypto_advisor.adapters.coingecko_markets.coin_candles`). ``coins`` and ``listed_as`` give
    ``make bench-scale`` a scan of hundreds of made-up coins (``S0001-USD``...) walking the listed paths.
    """

    name = "coingecko-markets"

    def __init__(
        self,
        market: SimulatedMarket,
        *,
        coins: Sequence[str] | None = None,
        listed_as: Callable[[str], str] | None = None,
    ) -> None:
        self._market = market
        self._coins = list(coins) if coins is not None else [*LISTED, *LONG_TAIL]
        self._listed_as = listed_as or (lambda symbol: symbol)

    def scan(self, scan: MarketScan, *, now_ms: int) -> ScanAnswer:
        answer = ScanAnswer(calls=scan.pages)
        forming = now_ms - now_ms % HOUR_MS
        for rank, symbol in enumerate(self._coins[: scan.top], start=1):
            hours = self._market.hourly(self._listed_as(symbol), now_ms)[-SPARKLINE_HOURS:]
            closed = hours[hours[:, 0] < forming]
            volume_24h = float(closed[-24:, 5].sum())
            rows = [
                [int(ts), c, c, c, c, volume_24h if ts == forming - HOUR_MS else None]
                for ts, c in ((row[0], float(row[4] if row[0] < forming else row[1])) for row in hours)
            ]
            series = scan.series_of(symbol.split("-")[0])
            answer.coins.append(
                ScanCoin(series, symbol.split("-")[0].lower(), symbol.split("-")[0], rank, rows, volume_24h, None)
            )
        return answer

    def history(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]:
        """A scan coin's stored past, as hourly scans leave it: each closed hour's candle its close four times
        and the rolling 24 h volume the scan of the next hour read (``make bench-scale``'s seeding)."""
        forming = now_ms - now_ms % HOUR_MS
        hours = self._market.hourly(self._listed_as(watched.series.symbol), now_ms)
        volume_24h = np.convolve(hours[:, 5], np.ones(24))[: len(hours)]
        return [
            [int(row[0]), float(row[4]), float(row[4]), float(row[4]), float(row[4]), float(v)]
            for row, v in zip(hours, volume_24h, strict=True)
            if since_ms <= row[0] < forming
        ]
